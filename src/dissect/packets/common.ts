// Pieces several packet modules share: Packet Identifier and reason codes.
import { packetTypeName } from '../../protocol/packet-types.js';
import { reasonName } from '../../protocol/reason-codes.js';
import { invalidReasonSpec, NOTE_DEFS, packetIdZeroSpec } from '../../protocol/spec-refs.js';
import { hexByte } from '../utf8.js';
import { readProperties } from '../properties.js';
import type { Walker } from '../walker.js';

/** The packet whose Packet Identifier an acknowledgement repeats. */
const ANSWERS: Readonly<Record<number, string>> = {
  4: 'the PUBLISH it acknowledges', 5: 'the PUBLISH it acknowledges', 6: 'the PUBLISH it releases',
  7: 'the PUBREL it answers', 9: 'the SUBSCRIBE it answers', 11: 'the UNSUBSCRIBE it answers',
};

/**
 * Packet Identifier. PUBLISH, SUBSCRIBE and UNSUBSCRIBE need a non-zero one; an
 * acknowledgement repeats the one of the packet it answers (packetIdZeroSpec).
 * Returns -1 when missing.
 */
export function packetId(w: Walker): number {
  const at = w.pos;
  const v = w.u16Field('mqtt.msgid', 'Packet Identifier', (x) => `${x} (0x${x.toString(16).padStart(4, '0')})`);
  if (v === 0) {
    const type = w.s.type;
    const answers = ANSWERS[type];
    w.note(NOTE_DEFS.packetIdZero, answers === undefined
      ? `${packetTypeName(type)} has Packet Identifier 0; it must be non-zero`
      : `${packetTypeName(type)} has Packet Identifier 0; it must repeat the Packet Identifier of ${answers}, which is never 0`,
    at, packetIdZeroSpec(type, w.version, w.ctx.dir));
  }
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

/**
 * `entry`: the code's place in a SUBACK/UNSUBACK list when it has no field of
 * its own (past the codes the tree itemises), so the note says which topic
 * filter it answers; 0 otherwise.
 */
export function checkReason(w: Walker, type: number, code: number, at: number, entry = 0): void {
  if (reasonName(type, code, w.version) === undefined) {
    const v = w.version;
    const why = v === 3 && type === 9 && code === 0x80 ? ' (0x80 Failure was added in 3.1.1)' : '';
    const which = entry > 0 ? ` (code ${entry} of the list: the answer to topic filter ${entry} of the ${type === 9 ? 'SUBSCRIBE' : 'UNSUBSCRIBE'})` : '';
    w.note(NOTE_DEFS.invalidReason, `0x${hexByte(code)} is not a valid ${v >= 5 ? 'reason' : 'return'} code for ${packetTypeName(type)} in MQTT ${v === 5 ? '5' : v === 4 ? '3.1.1' : '3.1'}${why}${which}`, at,
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
    // Bytes given that end before the Remaining Length: the Reason Code was sent but not seen.
    if (w.cutShort) return;
    s.reasonCodes = [0];
    // Left out on purpose (the Remaining Length ends here, not the bytes given): an
    // explanatory field without bytes, as Wireshark shows generated values.
    if (w.tree && w.pos === s.headerLength + s.remainingLength) impliedReason(w);
    return;
  }
  const rc = reasonCode(w);
  if (rc < 0) return;
  s.reasonCodes = [rc];
  if (w.pos >= w.end) return;
  s.properties = readProperties(w, s.type);
}

/** Where each packet type says the Reason Code may be left out [MQTT 5.0 §3.4.2.1 … §3.15.2.1]. */
const OMIT_SECTION: Readonly<Record<number, string>> = {
  4: 'MQTT-3.4.2.1', 5: 'MQTT-3.5.2.1', 6: 'MQTT-3.6.2.1', 7: 'MQTT-3.7.2.1', 14: 'MQTT-3.14.2.1', 15: 'MQTT-3.15.2.1',
};

/**
 * Id of the zero-length implied Reason Code field (kept at the top level though empty).
 * Not the packet's `mqtt.puback.reason_code` (…): tshark has no field where the code is
 * left out, so `mqtt.puback.reason_code == 0` must not match there; `rc == 0` does.
 */
export const IMPLIED_REASON_ID = 'mqtt.implied.reason_code';

/** The implied 0x00 of an MQTT 5 ack, DISCONNECT or AUTH without a Reason Code: a field of no bytes. */
function impliedReason(w: Walker): void {
  const type = w.s.type;
  const rl = w.s.remainingLength;
  w.add(IMPLIED_REASON_ID, 'Reason Code (implied)', w.pos, 0, 0,
    `${reasonDisplay(type, 0, 5)}, implied: with a Remaining Length of ${rl} the Reason Code is left out [${OMIT_SECTION[type] ?? 'MQTT-2.4'}]`);
}
