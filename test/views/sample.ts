// A small set of records for the view tests: the ACL scenario plus a
// PUBLISH QoS 1, an MQTT 5 PUBACK 0x87, a refused CONNACK 5 and a QoS 3 PUBLISH.
import type { Finding, PacketRecord } from '../../src/model/packet.js';
import { aclScenario, conn, finding, gen, hex, real, T0 } from '../filter/records.js';

export function sampleRecords(): Array<PacketRecord | Finding> {
  const c2 = conn(52160);
  const c3 = conn(52170);
  const t = (ms: number): number => T0 + ms * 1000;
  return [
    ...aclScenario(),
    gen({ cmd: 'publish', topic: 'Room1/Light', payload: Buffer.from('Turn On'), qos: 1, messageId: 1 }, { conn: c2, time: t(600), frame: 8, clientId: 'p1' }),
    gen({ cmd: 'puback', messageId: 1, reasonCode: 0x87 }, { conn: c2, version: 5, dir: 's2c', time: t(601), frame: 9, clientId: 'p1' }),
    gen({ cmd: 'connack', returnCode: 5, sessionPresent: false }, { conn: c3, dir: 's2c', time: t(700), frame: 10, clientId: 'intruder' }),
    finding({ code: 'connect-refused', severity: 'error', conn: c3.id, clientId: 'intruder', frames: [10], time: t(700), text: 'The broker refused the connection of intruder: 5 Not authorized.' }),
    // QoS 3 is malformed: the dissector notes qos-3.
    real(hex('36 07 00 01 61 00 05 68 69'), { conn: c2, time: t(800), frame: 11, clientId: 'p1' }),
  ];
}
