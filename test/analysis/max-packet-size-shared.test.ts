// A subscriber's MQTT 5 Maximum Packet Size [MQTT-3.1.2-25], beyond the first message:
// a shared-subscription member that is too small, and a stream of too large messages.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';
import { sleep, Tap } from './mosquitto-tap.js';

const SHARE = { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/big/#', qos: 0, nl: false, rap: false, rh: 0 }] };
const tooBig = (fs: Finding[]) => fs.filter((f) => f.extra['cause'] === 'maximum-packet-size');

/** An engine harness (mosquitto) with MQTT 5 client 'small', Maximum Packet Size 64, subscribed to `filter` at QoS 0. */
function smallSubscriber(filter: string) {
  const h = new Harness({ brokerKind: 'mosquitto' });
  const small = h.conn(5);
  small.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'small', keepalive: 60, properties: { maximumPacketSize: 64 } });
  small.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
  small.sub(1, filter, { qos: 0 });
  return { h, small };
}

describe('a shared-subscription member with a small Maximum Packet Size', () => {
  it('mosquitto: the member whose turn it is drops the message (no other member gets it): an info finding, not an undelivered-publish', async () => {
    const tap = await Tap.startConf([]);
    const small = await tap.client('small', 'us', 5, [], { maximumPacketSize: 100 });
    small.send(SHARE);
    await small.waitFor('suback');
    const big = await tap.client('big', 'ub', 5);
    big.send(SHARE);
    await big.waitFor('suback');
    const p = await tap.client('pub', 'up', 5);
    for (let i = 0; i < 6; i++) p.send({ cmd: 'publish', topic: `big/${i}`, payload: Buffer.from(String(i).repeat(300)), qos: 0, retain: false, dup: false });
    await sleep(400);
    // What mosquitto 2.0.11 did: round robin; the turns of 'small' were discarded, not passed on.
    expect(big.payloads()).toHaveLength(3);
    expect(small.payloads()).toEqual([]);
    const fs = await tap.end(1500);
    expect(fs.filter((f) => f.code === 'undelivered-publish')).toEqual([]);
    const first = tooBig(fs).filter((f) => f.extra['follow_up'] === undefined);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      code: 'withheld-delivery', severity: 'info', conn: small.meta.id, clientId: 'small',
      extra: { share_group: 'g', acl_drop: false, subscriber: { client_id: 'small', filter: '$share/g/big/#', maximum_packet_size: 100 } },
    });
    expect(first[0]!.text).toContain("member of the shared group 'g', which got nothing");
    const follow = tooBig(fs).filter((f) => f.extra['follow_up'] === true);
    expect(follow).toHaveLength(1);
    expect(follow[0]!.extra).toMatchObject({ withheld_count: 2, withheld_total: 3 });
  });

  it('engine: a message the group got through another member gives no finding for the small one', () => {
    const { h } = smallSubscriber('$share/g/a/#');
    const big = h.conn(5).login('big', undefined);
    big.sub(1, '$share/g/a/#', { qos: 0 });
    const p = h.conn(5).login('p', undefined);
    p.publish({ topic: 'a/1', payload: 'z'.repeat(100), qos: 0 });
    big.deliver({ topic: 'a/1', payload: 'z'.repeat(100), qos: 0 });
    h.end();
    expect(h.findings.filter((f) => f.code === 'withheld-delivery' || f.code === 'undelivered-publish')).toEqual([]);
  });
});

describe('a stream of messages too large for one subscriber', () => {
  it('engine: 10,000 of them give one finding and follow-ups at 10, 100, 1,000 and 10,000, not 10,000 lines', () => {
    const { h } = smallSubscriber('a/#');
    const p = h.conn(5).login('p', undefined);
    for (let i = 0; i < 10_000; i++) p.publish({ topic: `a/${i % 30}`, payload: 'z'.repeat(100), qos: 0 });
    p.publish({ topic: 'a/0', payload: 'z'.repeat(100), qos: 0 });
    h.end();
    const found = tooBig(h.findings);
    expect(found.filter((f) => f.extra['follow_up'] === undefined)).toHaveLength(1);
    const follow = found.filter((f) => f.extra['follow_up'] === true);
    expect(follow.map((f) => f.extra['withheld_total'])).toEqual([10, 100, 1000, 10_000, 10_001]);
    expect(follow.map((f) => f.extra['withheld_count'])).toEqual([9, 90, 900, 9000, 1]);
    expect(follow[4]!.extra['topics']).toHaveLength(20);
    expect(follow[4]!.extra['topics_not_listed']).toBe(true);
    expect(follow[4]!.text).toContain('1 more message(s) larger than the Maximum Packet Size of 64 bytes');
  });

  it('engine: the count comes when the subscriber closes, and a message decided after that at the end', () => {
    const { h, small } = smallSubscriber('a/#');
    const p = h.conn(5).login('p', undefined);
    for (let i = 0; i < 3; i++) p.publish({ topic: 'a/1', payload: 'z'.repeat(100), qos: 0 });
    h.wait(10_000);
    p.publish({ topic: 'a/2', payload: 'z'.repeat(100), qos: 0 });
    small.close();
    h.end();
    const follow = tooBig(h.findings).filter((f) => f.extra['follow_up'] === true);
    expect(follow.map((f) => [f.extra['withheld_count'], f.extra['withheld_total']])).toEqual([[2, 3], [1, 4]]);
    expect(follow[0]!.text).toContain('(its connection closed)');
    expect(follow[0]!.topic).toBe('a/1');
    expect(follow[1]!.text).toContain('(end of the input)');
    expect(follow[1]!.extra['topics']).toEqual(['a/1', 'a/2']);
  });
});
