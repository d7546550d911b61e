// SUBACK and UNSUBACK [§3.9, §3.11]: Packet Identifier, properties (5), then
// one return/reason code per topic filter (UNSUBACK has codes in MQTT 5 only).
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { readProperties } from '../properties.js';
import type { Walker } from '../walker.js';
import { checkReason, packetId, reasonDisplay, reasonFieldId } from './common.js';
import { ENTRIES_ITEMISED, ENTRIES_LISTED, ListTail, REASON_CODES_NOT_ITEMISED } from './list-cap.js';

export function walkSuback(w: Walker): void {
  const s = w.s;
  const type = s.type;
  if (packetId(w) < 0) return;
  if (type === 11 && w.version < 5) return; // 3.1.1 UNSUBACK: packet id only
  if (w.version === 5) {
    s.properties = readProperties(w, type);
    if (s.properties === null) return;
  }
  const codes: number[] = [];
  s.reasonCodes = codes;
  const id = reasonFieldId(type, w.version);
  const label = type === 9 && w.version < 5 ? 'Return Code' : 'Reason Code';
  if (w.pos >= w.end && !w.cutShort) {
    // Not when the bytes given end before the Remaining Length: the codes were sent but not seen.
    // One code per Topic Filter: SUBACK [MQTT-3.8.4-5] (5.0: [MQTT-3.8.4-6]); UNSUBACK
    // (5.0 only) "one of the Unsubscribe Reason Code values for each Topic Filter" [MQTT-3.11.3-2].
    w.note(NOTE_DEFS.noTopicFilters, `${type === 9 ? 'SUBACK' : 'UNSUBACK'} has no ${label.toLowerCase()}s; it needs one per topic filter`, w.pos,
      type === 9 ? w.ref('MQTT-3.8.4-5', 'MQTT-3.8.4-6') : 'MQTT-3.11.3-2');
  }
  const tail = new ListTail(w);
  let count = 0;
  while (w.pos < w.end) {
    if (count === ENTRIES_ITEMISED) tail.begin(w, REASON_CODES_NOT_ITEMISED, 'mqtt.reason_codes.not_itemised', `${label}s Not Itemised`);
    count++;
    const at = w.pos;
    const c = w.u8();
    if (codes.length < ENTRIES_LISTED) codes.push(c);
    checkReason(w, type, c, at, count > ENTRIES_ITEMISED ? count : 0);
    if (w.tree) w.add(id, label, at, 1, c, reasonDisplay(type, c, w.version));
  }
  const unit = label.toLowerCase();
  tail.end(w, count, codes.length, unit, `${unit}s`, type === 9 ? 'SUBACK' : 'UNSUBACK', `whether each is a valid ${unit} of ${type === 9 ? 'SUBACK' : 'UNSUBACK'}`);
  if (count > codes.length) s.filtersNotListed = count - codes.length;
}

