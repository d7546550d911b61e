// A QoS 2 message whose publisher lost its connection after the broker's PUBREC, on a
// persistent session: the broker keeps the message in the session and routes it when
// the client resumes the session and re-sends its PUBREL [MQTT-4.4.0-1]. Its delivery
// is judged from that PUBREL, as for a PUBREL on the same connection. Checked on
// records and against a real mosquitto 2 with an acl_file.
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PARKED_MESSAGES } from '../../src/analysis/delivery.js';
import { Scenario } from './helpers.js';
import { resumedPubrel, sleep, Tap } from './mosquitto-tap.js';

const drops = (sc: { findings: { code: string; severity: string }[] }) =>
  sc.findings.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.severity === 'warn');

/** a subscribes to 't'; p (persistent session 'pub') publishes QoS 2 id 5, gets its PUBREC, and loses its connection. */
function cut(brokerKind: 'mosquitto' | 'aedes' = 'mosquitto') {
  const sc = new Scenario({ brokerKind });
  const a = sc.client('a').login().sub(1, [{ filter: 't', qos: 2 }]);
  const p = sc.client('p').login({ clientId: 'pub', clean: false });
  p.publish({ topic: 't', payload: 'kept', qos: 2, id: 5 });
  p.ack('PUBREC', 5, 's2c');
  sc.wait(5);
  p.close('reset');
  return { sc, a, p };
}

/** The publisher comes back `afterMs` later, resumes its session and re-sends PUBREL 5. */
function resume(sc: Scenario, afterMs: number, sessionPresent = true, clean = false) {
  sc.wait(afterMs);
  const p2 = sc.client('p2');
  p2.connect({ clientId: 'pub', clean });
  p2.connack(0, { sessionPresent });
  p2.ack('PUBREL', 5, 'c2s');
  p2.ack('PUBCOMP', 5, 's2c');
  return p2;
}

describe('QoS 2 released by a PUBREL re-sent on a resumed session', () => {
  it('the message is never delivered: undelivered-publish, on the resumed connection', () => {
    const { sc, p } = cut();
    // Long after the first connection's delivery window (10 s by default).
    const p2 = resume(sc, 60_000);
    sc.end();
    const d = drops(sc);
    expect(d.map((f) => f.code)).toEqual(['undelivered-publish']);
    expect(d[0]).toMatchObject({ topic: 't', conn: p2.meta.id, extra: { published_on_conn: p.meta.id } });
  });

  it('the message is delivered after the re-sent PUBREL: no finding', () => {
    const { sc, a } = cut();
    resume(sc, 60_000);
    a.deliver({ topic: 't', payload: 'kept', qos: 2, id: 1 });
    a.ack('PUBREC', 1, 'c2s');
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('a subscriber granted while the publisher was away is owed the message (mosquitto routes it at the PUBREL)', () => {
    const { sc, a } = cut();
    sc.wait(1000);
    const b = sc.client('b').login().sub(1, [{ filter: 't', qos: 2 }]);
    resume(sc, 1000);
    a.deliver({ topic: 't', payload: 'kept', qos: 2, id: 1 });
    sc.end();
    const d = drops(sc);
    expect(d.map((f) => f.code)).toEqual(['withheld-delivery']);
    expect(JSON.stringify(d[0])).toContain(b.meta.id);
  });

  it('without session present, or with a clean session, the broker discarded the message: nothing is judged', () => {
    for (const [present, clean] of [[false, false], [false, true]] as const) {
      const { sc } = cut();
      resume(sc, 1000, present, clean);
      sc.end();
      expect(drops(sc)).toEqual([]);
    }
  });

  it('a publisher that never comes back: nothing is judged (the message was never released)', () => {
    const { sc } = cut();
    sc.end(120_000);
    expect(drops(sc)).toEqual([]);
  });

  it('a take-over: the older connection is still open when the new one re-sends the PUBREL', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, [{ filter: 't', qos: 2 }]);
    const p = sc.client('p').login({ clientId: 'pub', clean: false });
    p.publish({ topic: 't', payload: 'kept', qos: 2, id: 5 });
    p.ack('PUBREC', 5, 's2c');
    sc.wait(5);
    const p2 = sc.client('p2');
    p2.connect({ clientId: 'pub', clean: false });
    p2.connack(0, { sessionPresent: true });
    p2.ack('PUBREL', 5, 'c2s');
    p2.ack('PUBCOMP', 5, 's2c');
    p.close();
    sc.end();
    const d = drops(sc);
    expect(d.map((f) => f.code)).toEqual(['undelivered-publish']);
    expect(d[0]).toMatchObject({ conn: p2.meta.id });
  });

  it('parked messages are bounded: past the cap the oldest are let go undecided', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, [{ filter: 't', qos: 2 }]);
    const n = MAX_PARKED_MESSAGES + 5;
    for (let i = 0; i < n; i++) {
      const p = sc.client(`p${i}`).login({ clientId: `pub${i}`, clean: false });
      p.publish({ topic: 't', payload: `m${i}`, qos: 2, id: 1 });
      p.ack('PUBREC', 1, 's2c');
      p.close('reset');
    }
    const delivery = (sc.analyzer as unknown as { delivery: { parkedMessages: number } }).delivery;
    expect(delivery.parkedMessages).toBe(MAX_PARKED_MESSAGES);
    // pub0 was let go: its re-sent PUBREL is judged no more. pub5 is still kept.
    for (const i of [0, 5]) {
      const c = sc.client(`r${i}`);
      c.connect({ clientId: `pub${i}`, clean: false });
      c.connack(0, { sessionPresent: true });
      c.ack('PUBREL', 1, 'c2s');
    }
    sc.end();
    expect(drops(sc).map((f) => f.code)).toEqual(['undelivered-publish']);
    expect(delivery.parkedMessages).toBe(MAX_PARKED_MESSAGES - 1);
  }, 60_000);
});

