// mosquitto 2.0.11 keeps at most max_inflight_messages (20 by default) QoS 1/2 deliveries
// unacknowledged per client, holds the next ones, and sends up to that many of them when a
// PUBACK (QoS 1) or PUBCOMP (QoS 2) gives a place back; QoS 0 deliveries do not wait. The
// bundled broker does the same (src/broker/inflight.ts); aedes alone sent every delivery at
// once. mosquitto missing = failure, never a skip.
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/index.js';
import { BROKERS, online, sleep, withBroker } from './parity.js';
import { startConfMosquitto } from './mosquitto-verdict.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { frame, RawClient, subscriberAndPublisher } from './raw-client.js';

type Pub = { cmd: string; qos?: number; messageId?: number; payload?: Buffer };
const pubs = (c: RawClient, qos?: number): Pub[] => (c.packets as Pub[]).filter((p) => p.cmd === 'publish' && (qos === undefined || p.qos === qos));
const id = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const upTo = (n: number): string[] => Array.from({ length: n }, (_, i) => `${i}`);

describe.each(BROKERS)('%s', (_name, start) => {
  it('30 QoS 1 messages to a subscriber that does not acknowledge: 20 sent, the rest after a PUBACK', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 'slow' });
      expect(await s.subscribe(['w/#'], 1)).toEqual([1]);
      const p = await online(open, { clientId: 'fast' });
      for (let i = 0; i < 30; i++) await p.publish('w/1', `${i}`, 1);
      // A QoS 0 message is not held behind the full window.
      await p.publish('w/0', 'zero', 0);
      await sleep(300);
      expect(pubs(s, 1).map((x) => x.payload!.toString())).toEqual(upTo(20));
      expect(pubs(s, 0).map((x) => x.payload!.toString())).toEqual(['zero']);
      // PUBACK of the first: fixed header 0x40, remaining length 2, its packet id.
      s.write(frame(0x40, id(pubs(s, 1)[0]!.messageId!)));
      await sleep(300);
      expect(pubs(s, 1).map((x) => x.payload!.toString())).toEqual(upTo(30));
    });
  });

  it('QoS 2: a place is given back by the PUBCOMP, not by the PUBREC', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 'slow2' });
      expect(await s.subscribe(['w/#'], 2)).toEqual([2]);
      const p = await online(open, { clientId: 'fast2' });
      for (let i = 0; i < 24; i++) await p.publish('w/2', `${i}`, 2);
      await sleep(300);
      expect(pubs(s, 2)).toHaveLength(20);
      // PUBREC of the first: fixed header 0x50, remaining length 2, its packet id.
      s.write(frame(0x50, id(pubs(s, 2)[0]!.messageId!)));
      await s.waitFor(() => (s.packets.some((x) => x.cmd === 'pubrel') ? true : undefined), 'the PUBREL');
      await sleep(200);
      expect(pubs(s, 2)).toHaveLength(20);
      // PUBCOMP of the same: fixed header 0x70, remaining length 2, its packet id.
      s.write(frame(0x70, id(pubs(s, 2)[0]!.messageId!)));
      await sleep(300);
      expect(pubs(s, 2).map((x) => x.payload!.toString())).toEqual(upTo(24));
    });
  });
});

/** The bundled broker with maxInflightMessages 3, mosquitto with max_inflight_messages 3, and startMosquitto given 3. */
const WITH_3: Array<[string, () => Promise<{ port: number; close(): Promise<void> }>]> = [
  ['bundled broker (aedes)', () => startBroker({ port: 0, allowAnonymous: true, maxInflightMessages: 3 })],
  ['mosquitto 2.0', async () => {
    const m = await startConfMosquitto('listener PORT 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 3\n');
    expect(m, 'mosquitto starts').not.toBeNull();
    return m!;
  }],
  ['startMosquitto({ maxInflightMessages: 3 })', () => startTestMosquitto({ allowAnonymous: true, maxInflightMessages: 3 })],
];

