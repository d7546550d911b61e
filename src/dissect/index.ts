// The annotating dissector. summarize() is the cheap hot path (no tree);
// dissect() builds the full field tree. Both run the same walker per packet
// type, so they always agree. Neither throws: malformed input becomes notes.
import type { DissectContext, DissectResult, PacketSummary } from '../model/packet.js';
import type { Field, Note } from '../model/types.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { NOTE_DEFS, type NoteDef } from '../protocol/spec-refs.js';
import { fixedHeader } from './header.js';
import { walkPubAck } from './packets/ack.js';
import { IMPLIED_REASON_ID } from './packets/common.js';
import { walkConnack } from './packets/connack.js';
import { walkConnect } from './packets/connect.js';
import { walkPublish } from './packets/publish.js';
import { walkEmpty, walkReasonProps, walkReserved } from './packets/simple.js';
import { walkSuback } from './packets/suback.js';
import { walkSubscribe, walkUnsubscribe } from './packets/subscribe.js';
import { hexOf } from './utf8.js';
import { emptySummary, MAX_NOTES_PER_PACKET, Walker } from './walker.js';

export type PacketWalker = (w: Walker) => void;

/** Dispatch table: one walker per packet type (index = type). */
export const WALKERS: readonly PacketWalker[] = [
  walkReserved, walkConnect, walkConnack, walkPublish,
  walkPubAck, walkPubAck, walkPubAck, walkPubAck,
  walkSubscribe, walkSuback, walkUnsubscribe, walkSuback,
  walkEmpty, walkEmpty, walkReasonProps, walkReasonProps,
];

function run(bytes: Uint8Array, ctx: DissectContext, tree: boolean): Walker {
  const s = emptySummary(bytes);
  const w = new Walker(bytes, ctx, tree, s);
  if (fixedHeader(w)) {
    WALKERS[s.type]!(w);
    if (w.pos < w.end && !w.truncated) {
      const n = w.end - w.pos;
      w.note(NOTE_DEFS.trailing, `${n} byte(s) left over after the last field of ${packetTypeName(s.type)} (inside the Remaining Length)`, w.pos);
      if (tree) w.add('mqtt.trailing', 'Trailing Bytes', w.pos, n, hexOf(bytes, w.pos, w.end), hexOf(bytes, w.pos, w.end));
      w.pos = w.end;
    }
    const total = s.headerLength + s.remainingLength;
    if (bytes.length > total) {
      const n = bytes.length - total;
      w.note(NOTE_DEFS.trailing, `${n} byte(s) after the end of the packet (Remaining Length ${s.remainingLength})`, total, w.ref('MQTT-2.2.3', 'MQTT-2.1.4'));
      if (tree) w.add('mqtt.trailing', 'Trailing Bytes', total, n, hexOf(bytes, total, bytes.length), hexOf(bytes, total, bytes.length));
    }
  }
  if (w.overflowNotes > 0) {
    w.noteAlways(NOTES_NOT_LISTED, `${w.overflowNotes} more note(s) on this packet not listed: the first ${MAX_NOTES_PER_PACKET} are`, 0);
  }
  return w;
}

/** Info: the notes of one packet past MAX_NOTES_PER_PACKET (not in the protocol table: no spec reference). */
export const NOTES_NOT_LISTED: NoteDef = {
  code: 'notes-not-listed', severity: 'info',
  summary: 'a packet with more than 1,000 notes: the rest are counted in this one',
};


/** The cheap decode: every PacketSummary field, no field tree. Never throws. */
export function summarize(bytes: Uint8Array, ctx: DissectContext): PacketSummary {
  try {
    return run(bytes, ctx, false).s;
  } catch (err) {
    return internalError(bytes, err);
  }
}

/** The full annotated decode. Top-level fields cover every byte exactly once. Never throws. */
export function dissect(bytes: Uint8Array, ctx: DissectContext): DissectResult {
  let w: Walker;
  try {
    w = run(bytes, ctx, true);
  } catch (err) {
    const s = internalError(bytes, err);
    const fields: Field[] = [];
    if (bytes.length > 0) fields.push({ id: 'mqtt.undecoded', label: 'Undecoded', offset: 0, length: bytes.length, value: hexOf(bytes), display: hexOf(bytes) });
    return { fields, notes: s.notes };
  }
  const fields = cover(w.top, bytes);
  attachNotes(fields, w.notes);
  return { fields, notes: w.notes };
}

/** Top-level fields kept when empty (length 0); every other top-level field has bytes. */
export const KEEP_EMPTY: ReadonlySet<string> = new Set(['mqtt.msg', 'mqtt.clientid', 'mqtt.willmsg', 'mqtt.username', 'mqtt.passwd', IMPLIED_REASON_ID]);