describe('against a real mosquitto 2 with an acl_file', () => {
  let tap: Tap | null = null;
  afterAll(async () => { await tap?.broker.close(); });

  it('a resumed publisher re-sends PUBREL for a topic its subscriber may not read: mosquitto answers PUBCOMP and delivers nothing; mqttscope says so', async () => {
    tap = await Tap.start('user us\ntopic readwrite other/#\n\nuser up\ntopic readwrite #\n');
    const { s, p, p2 } = await resumedPubrel(tap, 2);
    await sleep(300);
    expect(s.got.filter((x) => x.cmd === 'publish')).toEqual([]);
    const findings = await tap.end(12_000);
    tap = null;
    // (Plus the info finding at the SUBACK: the grant can never deliver anything.)
    const d = findings.filter((f) => (f.code === 'undelivered-publish' || f.code === 'withheld-delivery') && f.severity === 'warn');
    expect(d.map((f) => [f.code, f.conn, f.topic, f.extra['published_on_conn']])).toEqual([['undelivered-publish', p2.meta.id, 't', p.meta.id]]);
    expect(d[0]!.text).toContain(`released by the PUBREL re-sent when the session resumed on ${p2.meta.id}`);
    expect(d[0]!.text).toContain('denies the read of every matching subscriber');
    expect(d[0]!.extra['acl_line']).toBe(null);
  }, 30_000);
});

describe('parking over a long run', () => {
  it('sessions that park and resume again and again do not grow the parking order list', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, [{ filter: 't', qos: 2 }]);
    for (let i = 0; i < 5000; i++) {
      const p = sc.client(`p${i}`).login({ clientId: 'pub', clean: false });
      p.publish({ topic: 't', payload: `m${i}`, qos: 2, id: 1 });
      p.ack('PUBREC', 1, 's2c');
      p.close('reset');
      const r = sc.client(`r${i}`);
      r.connect({ clientId: 'pub', clean: false });
      r.connack(0, { sessionPresent: true });
      r.ack('PUBREL', 1, 'c2s');
      r.ack('PUBCOMP', 1, 's2c');
      r.close();
    }
    const delivery = (sc.analyzer as unknown as { delivery: { parkedMessages: number; parkedOrder: unknown[]; parkedHead: number } }).delivery;
    expect(delivery.parkedMessages).toBe(0);
    expect(delivery.parkedOrder.length - delivery.parkedHead).toBeLessThanOrEqual(1025);
  }, 60_000);
});
