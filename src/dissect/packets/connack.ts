// CONNACK [MQTT 3.1.1 §3.2, 5.0 §3.2]: acknowledge flags, return/reason code, properties (5).
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { readProperties } from '../properties.js';
import { hexByte } from '../utf8.js';
import type { Walker } from '../walker.js';
import { checkReason, reasonDisplay } from './common.js';

export function walkConnack(w: Walker): void {
  const s = w.s;
  if (!w.need(1, 'mqtt.conack.flags', 'Acknowledge Flags')) return;
  const at = w.pos;
  const fl = w.u8();
  // 3.1 has a reserved byte here; 3.1.1 and 5 define bit 0 as Session Present.
  const sp = w.version >= 4 && (fl & 1) === 1;
  if ((w.version >= 4 && (fl & 0xfe) !== 0) || (w.version === 3 && fl !== 0)) {
    w.note(NOTE_DEFS.connackReserved, `CONNACK acknowledge flags are 0x${hexByte(fl)}; bits 7-${w.version >= 4 ? 1 : 0} are reserved and must be 0`, at,
      w.version === 5 ? 'MQTT-3.2.2-1' : 'MQTT-3.2.2-1');
  }
  if (w.tree) {
    const f = w.add('mqtt.conack.flags', 'Acknowledge Flags', at, 1, fl, `0x${hexByte(fl)}`);
    w.open(f);
    w.add('mqtt.conack.flags.reserved', 'Reserved', at, 1, fl & 0xfe, String(fl & 0xfe), 0xfe);
    w.add('mqtt.conack.flags.sp', 'Session Present', at, 1, fl & 1, fl & 1 ? '1 (set)' : '0 (not set)', 0x01);
    w.close();
  }
  const rcAt = w.pos;
  const rc = w.byteField('mqtt.conack.val', w.version >= 5 ? 'Reason Code' : 'Return Code', w.tree ? (x) => reasonDisplay(2, x, w.version) : undefined);
  s.connack = { sessionPresent: sp, returnCode: rc < 0 ? -1 : rc };
  if (rc < 0) return;
  checkReason(w, 2, rc, rcAt);
  s.reasonCodes = [rc];
  if (w.version === 5) s.properties = readProperties(w, 2);
}