describe.each(WITH_3)('%s, max_inflight_messages 3', (_name, start) => {
  it('each PUBACK that gives a place back releases up to 3 held deliveries', async () => {
    const b = await start();
    const clients: RawClient[] = [];
    try {
      const { s, p } = await subscriberAndPublisher(b.port, 'w/#', clients);
      const steps: string[] = [];
      const note = async (what: string): Promise<void> => { await sleep(150); steps.push(`${what}:${pubs(s).length}`); };
      // PUBACK of the k-th delivery: fixed header 0x40, remaining length 2, its packet id.
      const ack = (k: number): void => s.write(frame(0x40, id(pubs(s)[k]!.messageId!)));
      for (let i = 0; i < 6; i++) await p.publish('w/1', `${i}`, 1);
      await note('6 published');
      ack(0);
      await note('ack 1st');
      for (const m of ['a', 'b', 'c']) {
        await p.publish('w/1', m, 1);
        await note(`${m} published`);
      }
      ack(1);
      await note('ack 2nd');
      ack(2);
      await note('ack 3rd');
      for (let i = 0; i < 6; i++) await p.publish('w/1', `d${i}`, 1);
      await note('6 more published');
      expect(steps).toEqual(['6 published:3', 'ack 1st:6', 'a published:6', 'b published:6', 'c published:6', 'ack 2nd:9', 'ack 3rd:9', '6 more published:10']);
      expect(s.messages().slice(0, 10)).toEqual(['0', '1', '2', '3', '4', '5', 'a', 'b', 'c', 'd0'].map((m) => `w/1 ${m}`));
    } finally {
      for (const c of clients) c.destroy();
      await b.close();
    }
  });
});

describe('startBroker maxInflightMessages', () => {
  it.each([[0], [65535]])('maxInflightMessages %d is no limit, as in mosquitto: 30 of 30 sent unacknowledged', async (max) => {
    const b = await startBroker({ port: 0, allowAnonymous: true, maxInflightMessages: max });
    const clients: RawClient[] = [];
    try {
      const { s, p } = await subscriberAndPublisher(b.port, 'f/#', clients);
      for (let i = 0; i < 30; i++) await p.publish('f/n', `${i}`, 1);
      await sleep(300);
      expect(s.messages()).toHaveLength(30);
    } finally {
      for (const c of clients) c.destroy();
      await b.close();
    }
  });
});

/** max_inflight_messages 3 and max_queued_messages 7 on each broker. */
const WITH_3_7: Array<[string, () => Promise<{ port: number; close(): Promise<void> }>]> = [
  ['bundled broker (aedes)', () => startBroker({ port: 0, allowAnonymous: true, maxInflightMessages: 3, maxQueuedMessages: 7 })],
  ['mosquitto 2.0', () => startTestMosquitto({ allowAnonymous: true, maxInflightMessages: 3, maxQueuedMessages: 7 })],
];

describe.each(WITH_3_7)('%s, max_inflight_messages 3, max_queued_messages 7', (_name, start) => {
  it.each([[true], [false]])('a connected subscriber (CleanSession %s) gets 3 + 7 of 40; the rest are dropped, also after a reconnect', async (clean) => {
    const b = await start();
    const clients: RawClient[] = [];
    try {
      const { s, p } = await subscriberAndPublisher(b.port, 'w/#', clients, clean);
      for (let i = 0; i < 40; i++) await p.publish('w/1', `${i}`, 1);
      await sleep(200);
      expect(s.messages()).toHaveLength(3);
      expect(await s.drain()).toEqual(upTo(10).map((m) => `w/1 ${m}`));
      await s.disconnect();
      const again = await RawClient.open(b.port, { clientId: 's', clean });
      clients.push(again);
      expect(await again.connack()).toBe(0);
      expect(await again.drain()).toEqual([]);
    } finally {
      for (const c of clients) c.destroy();
      await b.close();
    }
  });
});
