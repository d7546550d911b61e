// A client may send packets right after its CONNECT, without waiting for the CONNACK
// [MQTT-3.1.4-5]; the broker processes them once it accepted the CONNECT, and must
// not if it refused it. Publishes sent so are checked for delivery like any other:
// a denied write pipelined behind the CONNECT was never reported.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

const drops = (findings: { code: string; severity: string }[]) =>
  findings.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.severity === 'warn');

describe('publishes sent before the CONNACK', () => {
  it('accepted CONNECT: an undelivered QoS 0 and QoS 1 publish are undelivered-publish findings', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('admin').login().sub(1, ['#']);
    const p = sc.client('p');
    p.connect();
    p.publish({ topic: 'b/x', payload: 'zero' });
    p.publish({ topic: 'b/x', payload: 'one', qos: 1, id: 1 });
    p.connack(0);
    p.puback(1);
    sc.end();
    expect(drops(sc.findings).map((f) => [f.code, (f as { conn: string }).conn])).toEqual([
      ['undelivered-publish', p.meta.id], ['undelivered-publish', p.meta.id],
    ]);
  });

  it('a delivery after the CONNACK meets it: no finding', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const admin = sc.client('admin').login().sub(1, ['#']);
    const p = sc.client('p');
    p.connect();
    p.publish({ topic: 'b/x', payload: 'zero' });
    p.connack(0);
    admin.deliver({ topic: 'b/x', payload: 'zero' });
    sc.end();
    expect(drops(sc.findings)).toEqual([]);
  });

  it('refused CONNECT, or no CONNACK before the close: the broker does not process them, no finding', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('admin').login().sub(1, ['#']);
    const r = sc.client('r');
    r.connect();
    r.publish({ topic: 'b/x', payload: 'zero' });
    r.connack(5);
    r.close();
    const q = sc.client('q');
    q.connect();
    q.publish({ topic: 'b/y', payload: 'zero' });
    q.close();
    sc.end();
    expect(drops(sc.findings)).toEqual([]);
  });

  it('one of a refused or unanswered CONNECT does not take the delivery of the same payload published by another client', () => {
    for (const refuse of [true, false]) {
      const sc = new Scenario({ brokerKind: 'mosquitto' });
      const s = sc.client('s').login().sub(1, ['t']);
      const r = sc.client('r');
      r.connect();
      r.publish({ topic: 't', payload: 'on' }); // never processed: the broker refuses (or drops) the connection
      if (refuse) r.connack(5);
      r.close();
      const b = sc.client('b').login();
      b.publish({ topic: 't', payload: 'on' });
      s.deliver({ topic: 't', payload: 'on' }); // b's message
      sc.end();
      expect(drops(sc.findings)).toEqual([]);
    }
  });

  it('against a real mosquitto 2 with an acl_file: a denied write pipelined behind the CONNECT is reported and confirmed', async () => {
    const acl = 'user admin\ntopic readwrite #\n\nuser u1\ntopic readwrite a/#\n';
    const tap = await Tap.start(acl, { deliveryWindowUs: 1_000_000, settleUs: 100_000 });
    try {
      const admin = await tap.client('admin', 'admin');
      admin.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 1 }] });
      await admin.waitFor('suback');
      const pub = (topic: string, payload: string, qos: 0 | 1, id?: number): Record<string, unknown> =>
        ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false, ...(id ? { messageId: id } : {}) });
      const u1 = await tap.client('u1', 'u1', 4, [pub('a/ok', 'allowed', 0), pub('b/x', 'denied', 1, 7)]);
      await u1.waitFor('puback');
      await sleep(300);
      // mosquitto processed both: the allowed one reached admin, the denied one was acknowledged and dropped.
      expect(admin.payloads()).toEqual(['allowed']);
      const findings = await tap.end(2000);
      const d = drops(findings);
      expect(d.map((f) => f.code)).toEqual(['undelivered-publish']);
      expect(d[0]).toMatchObject({ clientId: 'u1', topic: 'b/x', extra: { acl_confirmed: true, acl_write_allowed: false, packet_id: 7 } });
      expect(d[0]!.text).toContain('The acl_file confirms a denied write');
    } finally {
      await tap.broker.close();
    }
  }, 20_000);
});