/** Fill gaps between top-level fields with `mqtt.undecoded` so every byte is covered once. */
function cover(top: Field[], bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let cur = 0;
  for (const f of top) {
    // Zero-length fields are left out (e.g. a property group with no bytes at the
    // packet end), except empty values a filter asks about, as in Wireshark:
    // `mqtt.msg == ""` (a retained message cleared), `mqtt.clientid == ""`, and the
    // implied Reason Code of an MQTT 5 ack without one (`mqtt.implied.reason_code`).
    if (f.length === 0 && !KEEP_EMPTY.has(f.id)) continue;
    if (f.offset < cur) continue; // cannot happen with the walkers; keep the invariant anyway
    if (f.offset > cur) out.push(undecoded(bytes, cur, f.offset));
    out.push(f);
    cur = f.offset + f.length;
  }
  if (cur < bytes.length) out.push(undecoded(bytes, cur, bytes.length));
  return out;
}

function undecoded(bytes: Uint8Array, s: number, e: number): Field {
  const hex = hexOf(bytes, s, e);
  return { id: 'mqtt.undecoded', label: 'Undecoded', offset: s, length: e - s, value: hex, display: hex };
}

/**
 * Attach each note to the deepest field that contains its offset, leaving out
 * bit fields and a property's identifier byte (a note about a property belongs
 * to the property).
 */
function attachNotes(fields: Field[], notes: Note[]): void {
  for (const n of notes) {
    if (n.offset === undefined) continue;
    let list: Field[] | undefined = fields;
    let best: Field | undefined;
    while (list) {
      let next: Field[] | undefined;
      // A long list (a SUBSCRIBE of thousands of filters) sorted by offset: start near the
      // note instead of at the front, so many notes over many fields stay cheap.
      const from = list.length > LONG_LIST && sortedByOffset(list) ? firstAtOrAfter(list, n.offset) : 0;
      for (let i = from; i < list.length; i++) {
        const f = list[i]!;
        if (f.mask === undefined && f.id !== 'mqtt.property_id' && n.offset >= f.offset && n.offset < f.offset + f.length) {
          best = f;
          next = f.children;
          break;
        }
      }
      list = next;
    }
    if (best) (best.notes ??= []).push(n);
  }
}

/** Lists longer than this are searched from near the note (attachNotes). */
const LONG_LIST = 64;
const SORTED = new WeakMap<Field[], boolean>();

/** Fields in offset order, each ending where the next starts or before (so no earlier field can hold a later offset). */
function sortedByOffset(list: Field[]): boolean {
  let v = SORTED.get(list);
  if (v === undefined) {
    v = true;
    for (let i = 1; i < list.length && v; i++) {
      const prev = list[i - 1]!;
      if (list[i]!.offset < prev.offset + prev.length) v = false;
    }
    SORTED.set(list, v);
  }
  return v;
}

/** In a sortedByOffset list: the index of the first field that ends after `off` (the only one that can hold it). */
function firstAtOrAfter(list: Field[], off: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const f = list[mid]!;
    if (f.offset + f.length <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function internalError(bytes: Uint8Array, err: unknown): PacketSummary {
  const s = emptySummary(bytes);
  s.notes.push({
    severity: 'error', code: 'dissector-error',
    text: `internal dissector error: ${(err as Error)?.message ?? String(err)}; the packet was not decoded`,
    offset: 0,
  });
  return s;
}

export interface FlatField {
  id: string;
  label: string;
  offset: number;
  length: number;
  value: Field['value'];
  display: string;
  /** Nesting level in the tree (0: a packet's top-level field); a field's parent is the nearest earlier one a level up. */
  depth: number;
  /** For bit fields: the mask within the parent field's bytes. */
  mask?: number;
}

/** Depth-first flat list of every field (the JSON `fields` array). */
export function flattenFields(fields: Field[], depth = 0, out: FlatField[] = []): FlatField[] {
  for (const f of fields) {
    const flat: FlatField = { id: f.id, label: f.label, offset: f.offset, length: f.length, value: f.value, display: f.display, depth };
    if (f.mask !== undefined) flat.mask = f.mask;
    out.push(flat);
    if (f.children) flattenFields(f.children, depth + 1, out);
  }
  return out;
}

export { Walker } from './walker.js';
export {
  CREDENTIAL_PACKET_TYPES, inRanges, isUndecodable, MASK, maskedDisplay, maskProperties, maskSecrets, SECRET_FIELD_IDS,
  SECRET_PROPERTY_NAMES, secretRanges, UNDECODED_FIELD_IDS, visitSecrets,
} from './secrets.js';
export { decodeUtf8, checkUtf8, hexOf } from './utf8.js';
