// A subscriber whose MQTT 5 CONNECT set a Maximum Packet Size smaller than a message is
// not sent it: the broker discards it for that client and tells nobody [MQTT-3.1.2-25].
// The analysis says so (withheld-delivery, info, cause 'maximum-packet-size'), naming the
// subscriber, its limit and the size of the copy, and not as an ACL drop.
// Checked on the wire against mosquitto 2.0.11.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';
import { sleep, Tap } from './mosquitto-tap.js';

const SUB_V5 = { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'big/#', qos: 2, nl: false, rap: false, rh: 0 }] };
const tooBig = (fs: Finding[]) => fs.filter((f) => f.extra['cause'] === 'maximum-packet-size');

describe('a message larger than the Maximum Packet Size of a subscriber', () => {
  it('mosquitto: QoS 0, 1 and 2 messages of 300 bytes reach the subscriber without a limit, not the one with 100; one info finding for the latter, then a count', async () => {
    const tap = await Tap.startConf([]);
    const small = await tap.client('small', 'us', 5, [], { maximumPacketSize: 100 });
    small.send(SUB_V5);
    await small.waitFor('suback');
    const big = await tap.client('big', 'ub', 5);
    big.send(SUB_V5);
    await big.waitFor('suback');
    const p = await tap.client('pub', 'up', 5);
    const payload = 'x'.repeat(300);
    p.send({ cmd: 'publish', topic: 'big/0', payload: Buffer.from(payload), qos: 0, retain: false, dup: false });
    p.send({ cmd: 'publish', topic: 'big/1', payload: Buffer.from(payload), qos: 1, messageId: 1, retain: false, dup: false });
    p.send({ cmd: 'publish', topic: 'big/2', payload: Buffer.from(payload), qos: 2, messageId: 2, retain: false, dup: false });
    await p.waitFor('pubrec');
    p.send({ cmd: 'pubrel', messageId: 2 });
    await p.waitFor('pubcomp');
    await p.waitFor('puback');
    await sleep(300);
    // What mosquitto did: the big copies went to 'big' only.
    expect(big.payloads()).toHaveLength(3);
    expect(small.payloads()).toEqual([]);
    for (const x of big.got.filter((y) => y.cmd === 'publish') as { messageId?: number; qos: number }[]) {
      if (x.qos === 1) big.send({ cmd: 'puback', messageId: x.messageId, reasonCode: 0 });
      if (x.qos === 2) { big.send({ cmd: 'pubrec', messageId: x.messageId, reasonCode: 0 }); await big.waitFor('pubrel'); big.send({ cmd: 'pubcomp', messageId: x.messageId, reasonCode: 0 }); }
    }
    await sleep(50);
    const fs = await tap.end(1500);
    // One finding for the subscriber (the first message), then one follow-up with the count.
    const found = tooBig(fs).filter((f) => f.extra['follow_up'] === undefined);
    expect(found.map((f) => f.topic)).toEqual(['big/0']);
    const follow = tooBig(fs).filter((f) => f.extra['follow_up'] === true);
    expect(follow).toHaveLength(1);
    expect(follow[0]!.extra).toMatchObject({ withheld_count: 2, withheld_total: 3, topics: ['big/0', 'big/1', 'big/2'], acl_drop: false });
    for (const f of found) {
      expect(f).toMatchObject({
        code: 'withheld-delivery', severity: 'info', conn: small.meta.id, clientId: 'small', username: 'us',
        extra: { maximum_packet_size: 100, acl_drop: false, subscriber: { client_id: 'small', maximum_packet_size: 100, filter: 'big/#' }, publisher: { client_id: 'pub' } },
      });
      expect(f.extra['copy_size']).toBeGreaterThan(300);
      expect(f.extra['near_limit']).toBeUndefined();
      expect(f.text).toContain("was not sent to us (client id 'small')");
      expect(f.text).toContain('larger than the Maximum Packet Size of 100 bytes in the CONNECT of us (frame ');
      expect(f.text).toContain('not an ACL drop');
    }
    // Nothing else: no drop, no ACL reading.
    expect(fs.filter((f) => f.code === 'undelivered-publish' || (f.code === 'withheld-delivery' && f.extra['cause'] === undefined))).toEqual([]);
  });

  it('mosquitto: the only subscriber has the limit (nobody is owed the message): still explained', async () => {
    const tap = await Tap.startConf([]);
    const small = await tap.client('small', 'us', 5, [], { maximumPacketSize: 100 });
    small.send(SUB_V5);
    await small.waitFor('suback');
    const p = await tap.client('pub', 'up', 5);
    p.send({ cmd: 'publish', topic: 'big/1', payload: Buffer.from('y'.repeat(200)), qos: 1, messageId: 1, retain: false, dup: false });
    await p.waitFor('puback');
    await sleep(200);
    expect(small.payloads()).toEqual([]);
    const fs = await tap.end(1500);
    expect(tooBig(fs)).toHaveLength(1);
    expect(fs.filter((f) => f.code === 'undelivered-publish')).toEqual([]);
  });

  it('engine: a publish the broker rejects (PUBACK 0x87) or a small one gives no such finding; past 20 subscribers they are counted', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    for (let i = 0; i < 25; i++) {
      const c = h.conn(5);
      c.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: `s${i}`, keepalive: 60, properties: { maximumPacketSize: 64 } });
      c.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
      c.sub(1, 'a/#', { qos: 1 });
    }
    const p = h.conn(5).login('p', undefined);
    p.publish({ topic: 'a/1', payload: 'z'.repeat(100), qos: 1, id: 1 });
    p.puback(1, 0x87);
    p.publish({ topic: 'a/1', payload: 'small', qos: 0 });
    p.publish({ topic: 'a/1', payload: 'z'.repeat(100), qos: 0 });
    h.end();
    const found = tooBig(h.findings);
    expect(found).toHaveLength(1);
    expect(found[0]!.extra).toMatchObject({ subscriber_count: 25, qos: 0 });
    expect(found[0]!.extra['subscribers']).toHaveLength(20);
    expect(found[0]!.text).toContain('24 more subscriber(s) did miss it');
  });
});
