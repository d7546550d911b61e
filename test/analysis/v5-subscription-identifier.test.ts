// Subscription Identifiers on a real mosquitto 2.0.11: a subscriber whose subscriptions
// overlap gets one copy per matching subscription, each at that subscription's QoS and
// carrying its own identifier (none for a subscription made without one). The copies
// are all deliveries of the one message: no finding, and a second client that may not
// read the topic is still a withheld delivery.
import { describe, expect, it } from 'vitest';
import { Tap, sleep } from './mosquitto-tap.js';

describe('Subscription Identifier (mosquitto 2.0.11)', () => {
  it('one copy per overlapping subscription, each with its identifier; correlation takes them as one message', async () => {
    const tap = await Tap.start('user up\ntopic write #\n\nuser us\ntopic read #\n\nuser ud\ntopic read other\n');
    const s = await tap.client('s', 'us', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 1 }], properties: { subscriptionIdentifier: 1 } });
    await s.waitFor('suback');
    s.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/+', qos: 0 }], properties: { subscriptionIdentifier: 2 } });
    await s.waitFor('suback', 2);
    s.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: '+/b', qos: 0 }] });
    await s.waitFor('suback', 3);
    const d = await tap.client('d', 'ud', 5);
    d.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/b', qos: 0 }], properties: { subscriptionIdentifier: 7 } });
    await d.waitFor('suback');
    const p = await tap.client('p', 'up', 5);
    p.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('m'), qos: 1, messageId: 1, retain: false, dup: false });
    await sleep(400);
    const copies = s.got.filter((x): x is import('mqtt-packet').IPublishPacket => x.cmd === 'publish')
      .map((x) => [x.qos, x.properties?.subscriptionIdentifier ?? null]).sort((x, y) => String(x).localeCompare(String(y)));
    expect(copies).toEqual([[0, null], [0, 2], [1, 1]]);
    s.send({ cmd: 'puback', messageId: 1 });
    await sleep(50);
    const f = await tap.end(6000);
    const drops = f.filter((x) => (x.code === 'withheld-delivery' && x.extra?.['at_subscribe'] !== true) || x.code === 'undelivered-publish');
    expect(drops.map((x) => [x.code, x.clientId])).toEqual([['withheld-delivery', 'd']]);
    expect(f.filter((x) => x.code === 'protocol-violation' || x.code === 'qos-flow-incomplete')).toEqual([]);
  }, 20000);
});
