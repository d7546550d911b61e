// Replace the User Name and Password of a CONNECT (replay --username, --password-file):
// a capture recorded in production is replayed against a test broker with its own
// accounts. The packet is re-encoded with the User Name / Password Flags of the
// Connect Flags byte (bits 7 and 6) [MQTT-3.1.2-18..21] and a correct Remaining
// Length [MQTT-1.5.5]; everything else (client id, will, properties) is kept.
// Payload order: Client Identifier, [MQTT 5: Will Properties,] Will Topic, Will
// Message (when the Will Flag, bit 2, is set), User Name, Password [MQTT 3.1.3].
// MQTT 5: the Authentication Method (0x15) and Authentication Data (0x16) of the CONNECT
// Properties [MQTT 5.0 §3.1.2.11.9-10] are credentials too (a token, a SCRAM proof):
// they are dropped, so the captured ones do not reach the replay's broker and the
// given user name and password are what it authenticates (a broker without that
// enhanced authentication method would refuse the CONNECT with 0x8C anyway).
import { decodeVarint, encodeVarint } from '../protocol/varint.js';
import { splitProperties } from './properties.js';
import { printable } from '../views/format.js';

export interface Credentials {
  /** User Name sent in every CONNECT: a string is sent as UTF-8, bytes as they are (a captured one). */
  username: string | Uint8Array;
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
  let propsAt = -1;
  if (level === 5) { propsAt = o; o = props(o); } // CONNECT Properties
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
  const user = typeof creds.username === 'string' ? Buffer.from(creds.username, 'utf8') : creds.username;
  const pass = creds.password;
  if (user.length > 0xffff || (pass && pass.length > 0xffff)) return null;
  let before = connect.subarray(rl.next, credsAt);
  if (propsAt >= 0) {
    const stripped = withoutAuthProperties(connect, propsAt, end);
    if (!stripped) return null;
    // Protocol Name … Keep Alive, the new Property Length and properties, then Client Identifier … Will.
    const propsEnd = props(propsAt);
    before = concat(connect.subarray(rl.next, propsAt), stripped, connect.subarray(propsEnd, credsAt));
  }
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

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let w = 0;
  for (const p of parts) { out.set(p, w); w += p.length; }
  return out;
}

/** Authentication Method (0x15) or Authentication Data (0x16). */
const isAuthProperty = (id: number): boolean => id === 0x15 || id === 0x16;

/**
 * The Property Length and properties of the block at `at`, without Authentication
 * Method (0x15) and Authentication Data (0x16); null when the block does not parse.
 */
function withoutAuthProperties(b: Uint8Array, at: number, end: number): Uint8Array | null {
  const split = splitProperties(b, at, end, isAuthProperty);
  if (!split) return null;
  return concat(encodeVarint(split.keptLength), ...split.kept);
}

/**
 * The User Name bytes of a CONNECT as captured (not decoded: a capture may hold one that is
 * not well-formed UTF-8), or null when it has none (User Name Flag, bit 7, clear) or does
 * not parse that far.
 */
export function capturedUserName(connect: Uint8Array): Uint8Array | null {
  if (connect[0] !== 0x10) return null;
  const rl = decodeVarint(connect, 1);
  if (typeof rl !== 'object') return null;
  const end = Math.min(connect.length, rl.next + rl.value);
  const field = (o: number): number => {
    if (o < 0 || o + 2 > end) return -1;
    const next = o + 2 + ((connect[o]! << 8) | connect[o + 1]!);
    return next <= end ? next : -1;
  };
  const props = (at: number): number => {
    if (at < 0) return -1;
    const v = decodeVarint(connect, at, end);
    return typeof v === 'object' && v.next + v.value <= end ? v.next + v.value : -1;
  };
  let o = field(rl.next); // Protocol Name
  if (o < 0 || o + 4 > end) return null;
  const level = connect[o]!;
  const flags = connect[o + 1]!;
  if (!(flags & 0x80)) return null;
  o += 4; // Protocol Level, Connect Flags, Keep Alive
  if (level === 5) o = props(o); // CONNECT Properties
  o = field(o); // Client Identifier
  if (flags & 0x04) {
    if (level === 5) o = props(o); // Will Properties
    o = field(field(o)); // Will Topic, Will Message
  }
  const next = field(o); // User Name
  return next < 0 ? null : connect.subarray(o + 2, next);
}

/** A user name's bytes as the key of parseCredentialsFile's map: one character per byte (Latin-1), so no two byte strings share a key. */
export const userNameKey = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/**
 * A user name's bytes for a message: as UTF-8 text made safe for a terminal (views/format printable) when they
 * are well-formed UTF-8; otherwise printable ASCII as it is and every other byte as \xNN.
 */
