// CONNACK [MQTT 3.1 §3.2, 3.1.1 §3.2, 5.0 §3.2]: acknowledge flags, return/reason
// code, properties (5).
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { readProperties } from '../properties.js';
import { hexByte } from '../utf8.js';
import type { Walker } from '../walker.js';
import { checkReason, reasonDisplay, reasonFieldId } from './common.js';

export function walkConnack(w: Walker): void {
  const s = w.s;
  // The spec's name with Wireshark's ("Acknowledge Flags") in brackets: 3.1.1 and 5.0
  // §3.2.2.1 "Connect Acknowledge Flags"; in 3.1 the byte is reserved.
  const label = w.version === 3 ? 'Reserved (Acknowledge Flags)' : 'Connect Acknowledge Flags (Acknowledge Flags)';
  if (!w.need(1, 'mqtt.conack.flags', label)) return;
  const at = w.pos;
  const fl = w.u8();
  // 3.1 has a reserved byte here; 3.1.1 and 5 define bit 0 as Session Present.
  const v31 = w.version === 3;
  const reservedMask = v31 ? 0xff : 0xfe;
  const sp = !v31 && (fl & 1) === 1;
  if ((fl & reservedMask) !== 0) {
    // 3.1.1 §3.2.2.1 (no number); 5.0 [MQTT-3.2.2-1]
    w.note(NOTE_DEFS.connackReserved, `CONNACK acknowledge flags are 0x${hexByte(fl)}; bits 7-${v31 ? 0 : 1} are reserved and must be 0`, at);
  }
  if (w.tree) {
    const f = w.add('mqtt.conack.flags', label, at, 1, fl, `0x${hexByte(fl)}`);
    w.open(f);
    // The value of the masked bits, as for every bit field (bits 7-1 of 0x03 are 0000001: 1).
    const rsv = v31 ? fl : fl >> 1;
    w.add('mqtt.conack.flags.reserved', 'Reserved', at, 1, rsv, rsv ? `${rsv} (must be 0)` : '0', reservedMask);
    if (!v31) w.add('mqtt.conack.flags.sp', 'Session Present', at, 1, fl & 1, fl & 1 ? '1 (set)' : '0 (not set)', 0x01);
    w.close();
  }
  const rcAt = w.pos;
  // An MQTT 5 CONNECT answered by a 3.1.1-only server (aedes, mosquitto 1.5): a 2-byte
  // CONNACK with a 3.1.1 return code and no Property Length. Read as what it is, with one
  // note, not as a v5 CONNACK with an invalid reason code and a missing Property Length.
  // The Remaining Length decides, not where the bytes given end: a CONNACK of Remaining
  // Length 3 cut off after its second byte is an MQTT 5 one (and 0x01 is no reason code).
  const v311 = w.version === 5 && s.remainingLength === 2 && w.end - rcAt === 1 && w.b[rcAt]! >= 1 && w.b[rcAt]! <= 5;
  const shownAs = v311 ? 4 : w.version;
  const rc = w.byteField(reasonFieldId(2, shownAs), w.version >= 5 && !v311 ? 'Reason Code' : 'Return Code', w.tree ? (x) => reasonDisplay(2, x, shownAs) : undefined);
  s.connack = { sessionPresent: sp, returnCode: rc < 0 ? -1 : rc };
  if (rc < 0) return;
  if (v311) {
    // The reference is 3.1.1's [MQTT-3.1.2-2] (answer 0x01, then close); the 5.0 statement
    // of that number is about a CONNECT that is not level 5, so the text names the version.
    const rule = 'the MQTT 3.1.1 statement MQTT-3.1.2-2, not the 5.0 one of that number';
    w.note(NOTE_DEFS.connackV311Format, rc === 1
      ? `a 2-byte MQTT 3.1.1 CONNACK (return code 0x01, unacceptable protocol version) answering an MQTT 5 CONNECT: the server does not speak MQTT 5 and refuses the connection as a 3.1.1 server that does not support the protocol level must (${rule})`
      : `a 2-byte MQTT 3.1.1 CONNACK (return code 0x${hexByte(rc)}, ${reasonDisplay(2, rc, 4).replace(/^0x.. \(|\)$/g, '')}) answering an MQTT 5 CONNECT: the server does not speak MQTT 5; a 3.1.1 server that does not support the protocol level must answer 0x01 (unacceptable protocol version) instead (${rule})`, rcAt);
    s.reasonCodes = [rc];
    return;
  }
  if (sp && rc !== 0) {
    w.note(NOTE_DEFS.sessionPresentOnRefusal, `CONNACK has Session Present 1 with the non-zero ${w.version >= 5 ? 'reason' : 'return'} code 0x${hexByte(rc)}; a refusal must have Session Present 0`, at);
  }
  checkReason(w, 2, rc, rcAt);
  s.reasonCodes = [rc];
  if (w.version === 5) s.properties = readProperties(w, 2);
}
