// Who is owed a message is decided when the broker routes it. mosquitto and the bundled
// broker route a QoS 2 publish at its PUBREL, not at the PUBLISH (plain aedes on receipt): a subscriber that
// unsubscribed in between is not sent it, and one granted in between is. And a
// subscriber that unsubscribes just after a publish (within the settle time) may
// have had its UNSUBSCRIBE taken first, as one that closes then. Checked on records,
// against a real mosquitto and against the bundled broker.
import { afterAll, describe, expect, it } from 'vitest';
import { Scenario, summary } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

const drops = (sc: { findings: { code: string; severity: string }[] }) =>
  sc.findings.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.severity === 'warn');

/** a and b subscribe to 't'; p publishes QoS 2 with id 5 and gets its PUBREC. */
function qos2Setup(brokerKind: 'mosquitto' | 'aedes' | 'unknown' = 'mosquitto') {
  const sc = new Scenario({ brokerKind });
  const a = sc.client('a').login().sub(1, ['t']);
  const b = sc.client('b').login().sub(1, ['t']);
  const p = sc.client('p').login();
  p.publish({ topic: 't', payload: 'x', qos: 2, id: 5 });
  p.ack('PUBREC', 5, 's2c');
  return { sc, a, b, p };
}

describe('QoS 2: the route at PUBREL', () => {
  it('a subscriber that unsubscribed between PUBLISH and PUBREL is not owed the message (no withheld-delivery)', () => {
    const { sc, a, b, p } = qos2Setup();
    sc.wait(100);
    b.unsubscribe(2, ['t']);
    b.unsuback(2);
    sc.wait(1000);
    p.ack('PUBREL', 5, 'c2s');
    a.deliver({ topic: 't', payload: 'x' });
    p.ack('PUBCOMP', 5, 's2c');
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('the only subscriber unsubscribed between PUBLISH and PUBREL: no undelivered-publish', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const b = sc.client('b').login().sub(1, ['t/#']);
    const p = sc.client('p').login();
    p.publish({ topic: 't/1', payload: 'x', qos: 2, id: 5 });
    p.ack('PUBREC', 5, 's2c');
    sc.wait(50);
    b.unsubscribe(2, ['t/#']);
    b.unsuback(2);
    sc.wait(2000);
    p.ack('PUBREL', 5, 'c2s');
    p.ack('PUBCOMP', 5, 's2c');
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('one whose subscriptions stopped being known in full between PUBLISH and PUBREL is not expected either', () => {
    const { sc, a, b, p } = qos2Setup();
    sc.wait(100);
    // An UNSUBSCRIBE of 10,005 filters, 10,000 listed: 't' may be among the 5 others.
    sc.feed(b, 'c2s', summary(10, { flags: 2, packetId: 2, unsubscriptions: Array.from({ length: 10_000 }, (_, i) => `u/${i}`), filtersNotListed: 5 }));
    sc.wait(1000);
    p.ack('PUBREL', 5, 'c2s');
    a.deliver({ topic: 't', payload: 'x' });
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('still a withheld-delivery when the subscriber stayed subscribed through PUBREL', () => {
    const { sc, a, b, p } = qos2Setup();
    sc.wait(1000);
    p.ack('PUBREL', 5, 'c2s');
    a.deliver({ topic: 't', payload: 'x' });
    sc.end();
    expect(drops(sc).map((f) => [f.code, (f as { conn: string }).conn])).toEqual([['withheld-delivery', b.meta.id]]);
  });

  /** c subscribes between the PUBLISH and the PUBREL; a and b get the message, c does not. */
  function grantedInBetween(kind: 'mosquitto' | 'aedes' | 'unknown') {
    const { sc, a, b, p } = qos2Setup(kind);
    const c = sc.client('c').login();
    sc.wait(100);
    c.sub(1, ['t']);
    sc.wait(1000);
    p.ack('PUBREL', 5, 'c2s');
    a.deliver({ topic: 't', payload: 'x' });
    b.deliver({ topic: 't', payload: 'x' });
    sc.end();
    return { sc, c };
  }

  it('with mosquitto, a subscriber granted between PUBLISH and PUBREL is owed it: its loss is a withheld-delivery', () => {
    const { sc, c } = grantedInBetween('mosquitto');
    const d = drops(sc);
    expect(d.map((f) => [f.code, (f as { conn: string }).conn])).toEqual([['withheld-delivery', c.meta.id]]);
  });

  it('with mosquitto, a message nobody was subscribed to at its PUBLISH is owed to one granted before its PUBREL', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'x', qos: 2, id: 5 });
    p.ack('PUBREC', 5, 's2c');
    const c = sc.client('c').login();
    sc.wait(100);
    c.sub(1, ['t']);
    sc.wait(1000);
    p.ack('PUBREL', 5, 'c2s');
    p.ack('PUBCOMP', 5, 's2c');
    sc.wait(2000);
    sc.end();
    expect(drops(sc).map((f) => [f.code, f.severity])).toEqual([['undelivered-publish', 'warn']]);
  });

  it('with mosquitto, a QoS 2 message with nobody subscribed at PUBLISH or PUBREL gives nothing, and is let go at PUBREL', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'x', qos: 2, id: 5 });
    p.ack('PUBREC', 5, 's2c');
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(1);
    p.ack('PUBREL', 5, 'c2s');
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    sc.wait(2000);
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('with an unknown broker, one granted in between is not expected (plain aedes routes on receipt)', () => {
    expect(drops(grantedInBetween('unknown').sc)).toEqual([]);
  });

  it('with the bundled broker (aedes), one granted in between is owed it too: it routes at the PUBREL as mosquitto does', () => {
    const { sc, c } = grantedInBetween('aedes');
    expect(drops(sc).map((f) => [f.code, (f as { conn: string }).conn])).toEqual([['withheld-delivery', c.meta.id]]);
  });

  it('a delivery before the PUBREL (a broker that routes on receipt) still counts after it', () => {
    const { sc, a, b, p } = qos2Setup('unknown');
    a.deliver({ topic: 't', payload: 'x' });
    sc.wait(100);
    a.unsubscribe(2, ['t']);
    b.deliver({ topic: 't', payload: 'x' });
    sc.wait(1000);
    p.ack('PUBREL', 5, 'c2s');
    sc.end();
    expect(drops(sc)).toEqual([]);
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
  });
});

describe('an UNSUBSCRIBE right after a publish', () => {
  it('within the settle time: the broker may have taken it first, no withheld-delivery', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    const b = sc.client('b').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'x' });
    sc.wait(1);
    b.unsubscribe(2, ['t']);
    a.deliver({ topic: 't', payload: 'x' });
    b.unsuback(2);
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('past the settle time it is still a withheld-delivery, and so is one with another matching filter kept', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    const b = sc.client('b').login().sub(1, ['t']);
    const c = sc.client('c').login().sub(1, ['t', '#']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    sc.wait(1);
    c.unsubscribe(2, ['t']);
    sc.wait(400);
    b.unsubscribe(2, ['t']);
    sc.end();
    expect(drops(sc).map((f) => (f as { conn: string }).conn).sort()).toEqual([b.meta.id, c.meta.id].sort());
  });

  it('unsubscribed and subscribed again within the settle time: excused (the message may have fallen between)', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    const b = sc.client('b').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    sc.wait(1);
    b.unsubscribe(2, ['t']);
    b.sub(3, ['t']);
    sc.end();
    expect(drops(sc)).toEqual([]);
  });
});

