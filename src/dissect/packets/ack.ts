// PUBACK, PUBREC, PUBREL, PUBCOMP [§3.4–3.7]: Packet Identifier; in MQTT 5 an
// optional Reason Code (absent = 0x00 Success) and optional properties.
import type { Walker } from '../walker.js';
import { optionalReasonAndProps, packetId } from './common.js';

export function walkPubAck(w: Walker): void {
  if (packetId(w) < 0) return;
  if (w.version < 5) return;
  // Remaining Length 2: Success implied [MQTT 5.0 §3.4.2.1]
  optionalReasonAndProps(w);
}
