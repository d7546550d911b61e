// PUBACK, PUBREC, PUBREL, PUBCOMP [§3.4–3.7]: Packet Identifier; in MQTT 5 an
// optional Reason Code (absent = 0x00 Success) and optional properties.
import { readProperties } from '../properties.js';
import type { Walker } from '../walker.js';
import { packetId, reasonCode } from './common.js';

export function walkPubAck(w: Walker): void {
  const s = w.s;
  if (packetId(w) < 0) return;
  if (w.version < 5) return;
  if (w.pos >= w.end) {
    s.reasonCodes = [0]; // Remaining Length 2: Success implied [MQTT 5.0 §3.4.2.1]
    return;
  }
  const rc = reasonCode(w);
  if (rc < 0) return;
  s.reasonCodes = [rc];
  if (w.pos >= w.end) return;
  s.properties = readProperties(w, s.type);
}
