// A client that sends its QoS 2 PUBREL before it got the broker's PUBREC breaks the
// protocol (a sender sends PUBREL when it receives the PUBREC: MQTT 3.1.1 [MQTT-4.3.3-1],
// MQTT 5 [MQTT-4.3.3-4]), but mosquitto releases the message all the same: it sent its
// PUBREC as it read the PUBLISH, and a PUBREL for a packet id it holds releases it. The
// flow tracker says so (not "no matching flow"), and the message is still judged: a
// subscriber that misses it is reported.
import { afterAll, describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

function early(version: 4 | 5 = 4) {
  const sc = new Scenario({ brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000 });
  const a = sc.client('a', { version }).login().sub(1, ['t']);
  const b = sc.client('b', { version }).login().sub(1, ['t']);
  const p = sc.client('p', { version }).login();
  const pub = p.publish({ topic: 't', payload: 'm', qos: 2, id: 7 });
  const rel = p.ack('PUBREL', 7, 'c2s'); // before the PUBREC
  sc.wait(1);
  const rec = p.ack('PUBREC', 7, 's2c');
  const comp = p.ack('PUBCOMP', 7, 's2c');
  return { sc, a, b, p, pub, rel, rec, comp };
}

describe('PUBREL before PUBREC', () => {
  it('the flow tracker reports a pubrel-before-pubrec violation (with the spec), not an unknown ack, and the flow completes', () => {
    const { sc, a, b, pub, rel } = early();
    a.deliver({ topic: 't', payload: 'm' });
    b.deliver({ topic: 't', payload: 'm' });
    sc.end();
    expect(sc.codes()).toEqual(['protocol-violation']);
    const f = sc.byCode('protocol-violation')[0]!;
    expect(f).toMatchObject({
      severity: 'warn', frames: [pub.frame, rel.frame],
      extra: { violation: 'pubrel-before-pubrec', packet_id: 7, dir: 'c2s', publish_frame: pub.frame, spec: 'MQTT-4.3.3-1' },
    });
    expect(f.text).toContain('before mosquitto\'s PUBREC');
    expect(f.text).toContain('mosquitto still releases the message');
    expect(f.text).not.toContain('no matching flow');
    const q2 = sc.analyzer.snapshot().flows.stats['publish-qos2'];
    expect(q2).toMatchObject({ count: 1, complete: 1, incomplete: 0 });
  });

  it('MQTT 5 names MQTT-4.3.3-4', () => {
    const { sc, a, b } = early(5);
    a.deliver({ topic: 't', payload: 'm' });
    b.deliver({ topic: 't', payload: 'm' });
    sc.end();
    expect(sc.byCode('protocol-violation').map((f) => f.extra['spec'])).toEqual(['MQTT-4.3.3-4']);
  });

  it('the early release is applied at the PUBREC: a subscriber that misses the message is reported', () => {
    const { sc, a, b } = early();
    a.deliver({ topic: 't', payload: 'm' });
    sc.end();
    const w = sc.byCode('withheld-delivery');
    expect(w.map((f) => f.conn)).toEqual([b.meta.id]);
    void a;
  });

  it('nobody gets it: undelivered-publish, as for a PUBREL in order', () => {
    const { sc } = early();
    sc.end();
    expect(sc.codes().sort()).toEqual(['protocol-violation', 'undelivered-publish']);
  });

  it('a PUBREC that rejects the message (MQTT 5, 0x87) still decides it as rejected, not as a drop', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a', { version: 5 }).login().sub(1, ['t']);
    const p = sc.client('p', { version: 5 }).login();
    p.publish({ topic: 't', payload: 'm', qos: 2, id: 3 });
    p.ack('PUBREL', 3, 'c2s');
    p.ack('PUBREC', 3, 's2c', 0x87);
    sc.end();
    expect(sc.codes().sort()).toEqual(['protocol-violation', 'publish-rejected']);
  });

  it('a PUBREL repeated before the PUBREC is one violation and a retransmission', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'm', qos: 2, id: 4 });
    p.ack('PUBREL', 4, 'c2s');
    p.ack('PUBREL', 4, 'c2s');
    p.ack('PUBREC', 4, 's2c');
    p.ack('PUBCOMP', 4, 's2c');
    a.deliver({ topic: 't', payload: 'm' });
    sc.end();
    expect(sc.codes()).toEqual(['protocol-violation']);
    expect(sc.analyzer.snapshot().flows.recent.at(-1)).toMatchObject({ state: 'complete', retransmissions: 1 });
  });

  it('the PUBREC never comes: the flow is cut short awaiting it, and the message is not judged', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'm', qos: 2, id: 5 });
    p.ack('PUBREL', 5, 'c2s');
    p.close();
    sc.end();
    expect(sc.codes().sort()).toEqual(['protocol-violation', 'qos-flow-incomplete']);
    expect(sc.byCode('qos-flow-incomplete')[0]!.extra['flows']).toMatchObject([{ packet_id: 5, state: 'awaiting-pubrec' }]);
  });
});

describe('PUBREL before PUBREC against a real mosquitto 2 (acl_file: b may not read t)', () => {
  const ACL = 'user ua\ntopic read t\nuser ub\ntopic write t\nuser up\ntopic write t\n';
  let tap: Tap | null = null;
  afterAll(async () => { await tap?.broker.close(); });

  it('mosquitto releases the message at the early PUBREL; the analysis says what the client did and judges the message', async () => {
    tap = await Tap.start(ACL, { deliveryWindowUs: 1_000_000, settleUs: 100_000 });
    const a = await tap.client('a', 'ua');
    const b = await tap.client('b', 'ub');
    const p = await tap.client('p', 'up');
    for (const x of [a, b]) {
      x.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 0 }] });
      await x.waitFor('suback');
    }
    // PUBLISH and PUBREL back to back: the tap sees the PUBREL before the PUBREC comes back.
    p.send({ cmd: 'publish', topic: 't', payload: Buffer.from('eager'), qos: 2, messageId: 9, retain: false, dup: false });
    p.send({ cmd: 'pubrel', messageId: 9 });
    await p.waitFor('pubcomp');
    await a.waitFor('publish');
    await sleep(300);
    // What mosquitto did: released it (a got it), answered PUBREC then PUBCOMP; b may not read t.
    expect(a.payloads()).toEqual(['eager']);
    expect(b.payloads()).toEqual([]);
    expect(p.got.map((x) => x.cmd)).toEqual(['connack', 'pubrec', 'pubcomp']);
    const findings = await tap.end(2000);
    tap = null;
    const pv = findings.filter((f) => f.code === 'protocol-violation');
    expect(pv.map((f) => f.extra['violation'])).toEqual(['pubrel-before-pubrec']);
    expect(pv[0]).toMatchObject({ conn: p.meta.id, extra: { packet_id: 9, spec: 'MQTT-4.3.3-1' } });
    // (b's SUBACK already got its info withheld-delivery, at_subscribe: the file lets ub read no topic 't' matches.)
    expect(findings.filter((f) => f.extra['at_subscribe'] === true).map((f) => f.conn)).toEqual([b.meta.id]);
    const d = findings.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.extra['at_subscribe'] !== true);
    expect(d.map((f) => [f.code, f.conn])).toEqual([['withheld-delivery', b.meta.id]]);
    expect(d[0]).toMatchObject({ extra: { acl_confirmed: true, acl_access: 'read', acl_allowed: false } });
  }, 20_000);
});
