// A subscriber's MQTT 5 Maximum Packet Size is compared with the copy the broker would
// send it, not with the PUBLISH the publisher sent: the copy carries the whole topic
// (the publisher may have used a topic alias and an empty topic) and may carry a
// Subscription Identifier. mosquitto drops a copy over the limit without a word
// [MQTT-3.1.2-25], so a subscriber near its limit is not known to be owed the message.
import { describe, expect, it } from 'vitest';
import { copySizeBound } from '../../src/analysis/context.js';
import { Scenario, summary } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

const drops = (findings: { code: string; severity: string }[]) =>
  findings.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.severity === 'warn');

describe('Maximum Packet Size: the size of the copy', () => {
  it('a PUBLISH that uses a topic alias is counted with its whole topic, and with room for a Subscription Identifier', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const p = sc.client('p', { version: 5 }).login();
    const topic = `a/${'x'.repeat(20)}`;
    // As sent: an empty topic and alias 1, 21 bytes.
    const bytes = new Uint8Array(21);
    const rec = sc.feed(p, 'c2s', summary(3, { topic: '', topicAlias: 1, payloadOffset: 8, payloadLength: 13 }), bytes, topic);
    expect(copySizeBound(rec)).toBe(21 + 22 + 7);
    const plain = sc.feed(p, 'c2s', summary(3, { topic, payloadOffset: 26, payloadLength: 2 }), new Uint8Array(28), topic);
    expect(copySizeBound(plain)).toBe(28 + 7);
  });

  it('a subscriber whose limit the copy may pass is not expected; one with room is', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    // The helper PUBLISH of a 10-byte payload is 12 bytes: at most 19 with a Subscription Identifier.
    const edge = sc.client('edge', { version: 5 }).login({ properties: { maximum_packet_size: 12 } }).sub(1, ['t']);
    const room = sc.client('room', { version: 5 }).login({ properties: { maximum_packet_size: 19 } }).sub(1, ['t']);
    const big = sc.client('big', { version: 5 }).login().sub(1, ['t']);
    sc.client('p', { version: 5 }).login().publish({ topic: 't', payload: '0123456789' });
    big.deliver({ topic: 't', payload: '0123456789' });
    sc.end();
    const d = drops(sc.findings);
    expect(d.map((f) => (f as { conn: string }).conn)).toEqual([room.meta.id]);
    expect(d.map((f) => (f as { conn: string }).conn)).not.toContain(edge.meta.id);
  });

  it('against a real mosquitto 2: a copy over the subscriber limit after the alias is resolved is dropped, and no withheld-delivery says otherwise', async () => {
    const tap = await Tap.start(null, { deliveryWindowUs: 1_000_000, settleUs: 100_000 });
    try {
      const v5 = { nl: false, rap: false, rh: 0 };
      const small = await tap.client('small', 'x', 5, [], { maximumPacketSize: 40 });
      small.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 200_000 }, subscriptions: [{ topic: 'a/#', qos: 0, ...v5 }] });
      await small.waitFor('suback');
      const big = await tap.client('big', 'y', 5);
      big.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 0, ...v5 }] });
      await big.waitFor('suback');
      const p = await tap.client('p', 'p', 5, [], { topicAliasMaximum: 10 });
      const topic = `a/${'x'.repeat(20)}`;
      p.send({ cmd: 'publish', topic, payload: Buffer.from('p1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } });
      await sleep(50);
      // 21 bytes as sent (empty topic, alias 1); the copy with the topic and the identifier is over 40.
      p.send({ cmd: 'publish', topic: '', payload: Buffer.from(`p2-${'z'.repeat(10)}`), qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } });
      await sleep(300);
      expect(small.payloads()).toEqual(['p1']);
      expect(big.payloads()).toEqual(['p1', `p2-${'z'.repeat(10)}`]);
      const sent = tap.records.filter((r) => r.dir === 'c2s' && r.summary.type === 3).map((r) => r.size);
      expect(sent[1]).toBeLessThan(40);
      expect(drops(await tap.end(2000))).toEqual([]);
    } finally {
      await tap.broker.close();
    }
  }, 20_000);
});
