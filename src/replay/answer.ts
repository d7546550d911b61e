// The comparable essence of one broker → client packet.
import type { PacketRecord } from '../model/packet.js';
import { packetTypeName } from '../protocol/packet-types.js';

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

export function answerLabel(a: Answer): string {
  const name = packetTypeName(a.type);
  if (a.type === 3) return `${a.retain ? 'retained ' : ''}PUBLISH '${a.topic ?? ''}' QoS ${a.qos}${a.packetId !== null ? ` id ${a.packetId}` : ''}`;
  if (a.packetId !== null) return `${name} id ${a.packetId}`;
  return name;
}
