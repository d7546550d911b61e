// The comparable essence of one broker → client packet.
import type { PacketRecord } from '../model/packet.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { reasonName } from '../protocol/reason-codes.js';
import { printable } from '../views/format.js';

export interface Answer {
  type: number;
  /** Protocol version the answer was decoded under (names its reason codes). */
  version: number;
  frame: number;
  time: number;
  packetId: number | null;
  reasonCodes: number[] | null;
  sessionPresent: boolean | null;
  topic: string | null;
  qos: number;
  retain: boolean;
  dup: boolean;
  payload: Uint8Array | null;
}

export function answerOf(rec: PacketRecord): Answer {
  const s = rec.summary;
  const payload = s.type === 3 && s.payloadOffset >= 0 ? rec.bytes.slice(s.payloadOffset, s.payloadOffset + (s.payloadLength ?? 0)) : null;
  return {
    type: s.type,
    version: rec.version,
    frame: rec.frame,
    time: rec.time,
    packetId: s.packetId,
    reasonCodes: s.reasonCodes ? [...s.reasonCodes] : s.connack ? [s.connack.returnCode] : null,
    sessionPresent: s.connack ? s.connack.sessionPresent : null,
    topic: rec.topic,
    qos: s.qos,
    retain: s.retain,
    dup: s.dup,
    payload,
  };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/**
 * A reason/return code with its spec name, e.g. `0x87 Not authorized`. A code
 * that is not valid in the answer's version says so; an MQTT 3.1.1 return code
 * in a CONNACK to an MQTT 5 CONNECT is named as 3.1.1 names it (a broker that
 * does not speak MQTT 5 answers 0x01, unacceptable protocol version).
 */
export function codeText(type: number, code: number, version: number): string {
  const name = reasonName(type, code, version);
  if (name !== undefined) return `${hex(code)} ${name}`;
  // Before MQTT 5 only CONNACK and SUBACK carry codes; the others' implied success stays bare.
  if (version < 5 && type !== 2 && type !== 9) return hex(code);
  const v4 = type === 2 && version === 5 ? reasonName(type, code, 4) : undefined;
  if (v4 !== undefined) {
    return `${hex(code)} (not an MQTT 5 reason code; as MQTT 3.1.1: ${v4}${code === 1 ? ', so the broker does not speak MQTT 5' : ''})`;
  }
  return `${hex(code)} (not a valid ${packetTypeName(type)} code in MQTT ${version === 5 ? '5.0' : version === 3 ? '3.1' : '3.1.1'})`;
}

/**
 * An answer as a missing or extra one is listed. A CONNACK and an MQTT 5
 * DISCONNECT name their code (why the broker refused or closed: `DISCONNECT
 * 0x94 Topic Alias invalid`), an ack its code when it is not success.
 */
export function answerLabel(a: Answer): string {
  const name = packetTypeName(a.type);
  if (a.type === 3) return `${a.retain ? 'retained ' : ''}PUBLISH '${printable(a.topic ?? '')}' QoS ${a.qos}${a.packetId !== null ? ` id ${a.packetId}` : ''}`;
  const code = a.reasonCodes?.length === 1 ? a.reasonCodes[0]! : null;
  if (a.type === 2 && code !== null) return `${name} ${codeText(a.type, code, a.version)}`;
  if (a.type === 14 && a.version >= 5) return `${name} ${codeText(a.type, code ?? 0, a.version)}`;
  const reason = code !== null && code !== 0 && a.type >= 4 && a.type <= 7 ? ` reason ${codeText(a.type, code, a.version)}` : '';
  if (a.packetId !== null) return `${name} id ${a.packetId}${reason}`;
  return name;
}
