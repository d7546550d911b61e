// The hot path's common case: a well-formed PUBLISH with a printable ASCII topic
// (and, for MQTT 5, no properties). It yields exactly the summary summarize()
// would give, without the walker and without a view of the packet. Anything it
// does not handle, including every case that would carry a note, returns null
// and goes the full way. A property test holds it equal to summarize().
import type { PacketSummary } from '../model/packet.js';
import type { Note, ProtocolVersion } from '../model/types.js';

/** Shared by every fast summary: they carry no notes, and nothing adds any later. */
const NO_NOTES: Note[] = Object.freeze([]) as unknown as Note[];

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, s: number, e: number) => string }).latin1Slice;

/** Longest topic remembered by the cache. */
const CACHE_MAX = 128;

/**
 * The last topic seen on one direction of a connection. A publisher usually
 * repeats its topic, so comparing bytes is cheaper than building a string, and
 * handing out the same string object keeps Map lookups keyed by it cheap.
 */
export class TopicCache {
  readonly bytes = new Uint8Array(CACHE_MAX);
  len = -1;
  str = '';
}

function asciiTopic(b: Uint8Array, s: number, e: number): string | null {
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    // Printable ASCII except the wildcards + (0x2b) and # (0x23), which get a note.
    if (c < 0x20 || c > 0x7e || c === 0x2b || c === 0x23) return null;
  }
  if (latin1Slice !== undefined) return latin1Slice.call(b, s, e);
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

/**
 * Summary of the PUBLISH at `b[off, off+len)`, or null when the full walker must
 * decide (malformed, flagged, non-ASCII topic, properties, empty topic).
 * `len` is the framed size: fixed header included.
 */
export function summarizePublishFast(b: Uint8Array, off: number, len: number, version: ProtocolVersion, cache: TopicCache): PacketSummary | null {
  const end = off + len;
  const b0 = b[off]!;
  if (b0 >> 4 !== 3) return null;
  const qos = (b0 >> 1) & 3;
  if (qos === 3 || (qos === 0 && (b0 & 8) !== 0)) return null;
  // Remaining Length, shortest encoding only.
  let p = off + 1;
  let rl = 0;
  let mul = 1;
  let x = 0;
  for (let k = 0; ; k++) {
    if (k === 4 || p >= end) return null;
    x = b[p++]!;
    rl += (x & 0x7f) * mul;
    mul *= 128;
    if ((x & 0x80) === 0) break;
  }
  const hl = p - off;
  if ((hl > 2 && x === 0) || hl + rl !== len) return null;
  if (p + 2 > end) return null;
  const tlen = (b[p]! << 8) | b[p + 1]!;
  p += 2;
  if (tlen === 0 || p + tlen > end) return null;
  let topic: string | null = null;
  if (tlen === cache.len) {
    const cb = cache.bytes;
    let i = 0;
    while (i < tlen && cb[i] === b[p + i]) i++;
    if (i === tlen) topic = cache.str;
  }
  if (topic === null) {
    topic = asciiTopic(b, p, p + tlen);
    if (topic === null) return null;
    if (tlen <= CACHE_MAX) {
      const cb = cache.bytes;
      for (let i = 0; i < tlen; i++) cb[i] = b[p + i]!;
      cache.len = tlen;
      cache.str = topic;
    }
  }
  p += tlen;
  let packetId: number | null = null;
  if (qos > 0) {
    if (p + 2 > end) return null;
    packetId = (b[p]! << 8) | b[p + 1]!;
    if (packetId === 0) return null;
    p += 2;
  }
  let properties: Record<string, unknown> | null = null;
  if (version === 5) {
    if (p >= end || b[p] !== 0) return null;
    properties = {};
    p++;
  }
  // Same fields in the same order as emptySummary(): one hidden class for all summaries.
  return {
    type: 3,
    flags: b0 & 0x0f,
    dup: (b0 & 0x08) !== 0,
    qos,
    retain: (b0 & 1) !== 0,
    remainingLength: rl,
    headerLength: hl,
    packetId,
    topic,
    topicAlias: null,
    payloadOffset: p - off,
    payloadLength: end - p,
    reasonCodes: null,
    properties,
    notes: NO_NOTES,
  };
}

/** The implied Reason Code of an MQTT 5 ack without one: 0x00 Success. */
const IMPLIED_SUCCESS: number[] = Object.freeze([0]) as unknown as number[];

/**
 * The other common small packets: a 4-byte PUBACK, PUBREC, PUBREL or PUBCOMP
 * (no reason code, so success in MQTT 5) with correct flags and a non-zero
 * packet id, and a 2-byte PINGREQ or PINGRESP. Exactly what summarize() gives,
 * or null for anything else.
 */
export function summarizeSmallFast(b: Uint8Array, off: number, len: number, version: ProtocolVersion): PacketSummary | null {
  const b0 = b[off]!;
  const type = b0 >> 4;
  if (len === 4) {
    if (type < 4 || type > 7 || (b0 & 0x0f) !== (type === 6 ? 2 : 0) || b[off + 1] !== 2) return null;
    const id = (b[off + 2]! << 8) | b[off + 3]!;
    if (id === 0) return null;
    return {
      type, flags: b0 & 0x0f, dup: false, qos: 0, retain: false, remainingLength: 2, headerLength: 2,
      packetId: id, topic: null, topicAlias: null, payloadOffset: -1, payloadLength: null,
      reasonCodes: version === 5 ? IMPLIED_SUCCESS : null, properties: null, notes: NO_NOTES,
    };
  }
  if (len === 2 && (b0 === 0xc0 || b0 === 0xd0) && b[off + 1] === 0) {
    return {
      type, flags: 0, dup: false, qos: 0, retain: false, remainingLength: 0, headerLength: 2,
      packetId: null, topic: null, topicAlias: null, payloadOffset: -1, payloadLength: null,
      reasonCodes: null, properties: null, notes: NO_NOTES,
    };
  }
  return null;
}
