// A live delivery is let go once the replayed client has completed it (PUBACK,
// or PUBCOMP for QoS 2): a subscriber receiving a million QoS 1 messages kept a
// record of every one of them until the end of the replay.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { DeliveryTracker, openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, connectPacket, conversation, pcapFile } from '../capture/builders.js';

const MESSAGES = 100;
const gen = (p: object): Buffer => mqttPacket.generate(p as mqttPacket.Packet);

describe('DeliveryTracker.done', () => {
  it('lets a completed delivery go and keeps the positions of the others', () => {
    const t = new DeliveryTracker();
    const a = t.publish('x', 1, 1);
    const b = t.publish('x', 1, 2);
    t.done(a);
    expect(t.kept).toBe(1);
    expect(t.counterpart({ key: 'x|1', ordinal: 0 })).toBeUndefined();
    expect(t.counterpart({ key: 'x|1', ordinal: 1 })).toBe(b);
    t.done(b);
    t.done(b);
    expect(t.kept).toBe(0);
  });
});

describe('replay of a client that receives and acknowledges many QoS 1 deliveries', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-deliveries-'));
    // One client subscribed to its own topic: each QoS 1 PUBLISH is acked and delivered back, and it acks the delivery.
    const chunks = [
      { dir: 'c2s' as const, bytes: connectPacket('self-sub') },
      { dir: 's2c' as const, bytes: CONNACK },
      { dir: 'c2s' as const, bytes: gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'd/t', qos: 1 }] }) },
      { dir: 's2c' as const, bytes: gen({ cmd: 'suback', messageId: 1, granted: [1] }) },
    ];
    for (let i = 0; i < MESSAGES; i++) {
      const id = 2 + (i % 60000);
      const delivered = 1 + (i % 65000);
      chunks.push({ dir: 'c2s', bytes: gen({ cmd: 'publish', topic: 'd/t', qos: 1, messageId: id, payload: Buffer.from(`m${i}`) }) });
      chunks.push({ dir: 's2c', bytes: gen({ cmd: 'puback', messageId: id }) });
      chunks.push({ dir: 's2c', bytes: gen({ cmd: 'publish', topic: 'd/t', qos: 1, messageId: delivered, payload: Buffer.from(`m${i}`) }) });
      chunks.push({ dir: 'c2s', bytes: gen({ cmd: 'puback', messageId: delivered }) });
    }
    chunks.push({ dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) });
    file = join(dir, 'deliveries.pcap');
    await writeFile(file, pcapFile(conversation(chunks)));
  }, 30_000);
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every delivery is acknowledged with its live id and none is kept at the end', async () => {
    const res = await replay(openCapture(file), { host: broker.host, port: broker.port, speed: 'max', answerTimeoutMs: 1000 });
    expect(res.conns).toHaveLength(1);
    const c = res.conns[0]!;
    expect(c.diffs).toEqual([]);
    expect(c.sent).toBe(2 * MESSAGES + 3);
    expect(c.received).toBe(2 + 2 * MESSAGES);
    expect(c.deliveriesKept).toBe(0);
    expect(res.identical).toBe(true);
  }, 30_000);
});
