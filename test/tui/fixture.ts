// A small capture built in the test with the project's pcap writer: a
// publisher, a subscriber and a refused login, in time order.
import mqtt from 'mqtt-packet';
import { writeFileSync } from 'node:fs';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { TreeModel } from '../../src/views/tui/tree-model.js';
import { conn, real } from '../filter/records.js';

const gen = (p: object): Buffer => mqtt.generate(p as never);
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** `30 14 00 0b Room1/Light Turn On`: the seed scenario's PUBLISH. */
export const SEED_PUBLISH = hex('30 14 00 0b') ;
export const SEED_PUBLISH_BYTES = Buffer.concat([hex('30 14 00 0b'), Buffer.from('Room1/Light'), Buffer.from('Turn On')]);

/** An 8-byte PUBLISH (`30 06 00 03 a/b A`) from client port `port`, loaded into a TreeModel. */
export function smallPublishTree(port: number): { rec: PacketRecord; t: TreeModel } {
  const rec = real(Buffer.from([
    0x30, // PUBLISH, DUP 0, QoS 0, RETAIN 0
    0x06, // Remaining Length 6
    0x00, 0x03, // Topic Name length 3
    0x61, 0x2f, 0x62, // Topic Name "a/b"
    0x41, // payload "A"
  ]), { frame: 1, time: 0, conn: conn(port) });
  const t = new TreeModel();
  t.load(rec.tree().fields, [], rec.bytes);
  return { rec, t };
}

interface Ev { conn: number; dir: 'c2s' | 's2c'; bytes: Buffer }

export function buildDemoCapture(path: string): { packets: number } {
  const server = { host: '127.0.0.1', port: 1883 };
  const conns = [
    new PcapConversationEncoder({ host: '127.0.0.1', port: 50001 }, server),
    new PcapConversationEncoder({ host: '127.0.0.1', port: 50002 }, server),
    new PcapConversationEncoder({ host: '127.0.0.1', port: 50003 }, server),
  ];
  const connect = (clientId: string, extra: object = {}): Buffer =>
    gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId, ...extra });
  const evs: Ev[] = [
    { conn: 1, dir: 'c2s', bytes: connect('sub1') },
    { conn: 1, dir: 's2c', bytes: hex('20 02 00 00') },
    { conn: 1, dir: 'c2s', bytes: gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'Room1/#', qos: 1 }] }) },
    { conn: 1, dir: 's2c', bytes: hex('90 03 00 01 01') },
    { conn: 0, dir: 'c2s', bytes: connect('p1') },
    { conn: 0, dir: 's2c', bytes: hex('20 02 00 00') },
    { conn: 0, dir: 'c2s', bytes: SEED_PUBLISH_BYTES },
    { conn: 1, dir: 's2c', bytes: SEED_PUBLISH_BYTES },
    { conn: 0, dir: 'c2s', bytes: gen({ cmd: 'publish', topic: 'home/kitchen/temp', payload: Buffer.from('21.5'), qos: 1, retain: true, messageId: 7 }) },
    { conn: 0, dir: 's2c', bytes: hex('40 02 00 07') },
    { conn: 2, dir: 'c2s', bytes: connect('intruder', { username: 'user1', password: Buffer.from('wrong-secret') }) },
    { conn: 2, dir: 's2c', bytes: hex('20 02 00 05') },
    { conn: 1, dir: 'c2s', bytes: hex('c0 00') },
    { conn: 1, dir: 's2c', bytes: hex('d0 00') },
    { conn: 0, dir: 'c2s', bytes: hex('e0 00') },
  ];
  const parts: Buffer[] = [pcapGlobalHeader()];
  let t = 1_700_000_000_000_000;
  for (const c of conns) parts.push(c.open(t));
  for (const e of evs) {
    t += 10_000;
    parts.push(conns[e.conn]!.data(e.dir, e.bytes, t));
  }
  t += 10_000;
  for (const c of conns) parts.push(c.close(t));
  writeFileSync(path, Buffer.concat(parts));
  return { packets: evs.length };
}
