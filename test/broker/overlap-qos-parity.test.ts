// A message that several subscriptions of one MQTT 3.1.1 client match: one copy, sent
// through the subscription mosquitto 2.0.11 reaches first in its subscription tree (at
// each level the literal level, then '+', then '#'), at that subscription's QoS. Run
// against the bundled broker AND a real mosquitto with the same expectations
// (mosquitto missing = failure, never a skip).
import { describe, it, expect } from 'vitest';
import { firstSubscription } from '../../src/broker/security.js';
import { str } from './raw-client.js';
import { BROKERS, online, sleep, withBroker } from './parity.js';

/** "topic payload qN" of each PUBLISH the client got, in order. */
const got = (packets: Array<{ cmd: string }>): string[] => packets.filter((p) => p.cmd === 'publish').map((p) => {
  const pub = p as unknown as { topic: string; payload: Buffer; qos: number };
  return `${pub.topic} ${pub.payload.toString()} q${pub.qos}`;
});

/** SUBSCRIBE body: packet identifier, then each filter with its requested QoS. */
function subscribeBody(id: number, subs: Array<[string, number]>): Buffer {
  return Buffer.concat([
    Buffer.from([id >> 8, id & 0xff]), // packet identifier
    ...subs.map(([f, q]) => Buffer.concat([str(f), Buffer.from([q])])), // filter, requested QoS
  ]);
}

describe.each(BROKERS)('%s: overlapping subscriptions of one client with different QoS', (_name, start) => {
  it('the copy goes at the QoS of the literal level before +, and + before #', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const a = await online(open, { clientId: 'a' });
      // Subscribed in the order aedes alone would have used: x/# (QoS 0) first.
      expect(await a.send(0x82, subscribeBody(1, [['x/#', 0], ['x/+', 2], ['#', 1]]))).toBe('suback');
      const b = await online(open, { clientId: 'b' });
      expect(await b.send(0x82, subscribeBody(1, [['y/+', 2], ['y/1', 1], ['+/1', 0]]))).toBe('suback');
      const pub = await online(open, { clientId: 'pub' });
      await pub.publish('x/1', 'x1', 2);
      await pub.publish('x/1/2', 'x12', 2);
      await pub.publish('z', 'z', 2);
      await pub.publish('y/1', 'y1', 2);
      await pub.publish('y/2', 'y2', 2);
      await pub.publish('w/1', 'w1', 2);
      await b.waitFor(() => (got(b.packets).length >= 4 ? true : undefined), 'four messages for b');
      await sleep(300);
      a.ackAll();
      b.ackAll();
      expect(got(a.packets)).toEqual(['x/1 x1 q2', 'x/1/2 x12 q0', 'z z q1', 'y/1 y1 q1', 'y/2 y2 q1', 'w/1 w1 q1']);
      expect(got(b.packets)).toEqual(['x/1 x1 q0', 'y/1 y1 q1', 'y/2 y2 q2', 'w/1 w1 q0']);
    });
  });
});

describe.each(BROKERS)('%s: overlapping subscriptions of an offline persistent session', (_name, start) => {
  it('one copy is queued, at the QoS of the subscription met first', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const away = await online(open, { clientId: 'away', clean: false });
      expect(await away.send(0x82, subscribeBody(1, [['x/#', 0], ['x/+', 1], ['y/+', 2], ['y/#', 1], ['z/#', 2], ['z/+', 1]]))).toBe('suback');
      await away.disconnect();
      const pub = await online(open, { clientId: 'pub' });
      await pub.publish('x/1', 'x1', 1);
      await pub.publish('y/1', 'y1', 2);
      await pub.publish('z/1', 'z1', 2);
      await pub.publish('x/1/2', 'x12', 1);
      await sleep(200);
      const back = await online(open, { clientId: 'away', clean: false });
      await back.waitFor(() => (got(back.packets).length >= 3 ? true : undefined), 'the queued messages');
      await sleep(300);
      back.ackAll();
      expect(got(back.packets)).toEqual(['x/1 x1 q1', 'y/1 y1 q2', 'z/1 z1 q1']);
    });
  });
});

describe.each(BROKERS)('%s: overlapping subscriptions restored with a persistent session', (_name, start) => {
  it('after the reconnect, a live message still goes at the QoS of the subscription met first', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const first = await online(open, { clientId: 'p', clean: false });
      expect(await first.send(0x82, subscribeBody(1, [['x/#', 0], ['x/+', 2]]))).toBe('suback');
      await first.disconnect();
      const back = await online(open, { clientId: 'p', clean: false });
      const pub = await online(open, { clientId: 'pub' });
      await pub.publish('x/1', 'x1', 2);
      await back.waitFor(() => (got(back.packets).length >= 1 ? true : undefined), 'the message');
      await sleep(200);
      back.ackAll();
      expect(got(back.packets)).toEqual(['x/1 x1 q2']);
    });
  });
});

describe('firstSubscription (mosquitto 2.0.11 subscription tree order)', () => {
  it.each([
    [['x/#', 'x/+'], 'x/1', 'x/+'],
    [['x/+', 'x/1'], 'x/1', 'x/1'],
    [['#', 'x/#'], 'x/1', 'x/#'],
    [['+/1', 'x/#'], 'x/1', 'x/#'],
    [['x/1', 'x/1/#'], 'x/1', 'x/1/#'],
    [['#', '$share/g/x/1'], 'x/1', '#'],
    [['#', '+/x'], '$foo/x', null],
  ] as Array<[string[], string, string | null]>)('%j for %s: %s', (filters, topic, first) => {
    expect(firstSubscription(filters, topic)).toBe(first);
  });
});
