// Pieces several packet modules share: Packet Identifier and reason codes.
import { packetTypeName } from '../../protocol/packet-types.js';
import { reasonName } from '../../protocol/reason-codes.js';
import { invalidReasonSpec, NOTE_DEFS } from '../../protocol/spec-refs.js';
import { hexByte } from '../utf8.js';
import { readProperties } from '../properties.js';
import type { Walker } from '../walker.js';

/** Packet Identifier; non-zero is required [MQTT-2.3.1-1] (5.0: [MQTT-2.2.1-3]). Returns -1 when missing. */
export function packetId(w: Walker): number {
  const at = w.pos;
  const v = w.u16Field('mqtt.msgid', 'Packet Identifier', (x) => `${x} (0x${x.toString(16).padStart(4, '0')})`);
  if (v === 0) w.note(NOTE_DEFS.packetIdZero, `${packetTypeName(w.s.type)} has Packet Identifier 0; it must be non-zero`, at);
  if (v >= 0) w.s.packetId = v;
  return v;
}

/**
 * Field id of the reason code per packet type and version, as Wireshark names
 * them: 3.1/3.1.1 CONNACK and SUBACK carry `mqtt.conack.val` (Return Code) and
 * `mqtt.suback.qos` (Granted QoS); MQTT 5 makes both Reason Codes,
 * `mqtt.connack.reason_code` and `mqtt.suback.reason_code`.
 */
export function reasonFieldId(type: number, version: number): string {
  if (version < 5 && type === 2) return 'mqtt.conack.val';
  if (version < 5 && type === 9) return 'mqtt.suback.qos';
  return `mqtt.${packetTypeName(type).toLowerCase()}.reason_code`;
}

export function reasonDisplay(type: number, code: number, version: number): string {
  const name = reasonName(type, code, version);
  return `0x${hexByte(code)} (${name ?? 'invalid'})`;
}

/** Read one reason code byte, check it against the packet type. Returns -1 when missing. */
export function reasonCode(w: Walker, label = 'Reason Code'): number {
  const type = w.s.type;
  const id = reasonFieldId(type, w.version);
  const at = w.pos;
  const v = w.byteField(id, label, w.tree ? (x) => reasonDisplay(type, x, w.version) : undefined);
  if (v >= 0) checkReason(w, type, v, at);
  return v;
}

export function checkReason(w: Walker, type: number, code: number, at: number): void {
  if (reasonName(type, code, w.version) === undefined) {
    const v = w.version;
    const why = v === 3 && type === 9 && code === 0x80 ? ' (0x80 Failure was added in 3.1.1)' : '';
    w.note(NOTE_DEFS.invalidReason, `0x${hexByte(code)} is not a valid ${v >= 5 ? 'reason' : 'return'} code for ${packetTypeName(type)} in MQTT ${v === 5 ? '5' : v === 4 ? '3.1.1' : '3.1'}${why}`, at,
      invalidReasonSpec(type, v));
  }
}

/**
 * The MQTT 5 tail shared by the acks, DISCONNECT and AUTH: an optional Reason Code
 * (absent means 0x00 Success) followed by optional properties.
 */
export function optionalReasonAndProps(w: Walker): void {
  const s = w.s;
  if (w.pos >= w.end) {
    s.reasonCodes = [0];
    return;
  }
  const rc = reasonCode(w);
  if (rc < 0) return;
  s.reasonCodes = [rc];
  if (w.pos >= w.end) return;
  s.properties = readProperties(w, s.type);
}
