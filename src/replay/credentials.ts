// Replace the User Name and Password of a CONNECT (replay --username, --password-file):
// a capture recorded in production is replayed against a test broker with its own
// accounts. The packet is re-encoded with the User Name / Password Flags of the
// Connect Flags byte (bits 7 and 6) [MQTT-3.1.2-18..21] and a correct Remaining
// Length [MQTT-1.5.5]; everything else (client id, will, properties) is kept.
// Payload order: Client Identifier, [MQTT 5: Will Properties,] Will Topic, Will
// Message (when the Will Flag, bit 2, is set), User Name, Password [MQTT 3.1.3].
import { decodeVarint, encodeVarint } from '../protocol/varint.js';

export interface Credentials {
  /** User Name sent in every CONNECT. */
  username: string;
  /** Password sent in every CONNECT (null: none; the captured one is dropped). */
  password: Uint8Array | null;
}

/**
 * A copy of `connect` carrying `creds` instead of its captured user name and
 * password, or null when the bytes are not a CONNECT that parses to its end.
 */
export function withCredentials(connect: Uint8Array, creds: Credentials): Uint8Array | null {
  if (connect[0] !== 0x10) return null;
  const rl = decodeVarint(connect, 1);
  if (typeof rl !== 'object') return null;
  const end = rl.next + rl.value;
  if (end > connect.length) return null;
  /** Offset after a two-byte-length field at `o` (-1 when it runs past the packet). */
  const field = (o: number): number => {
    if (o < 0 || o + 2 > end) return -1;
    const next = o + 2 + ((connect[o]! << 8) | connect[o + 1]!);
    return next <= end ? next : -1;
  };
  let o = field(rl.next); // Protocol Name
  if (o < 0 || o + 4 > end) return null;
  const level = connect[o]!;
  const flagsAt = o + 1;
  const flags = connect[flagsAt]!;
  o += 4; // Protocol Level, Connect Flags, Keep Alive
  const props = (at: number): number => {
    const v = decodeVarint(connect, at, end);
    return typeof v === 'object' && v.next + v.value <= end ? v.next + v.value : -1;
  };
  if (level === 5) o = props(o); // CONNECT Properties
  o = field(o); // Client Identifier
  if (o < 0) return null;
  if (flags & 0x04) {
    if (level === 5) { o = props(o); if (o < 0) return null; } // Will Properties
    o = field(field(o)); // Will Topic, Will Message
    if (o < 0) return null;
  }
  const credsAt = o;
  if (flags & 0x80) o = field(o); // User Name
  if (o >= 0 && flags & 0x40) o = field(o); // Password
  if (o < 0) return null;
  const user = Buffer.from(creds.username, 'utf8');
  const pass = creds.password;
  if (user.length > 0xffff || (pass && pass.length > 0xffff)) return null;
  const before = connect.subarray(rl.next, credsAt);
  const after = connect.subarray(o, end); // bytes past the password (none in a well-formed CONNECT), kept
  const bodyLen = before.length + 2 + user.length + (pass ? 2 + pass.length : 0) + after.length;
  const rlBytes = encodeVarint(bodyLen);
  const out = new Uint8Array(1 + rlBytes.length + bodyLen);
  let w = 0;
  out[w++] = 0x10;
  out.set(rlBytes, w); w += rlBytes.length;
  out.set(before, w);
  out[w + flagsAt - rl.next] = (flags & 0x3f) | 0x80 | (pass ? 0x40 : 0);
  w += before.length;
  out[w++] = user.length >> 8;
  out[w++] = user.length & 0xff;
  out.set(user, w); w += user.length;
  if (pass) {
    out[w++] = pass.length >> 8;
    out[w++] = pass.length & 0xff;
    out.set(pass, w); w += pass.length;
  }
  out.set(after, w);
  return out;
}
