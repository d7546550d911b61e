// [MQTT-3.3.4-9]: the broker sends a client no more unacknowledged QoS 1/2 PUBLISHes than
// the Receive Maximum of the client's CONNECT. One past it is the broker's protocol-violation
// (receive-maximum-exceeded). mosquitto 2.0.11 keeps to it (checked on the wire below).
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';
import { sleep, Tap } from './mosquitto-tap.js';

const violations = (fs: Finding[]) => fs.filter((f) => f.code === 'protocol-violation');

/** A subscriber to 'a/#' whose CONNECT announces Receive Maximum `rm`, and its CONNECT frame. */
function subscriber(h: Harness, rm: number) {
  const c = h.conn(5);
  const connect = c.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 's', keepalive: 60, properties: { receiveMaximum: rm } });
  c.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
  c.sub(1, 'a/#', { qos: 2 });
  return { c, connect };
}

describe('a broker past the client Receive Maximum', () => {
  it('a third unacknowledged QoS 1/2 PUBLISH to a client with Receive Maximum 2 is a violation naming the limit and the CONNECT', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const { c, connect } = subscriber(h, 2);
    const first = c.deliver({ topic: 'a/1', payload: 'm1', qos: 1, id: 1 });
    c.deliver({ topic: 'a/1', payload: 'm2', qos: 2, id: 2 });
    const third = c.deliver({ topic: 'a/1', payload: 'm3', qos: 1, id: 3 });
    c.deliver({ topic: 'a/1', payload: 'm4', qos: 1, id: 4 });
    const vs = violations(h.findings);
    expect(vs).toHaveLength(1); // once per connection
    expect(vs[0]).toMatchObject({
      severity: 'error', frames: [connect.frame, first.frame, third.frame].sort((a, b) => a - b),
      extra: { violation: 'receive-maximum-exceeded', dir: 's2c', receive_maximum: 2, unacknowledged: 2, oldest_frame: first.frame, connect_frame: connect.frame, spec: 'MQTT-3.3.4-9' },
    });
    expect(vs[0]!.text).toContain('Receive Maximum of 2');
    expect(vs[0]!.text).toContain(`CONNECT (frame ${connect.frame})`);
  });

  it('acknowledged ones, a QoS 2 one whose PUBREC came (not yet PUBCOMP: still counted), and a DUP re-send', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const { c } = subscriber(h, 2);
    c.deliver({ topic: 'a/1', payload: 'm1', qos: 1, id: 1 });
    c.c({ cmd: 'puback', messageId: 1, reasonCode: 0 });
    c.deliver({ topic: 'a/1', payload: 'm2', qos: 2, id: 2 });
    c.c({ cmd: 'pubrec', messageId: 2, reasonCode: 0 });
    c.deliver({ topic: 'a/1', payload: 'm3', qos: 1, id: 3 });
    c.s({ cmd: 'publish', topic: 'a/1', payload: Buffer.from('m3'), qos: 1, messageId: 3, dup: true, retain: false });
    c.deliver({ topic: 'a/1', payload: 'm0', qos: 0 });
    expect(violations(h.findings)).toEqual([]);
    c.deliver({ topic: 'a/1', payload: 'm4', qos: 1, id: 4 });
    expect(violations(h.findings).map((f) => f.extra['violation'])).toEqual(['receive-maximum-exceeded']);
  });

  it('mosquitto 2.0.11 sends a client with Receive Maximum 2 two QoS 1 messages until it acknowledges: no finding', async () => {
    const tap = await Tap.startConf([]);
    const s = await tap.client('rm-sub', 'u', 5, [], { receiveMaximum: 2 });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 1, nl: false, rap: false, rh: 0 }], properties: {} });
    await s.waitFor('suback');
    const p = await tap.client('rm-pub', 'u', 5);
    for (let i = 1; i <= 4; i++) p.send({ cmd: 'publish', topic: 'a/1', payload: Buffer.from(`m${i}`), qos: 1, messageId: i, retain: false, dup: false });
    await sleep(300);
    // Two in flight, the rest queued by mosquitto.
    expect(s.payloads()).toEqual(['m1', 'm2']);
    const [a, b] = s.got.filter((x) => x.cmd === 'publish') as { messageId?: number }[];
    s.send({ cmd: 'puback', messageId: a!.messageId, reasonCode: 0 });
    s.send({ cmd: 'puback', messageId: b!.messageId, reasonCode: 0 });
    await sleep(300);
    expect(s.payloads()).toEqual(['m1', 'm2', 'm3', 'm4']);
    for (const x of s.got.filter((y) => y.cmd === 'publish').slice(2) as { messageId?: number }[]) s.send({ cmd: 'puback', messageId: x.messageId, reasonCode: 0 });
    await sleep(50);
    const fs = await tap.end(1500);
    expect(violations(fs)).toEqual([]);
  });
});
