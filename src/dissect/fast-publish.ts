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
  /** Made at the first topic (a direction that carries no PUBLISH never needs one). */
  bytes: Uint8Array | null = null;
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

/** A note-free summary, fields in emptySummary()'s order (one hidden class for all summaries). */
function clean(
  type: number, flags: number, remainingLength: number, headerLength: number, packetId: number | null, topic: string | null,
  payloadOffset: number, payloadLength: number | null, reasonCodes: number[] | null, properties: Record<string, unknown> | null,
): PacketSummary {
  // Only PUBLISH has DUP, QoS and RETAIN bits; summarize() reports them as 0 for the rest.
  const pub = type === 3;
  return {
    type, flags, dup: pub && (flags & 0x08) !== 0, qos: pub ? (flags >> 1) & 3 : 0, retain: pub && (flags & 1) !== 0, remainingLength, headerLength,
    packetId, topic, topicAlias: null, payloadOffset, payloadLength, reasonCodes, properties, notes: NO_NOTES,
  };
}

/**
 * Summary of the PUBLISH at `b[off, off+len)`, or null when the full walker must
 * decide (malformed, flagged, non-ASCII topic, properties, empty topic).
 * `len` is the framed size (fixed header included), so the Remaining Length is
 * known to match it and is not decoded again: only its bytes are counted.
 */
export function summarizePublishFast(b: Uint8Array, off: number, len: number, version: ProtocolVersion, cache: TopicCache): PacketSummary | null {
  const end = off + len;
  const b0 = b[off]!;
  if (b0 >> 4 !== 3) return null;
  const qos = (b0 >> 1) & 3;
  if (qos === 3 || (qos === 0 && (b0 & 8) !== 0)) return null;
  // The Remaining Length's bytes: up to the first without a continuation bit. A
  // longer encoding than needed ends in 0x00 and gets a note [MQTT-1.5.5].
  let p = off + 1;
  while (p < end && p - off < 5 && (b[p]! & 0x80) !== 0) p++;
  if (p >= end || p - off >= 5 || (p - off > 1 && b[p] === 0)) return null;
  p++;
  const hl = p - off;
  if (p + 2 > end) return null;
  const tlen = (b[p]! << 8) | b[p + 1]!;
  p += 2;
  if (tlen === 0 || p + tlen > end) return null;
  let topic: string | null = null;
  if (tlen === cache.len) {
    const cb = cache.bytes!; // len is -1 until bytes are stored
    let i = 0;
    while (i < tlen && cb[i] === b[p + i]) i++;
    if (i === tlen) topic = cache.str;
  }
  if (topic === null) {
    topic = asciiTopic(b, p, p + tlen);
    if (topic === null) return null;
    if (tlen <= CACHE_MAX) {
      const cb = (cache.bytes ??= new Uint8Array(CACHE_MAX));
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
  return clean(3, b0 & 0x0f, len - hl, hl, packetId, topic, p - off, end - p, null, properties);
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
    return clean(type, b0 & 0x0f, 2, 2, id, null, -1, null, version === 5 ? IMPLIED_SUCCESS : null, null);
  }
  if (len === 2 && (b0 === 0xc0 || b0 === 0xd0) && b[off + 1] === 0) {
    return clean(type, 0, 0, 2, null, null, -1, null, null, null);
  }
  return null;
}
