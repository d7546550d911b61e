// Packets with little or no body: PINGREQ, PINGRESP [§3.12, §3.13], DISCONNECT
// [§3.14] and AUTH [MQTT 5.0 §3.15], and the reserved type 0.
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { hexByte, hexOf } from '../utf8.js';
import type { Walker } from '../walker.js';
import { optionalReasonAndProps } from './common.js';

/** PINGREQ, PINGRESP and 3.1.1 DISCONNECT have no variable header; anything after is trailing. */
export function walkEmpty(_w: Walker): void {
  // Nothing to read: finish() reports leftover bytes as trailing.
}

/** MQTT 5 DISCONNECT and AUTH: optional Reason Code (absent = 0x00), optional properties. */
export function walkReasonProps(w: Walker): void {
  if (w.version < 5 && w.s.type === 14) return;
  const at = w.pos;
  optionalReasonAndProps(w);
  if (w.s.type === 15 && w.s.remainingLength > 0) authMethodCheck(w, at);
}

/**
 * AUTH: only the AUTH of Remaining Length 0 (0x00 Success, no properties) may leave
 * the Authentication Method out; any other AUTH without one is a Protocol Error
 * [MQTT 5.0 §3.15.2, §3.15.2.2.2]. Not judged when the property block could not be
 * read to its end (cut off, the bytes given ending before the Remaining Length, or
 * stopped at an unknown property).
 */
function authMethodCheck(w: Walker, at: number): void {
  const s = w.s;
  if (w.truncated || w.cutShort) return;
  // No property block at all: only the Reason Code (Remaining Length 1).
  const noBlock = s.properties === null;
  if (noBlock && s.remainingLength !== 1) return; // a Property Length that could not be read
  if (!noBlock && 'authentication_method' in s.properties!) return;
  if (w.notes.some((n) => n.code === NOTE_DEFS.unknownProperty.code || n.code === NOTE_DEFS.propertyPastEnd.code)) return;
  const rc = s.reasonCodes?.[0] ?? 0;
  const where = noBlock ? 'it has a Reason Code but no Property Length or properties' : 'its properties do not include one';
  w.note(NOTE_DEFS.authMethodMissing, `AUTH with Reason Code 0x${hexByte(rc)} has no Authentication Method (${where}); only an AUTH of Remaining Length 0 (0x00 Success) may leave it out, so this is a Protocol Error`, at);
}

/** Type 0: nothing can be decoded; show the body as undecoded bytes. */
export function walkReserved(w: Walker): void {
  if (w.pos < w.end) {
    if (w.tree) w.add('mqtt.undecoded', 'Undecoded', w.pos, w.end - w.pos, hexOf(w.b, w.pos, w.end), hexOf(w.b, w.pos, w.end));
    w.pos = w.end;
  }
}