const REAL_BROKERS: Array<[string, typeof Tap.start]> = [
  ['a real mosquitto 2', (acl, opts) => Tap.start(acl, opts)],
  ['the bundled broker (broker kind aedes)', (acl, opts) => Tap.startBundled(acl, opts)],
];

describe.each(REAL_BROKERS)('against %s (acl_file: c may not read t)', (_name, start) => {
  const ACL = 'user ua\ntopic read t\nuser ub\ntopic read t\nuser uc\ntopic write t\nuser up\ntopic write t\n';
  let tap: Tap | null = null;
  afterAll(async () => { await tap?.broker.close(); });

  it('QoS 2: b unsubscribes and c subscribes between PUBLISH and PUBREL; the broker routes at PUBREL, and the findings say so', async () => {
    tap = await start(ACL, { deliveryWindowUs: 1_000_000, settleUs: 100_000 });
    const a = await tap.client('a', 'ua');
    const b = await tap.client('b', 'ub');
    const c = await tap.client('c', 'uc');
    const p = await tap.client('p', 'up');
    for (const x of [a, b]) {
      x.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 0 }] });
      await x.waitFor('suback');
    }
    p.send({ cmd: 'publish', topic: 't', payload: Buffer.from('late'), qos: 2, messageId: 5, retain: false, dup: false });
    await p.waitFor('pubrec');
    b.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['t'] });
    await b.waitFor('unsuback');
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 0 }] });
    await c.waitFor('suback');
    await sleep(300); // past the settle time
    p.send({ cmd: 'pubrel', messageId: 5 });
    await p.waitFor('pubcomp');
    await sleep(300);
    // What the broker did: a got it, b (unsubscribed before the PUBREL) did not, c (denied read) did not.
    expect(a.payloads()).toEqual(['late']);
    expect(b.payloads()).toEqual([]);
    expect(c.payloads()).toEqual([]);
    const findings = await tap.end(2000);
    tap = null;
    const d = drops({ findings });
    // No withheld-delivery for b; one for c, confirmed by the acl_file's rules for uc.
    expect(d.map((f) => f.code)).toEqual(['withheld-delivery']);
    expect(d[0]).toMatchObject({ conn: c.meta.id, clientId: 'c', topic: 't', extra: { acl_confirmed: true, acl_access: 'read', acl_allowed: false } });
    expect(d[0]!.text).toContain('The acl_file confirms a denied read');
  }, 20_000);
});

describe('QoS 2 at PUBREL, cost', () => {
  it('a route unchanged since the PUBLISH keeps the expectations it had (none rebuilt per message)', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    sc.client('b').login().sub(1, ['t/#', 't']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'q2', qos: 2, id: 3 });
    p.ack('PUBREC', 3, 's2c');
    type P = { expectations: unknown[]; done: boolean };
    const heap = (sc.analyzer as unknown as { delivery: { heap: { entries(): Iterable<P> } } }).delivery.heap;
    const [pending] = [...heap.entries()];
    const before = pending!.expectations;
    expect(before.length).toBe(2);
    p.ack('PUBREL', 3, 'c2s');
    expect(pending!.done).toBe(false);
    expect(pending!.expectations).toBe(before);
    a.deliver({ topic: 't', payload: 'q2', qos: 1, id: 1 });
    sc.end();
    // b never got it: still owed, and reported.
    expect(sc.findings.filter((f) => f.code === 'withheld-delivery').map((f) => (f as { conn: string }).conn)).toHaveLength(1);
  });
});

