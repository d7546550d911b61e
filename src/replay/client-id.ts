// Rewrite the Client Identifier of a CONNECT packet and re-encode it with the
// correct Remaining Length [MQTT-1.5.5] and string length prefix [MQTT-1.5.4].
import { decodeVarint, encodeVarint } from '../protocol/varint.js';

/** Encode a Remaining Length (kept under this name for replay's callers). */
export const encodeRemainingLength = encodeVarint;

/** Skip an MQTT 5 property block (varint length + bytes) at `o`; returns the offset after it. */
function skipProperties(b: Uint8Array, o: number): number {
  const len = decodeVarint(b, o);
  return typeof len === 'object' ? len.next + len.value : -1;
}

/**
 * Returns a copy of `connect` whose client id is `fn(oldId)`, or null when the
 * bytes are not a CONNECT that can be parsed far enough.
 */
export function rewriteClientId(connect: Uint8Array, fn: (id: string) => string): Uint8Array | null {
  if (connect[0] !== 0x10) return null;
  const v = decodeVarint(connect, 1);
  if (typeof v !== 'object') return null;
  const rl = { value: v.value, end: v.next };
  if (rl.end + rl.value > connect.length) return null;
  let o = rl.end;
  const nameLen = ((connect[o] ?? 0) << 8) | (connect[o + 1] ?? 0);
  o += 2 + nameLen;
  const level = connect[o];
  if (level === undefined) return null;
  o += 1 + 1 + 2; // level, connect flags, keep alive
  if (level === 5) {
    o = skipProperties(connect, o);
    if (o < 0) return null;
  }
  if (o + 2 > connect.length) return null;
  const idLen = (connect[o]! << 8) | connect[o + 1]!;
  if (o + 2 + idLen > connect.length) return null;
  const oldBytes = connect.subarray(o + 2, o + 2 + idLen);
  const oldId = Buffer.from(oldBytes).toString('utf8');
  const next = fn(oldId);
  // What fn appended goes after the captured bytes as they are: an id that is not
  // well-formed UTF-8 (which a broker refuses) must not come out repaired (U+FFFD).
  const newId = next.startsWith(oldId)
    ? Buffer.concat([oldBytes, Buffer.from(next.slice(oldId.length), 'utf8')])
    : Buffer.from(next, 'utf8');
  if (newId.length > 0xffff) return null;
  const end = rl.end + rl.value;
  const head = connect.subarray(rl.end, o);
  const tail = connect.subarray(o + 2 + idLen, end);
  const bodyLen = head.length + 2 + newId.length + tail.length;
  const rlBytes = encodeRemainingLength(bodyLen);
  const out = new Uint8Array(1 + rlBytes.length + bodyLen);
  let p = 0;
  out[p++] = 0x10;
  out.set(rlBytes, p); p += rlBytes.length;
  out.set(head, p); p += head.length;
  out[p++] = newId.length >> 8;
  out[p++] = newId.length & 0xff;
  out.set(newId, p); p += newId.length;
  out.set(tail, p);
  return out;
}
