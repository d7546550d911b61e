// MQTT 5 Topic Aliases on a real mosquitto 2.0.11 (Topic Alias Maximum 10 in its CONNACK;
// it sends no aliases of its own, even to a client that allows them): a PUBLISH with an
// empty Topic Name is correlated by the topic its alias stands for, an alias set again
// stands for the new topic, and a PUBLISH whose alias the broker refuses is routed to
// nobody, so it is no drop.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';
import { Tap, sleep } from './mosquitto-tap.js';

const pub = (topic: string, payload: string, topicAlias: number, qos = 0) => ({
  cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false, properties: { topicAlias }, ...(qos > 0 ? { messageId: 1 } : {}),
});
const drops = (fs: { code: string; severity: string }[]) => fs.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.severity === 'warn');
const violations = (fs: { code: string; extra?: Record<string, unknown> }[]) => fs.filter((f) => f.code === 'protocol-violation').map((f) => f.extra?.['violation']);

describe('MQTT 5 Topic Alias (mosquitto 2.0.11)', () => {
  it('an alias set, used with an empty topic, and set again for another topic: deliveries are matched by the topic it stands for', async () => {
    const tap = await Tap.start('user up\ntopic write a/#\n\nuser us\ntopic read a/#\n\nuser ud\ntopic read a/1\n');
    const s = await tap.client('s', 'us', 5, [], { topicAliasMaximum: 5 });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 0 }] });
    await s.waitFor('suback');
    const d = await tap.client('d', 'ud', 5);
    d.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 0 }] });
    await d.waitFor('suback');
    const p = await tap.client('p', 'up', 5);
    p.send(pub('a/1', 'm1', 1));
    p.send(pub('', 'm2', 1)); // alias 1 = a/1
    p.send(pub('a/2', 'm3', 1)); // alias 1 set again: a/2
    p.send(pub('', 'm4', 1)); // alias 1 = a/2
    await sleep(400);
    expect(s.got.filter((x) => x.cmd === 'publish').map((x) => [(x as { topic: string }).topic, Buffer.from((x as { payload: Buffer }).payload).toString()]))
      .toEqual([['a/1', 'm1'], ['a/1', 'm2'], ['a/2', 'm3'], ['a/2', 'm4']]); // whole topics, no alias from mosquitto
    expect(d.payloads()).toEqual(['m1', 'm2']); // ud may read a/1 only
    const f = await tap.end(6000);
    expect(violations(f)).toEqual([]);
    const w = drops(f);
    expect(w.map((x) => [x.code, x.clientId, x.topic])).toEqual([['withheld-delivery', 'd', 'a/2'], ['withheld-delivery', 'd', 'a/2']]);
    expect(w.map((x) => x.extra?.['acl_confirmed'])).toEqual([true, true]);
  }, 20000);

  it('a QoS 0 PUBLISH with an alias above the Topic Alias Maximum: mosquitto disconnects (0x94) and routes nothing, which is no drop', async () => {
    const tap = await Tap.start(null);
    const s = await tap.client('s', 'us', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] });
    await s.waitFor('suback');
    const p = await tap.client('p', 'up', 5);
    p.send(pub('a/x', 'm', 11));
    await p.waitFor('disconnect');
    expect((p.got.find((x) => x.cmd === 'disconnect') as { reasonCode?: number }).reasonCode).toBe(0x94);
    await p.closedByBroker();
    await sleep(300);
    expect(s.payloads()).toEqual([]);
    const f = await tap.end(6000);
    expect(violations(f)).toEqual(['topic-alias-exceeds-maximum']);
    expect(drops(f)).toEqual([]);
  }, 20000);

  it('an alias used before any PUBLISH set it: mosquitto disconnects (0x82), and the analysis says why', async () => {
    const tap = await Tap.start(null);
    const p = await tap.client('p', 'up', 5);
    p.send(pub('', 'm', 3, 1));
    await p.waitFor('disconnect');
    expect((p.got.find((x) => x.cmd === 'disconnect') as { reasonCode?: number }).reasonCode).toBe(0x82);
    await p.closedByBroker();
    const f = (await tap.end(6000)).filter((x) => x.code === 'protocol-violation');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ clientId: 'p', extra: { violation: 'topic-alias-not-set', topic_alias: 3, dir: 'c2s', spec: 'MQTT-3.3.2.3.4' } });
    expect(f[0]!.text).toBe('A PUBLISH from up has an empty Topic Name and Topic Alias 3, which no earlier PUBLISH from the client on this connection set (MQTT 5 §3.3.2.3.4): the broker cannot tell its topic and treats it as a protocol error (mosquitto 2.0.11 answers DISCONNECT 0x82 Protocol Error and routes nothing)');
  }, 20000);

  it('broker to client aliases (a broker that sends them): a copy with an empty topic counts for the topic its alias stands for', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const s = h.conn(5);
    s.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 's', keepalive: 60, properties: { topicAliasMaximum: 2 } });
    s.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
    s.sub(1, 'a/#');
    const p = h.conn(5).login('p', undefined);
    p.publish({ topic: 'a/1', payload: 'm1' });
    s.deliver({ topic: 'a/1', payload: 'm1', properties: { topicAlias: 1 } }); // sets alias 1 = a/1
    p.publish({ topic: 'a/1', payload: 'm2' });
    s.deliver({ topic: '', payload: 'm2', properties: { topicAlias: 1 } }); // alias 1 = a/1
    p.publish({ topic: 'a/2', payload: 'm3' });
    s.deliver({ topic: 'a/2', payload: 'm3', properties: { topicAlias: 1 } }); // alias 1 set again: a/2
    p.publish({ topic: 'a/2', payload: 'm4' });
    s.deliver({ topic: '', payload: 'm4', properties: { topicAlias: 1 } }); // alias 1 = a/2
    expect(h.records.filter((r) => r.summary.type === 3 && r.dir === 's2c').map((r) => r.topic)).toEqual(['a/1', 'a/1', 'a/2', 'a/2']);
    expect(h.end().filter((f) => f.code !== 'qos-flow-incomplete')).toEqual([]);
  });

  it('broker to client: an empty topic with an alias the broker never set is the broker breaking the rule', () => {
    const h = new Harness();
    const s = h.conn(5);
    s.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 's', keepalive: 60, properties: { topicAliasMaximum: 2 } });
    s.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
    s.deliver({ topic: '', payload: 'm', properties: { topicAlias: 2 } });
    const f = h.end().filter((x) => x.code === 'protocol-violation');
    expect(f.map((x) => x.extra)).toEqual([{ violation: 'topic-alias-not-set', dir: 's2c', topic_alias: 2, spec: 'MQTT-3.3.2.3.4' }]);
    expect(f[0]!.text).toContain("A PUBLISH from the broker to client 's' has an empty Topic Name and Topic Alias 2, which no earlier PUBLISH from the broker on this connection set (MQTT 5 §3.3.2.3.4): the client cannot tell its topic");
  });

  it('not when the capture began after the CONNECT: the PUBLISH that set the alias may be before it', () => {
    const h = new Harness();
    const c = h.conn(5); // no CONNECT seen
    c.publish({ topic: '', payload: 'm', properties: { topicAlias: 3 } });
    expect(violations(h.end())).toEqual([]);
  });
});