export function userNameText(bytes: Uint8Array): { text: string; utf8: boolean } {
  try {
    const s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text: printable(s), utf8: true };
  } catch {
    let t = '';
    for (const b of bytes) t += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    return { text: t, utf8: false };
  }
}

/**
 * Per-connection credentials (replay --credentials): given the captured User Name
 * of a connection's CONNECT (null: none), what to send instead, or null to send
 * the CONNECT as captured.
 */
export type CredentialsFor = (capturedUsername: string | null, connect: Uint8Array) => Credentials | null;

/**
 * Whether a captured CONNECT carries a Password (Connect Flags bit 6; MQTT 5 allows one
 * without a User Name [MQTT 5.0 §3.1.2.9]) or an Authentication Method / Data property:
 * what a CONNECT sent as captured takes to the replay's broker. False when it does not parse.
 */
export function carriesCredentials(connect: Uint8Array): boolean {
  if (connect[0] !== 0x10) return false;
  const rl = decodeVarint(connect, 1);
  if (typeof rl !== 'object') return false;
  const end = Math.min(connect.length, rl.next + rl.value);
  const o = rl.next + 2 + (((connect[rl.next] ?? 0) << 8) | (connect[rl.next + 1] ?? 0)); // after the Protocol Name
  if (o + 4 > end) return false;
  if (connect[o + 1]! & 0x40) return true; // Password Flag
  if (connect[o] !== 5) return false;
  const split = splitProperties(connect, o + 4, end, isAuthProperty); // CONNECT Properties
  return split !== null && split.dropped > 0;
}

/** The longest User Name or Password a CONNECT can carry (two-byte length prefix). */
const MAX_FIELD = 0xffff;

/**
 * A --credentials file: one `USER:PASSWORD` line per captured user name, the
 * plain format of a mosquitto password file before `mosquitto_passwd -U` hashes
 * it. The map is keyed by the user name's bytes (userNameKey: Latin-1, one
 * character per byte; the same as the text for an ASCII name), so a captured user
 * name that is not UTF-8 matches the line with the same bytes and no other.
 * The user name ends at the first ':', the password is the rest of the line
 * (bytes as they are, ':' included) without its line end (\n or \r\n); empty
 * lines and lines starting with '#' are skipped. Throws an Error naming the line
 * (never a password) when a line cannot be used.
 */
export function parseCredentialsFile(text: Uint8Array): Map<string, Uint8Array> {
  const buf = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const out = new Map<string, Uint8Array>();
  let start = 0;
  for (let n = 1; start < buf.length; n++) {
    let end = buf.indexOf(0x0a, start);
    const next = end < 0 ? buf.length : end + 1;
    if (end < 0) end = buf.length;
    if (end > start && buf[end - 1] === 0x0d) end--;
    const line = buf.subarray(start, end);
    start = next;
    if (line.length === 0 || line[0] === 0x23 /* # */) continue;
    const colon = line.indexOf(0x3a);
    if (colon < 0) throw new Error(`line ${n} has no ':' (expected USER:PASSWORD)`);
    if (colon === 0) throw new Error(`line ${n}: the user name before ':' is empty`);
    const key = userNameKey(line.subarray(0, colon));
    const shown = userNameText(line.subarray(0, colon));
    // Quoted, with its bytes escaped when they are not UTF-8 (so said after the quotes).
    const user = `'${shown.text}'${shown.utf8 ? '' : ' (not UTF-8)'}`;
    const pass = Uint8Array.from(line.subarray(colon + 1));
    if (colon > MAX_FIELD) throw new Error(`line ${n}: the user name is ${colon} bytes; an MQTT CONNECT carries at most ${MAX_FIELD}`);
    if (pass.length > MAX_FIELD) throw new Error(`line ${n}: the password of ${user} is ${pass.length} bytes; an MQTT CONNECT carries at most ${MAX_FIELD}`);
    // mosquitto_passwd writes $6$ (SHA-512) or $7$ (PBKDF2-SHA512) hashes: sent as a password, every CONNECT would be refused.
    if (pass.length > 3 && pass[0] === 0x24 && (pass[1] === 0x36 || pass[1] === 0x37) && pass[2] === 0x24) {
      throw new Error(`line ${n}: the password of ${user} is a mosquitto password hash ($${String.fromCharCode(pass[1]!)}$…); --credentials needs the plain passwords (the file as it was before mosquitto_passwd -U)`);
    }
    if (out.has(key)) throw new Error(`line ${n}: user name ${user} is already on an earlier line`);
    out.set(key, pass);
  }
  return out;
}
