// Packets with little or no body: PINGREQ, PINGRESP [§3.12, §3.13], DISCONNECT
// [§3.14] and AUTH [MQTT 5.0 §3.15], and the reserved type 0.
import { hexOf } from '../utf8.js';
import type { Walker } from '../walker.js';
import { optionalReasonAndProps } from './common.js';

/** PINGREQ, PINGRESP and 3.1.1 DISCONNECT have no variable header; anything after is trailing. */
export function walkEmpty(_w: Walker): void {
  // Nothing to read: finish() reports leftover bytes as trailing.
}

/** MQTT 5 DISCONNECT and AUTH: optional Reason Code (absent = 0x00), optional properties. */
export function walkReasonProps(w: Walker): void {
  if (w.version < 5 && w.s.type === 14) return;
  optionalReasonAndProps(w);
}

/** Type 0: nothing can be decoded; show the body as undecoded bytes. */
export function walkReserved(w: Walker): void {
  if (w.pos < w.end) {
    if (w.tree) w.add('mqtt.undecoded', 'Undecoded', w.pos, w.end - w.pos, hexOf(w.b, w.pos, w.end), hexOf(w.b, w.pos, w.end));
    w.pos = w.end;
  }
}
