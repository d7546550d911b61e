// What a granted subscription is owed from its SUBACK on: with --acl, a filter the
// acl_file never lets deliver on is said to be one at once (withheld-delivery,
// at_subscribe, info); a retained message its filter matches that never arrives
// is a withheld-delivery (retained), naming the rule when --acl was given. Real
// bytes through the Engine and the Analyzer.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Harness } from './engine-harness.js';

const TUTORIAL = parseAclFile('pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n', 'acl.txt');
const OWN1 = 'colombia/cundinamarca/cajica/user1';
const SITE = parseAclFile('user admin\ntopic readwrite #\n\nuser alice\ntopic read b/pub/#\n', 'site.acl');

describe('a subscription the acl_file never delivers on is reported at its SUBACK', () => {
  it('user2 granted user1\'s topic: one info finding at once, naming the rule', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    const u2 = h.conn().login('user2-sub', 'user2');
    const sub = u2.subscribe(1, OWN1);
    const ack = u2.suback(1);
    // Before any message and before the end of input.
    expect(h.findings).toHaveLength(1);
    const f = h.findings[0]!;
    expect(f).toMatchObject({
      code: 'withheld-delivery', severity: 'info', conn: u2.meta.id, clientId: 'user2-sub', username: 'user2', topic: OWN1,
      frames: [sub.frame, ack.frame],
      extra: {
        at_subscribe: true, filter: OWN1, granted_qos: 0, acl_confirmed: true,
        subscriber: { client_id: 'user2-sub', username: 'user2', filter: OWN1 },
        acl_file: 'acl.txt', acl_access: 'read', acl_allowed: false, acl_decision: 'no-rule', acl_line: null,
        acl_rules: [{ line: 1, rule: 'pattern readwrite +/+/+/%u', section: 'pattern' }],
      },
    });
    expect(f.text).toBe(`mosquitto granted user2-sub the subscription '${OWN1}' (granted QoS 0), but the acl_file lets user2 read no topic that matches it: `
      + 'nothing will ever be delivered on it, and mosquitto will not say so. '
      + `Read DENIED for user2 on every topic that matches '${OWN1}': no rule grants read on any of them (acl.txt line 1: pattern readwrite +/+/+/%u becomes +/+/+/user2: no topic matches both it and ${OWN1}).`);
    expect(sub.findings).toEqual(['withheld-delivery']);
    expect(ack.findings).toEqual(['withheld-delivery']);
  });

  it('once per connection and filter; another connection is told again', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    const a = h.conn().login('user2-a', 'user2').sub(1, OWN1);
    a.sub(2, OWN1);
    a.sub(3, 'x/y/z/user1');
    h.conn().login('user2-b', 'user2').sub(1, OWN1);
    expect(h.findings.map((f) => [f.clientId, f.topic])).toEqual([['user2-a', OWN1], ['user2-a', 'x/y/z/user1'], ['user2-b', OWN1]]);
  });

  it('filters that can deliver something give nothing', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    h.conn().login('admin-sub', 'admin').sub(1, '#');
    h.conn().login('u1', 'user1').sub(1, '#').sub(2, '+/+/+/user1').sub(3, OWN1);
    h.conn().login('u2', 'user2').sub(1, 'colombia/#');
    expect(h.findings).toEqual([]);
  });

  it('a deny line of the client\'s own list that covers the filter is the acl_line', () => {
    const acl = parseAclFile('user bob\ntopic readwrite t/#\ntopic deny t/secret/#\n', 'bob.acl');
    const h = new Harness({ brokerKind: 'mosquitto', acl });
    h.conn(5).login('bob-1', 'bob').sub(1, 't/secret/+');
    const [f] = h.findings;
    expect(f!.extra).toMatchObject({ at_subscribe: true, acl_decision: 'rule', acl_line: 3, acl_rule: 'topic deny t/secret/#', acl_section: 'user bob' });
    expect(f!.text).toContain("Read DENIED for bob on every topic that matches 't/secret/+': bob.acl line 3 (topic deny t/secret/#) denies all of them, before any grant is looked at.");
  });

  it('a refused subscription, and no --acl, give nothing at SUBACK', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    const c = h.conn(5).login('user2-sub', 'user2');
    c.subscribe(1, OWN1);
    c.suback(1, 0x87);
    expect(h.findings.map((f) => f.code)).toEqual(['subscribe-rejected']);
    const n = new Harness({ brokerKind: 'mosquitto' });
    n.conn().login('user2-sub', 'user2').sub(1, OWN1);
    expect(n.findings).toEqual([]);
  });
});

describe('a retained message withheld at SUBSCRIBE time', () => {
  /** admin publishes a retained message on b/ret; alice (who may read only b/pub/#) subscribes b/#. */
  function scenario(o: { acl?: boolean; aliceGets?: boolean; adminSubscribes?: boolean } = {}) {
    const h = new Harness({ brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000, ...(o.acl !== false ? { acl: SITE } : {}) });
    const admin = h.conn().login('admin-pub', 'admin');
    const ret = admin.publish({ topic: 'b/ret', payload: 'kept', retain: true });
    h.wait(50);
    if (o.adminSubscribes) {
      const adminSub = h.conn().login('admin-sub', 'admin').sub(1, 'b/#');
      adminSub.deliver({ topic: 'b/ret', payload: 'kept', retain: true });
      h.wait(50);
    }
    const alice = h.conn().login('alice-sub', 'alice');
    const sub = alice.subscribe(1, 'b/#');
    const ack = alice.suback(1);
    if (o.aliceGets) alice.deliver({ topic: 'b/ret', payload: 'kept', retain: true });
    h.wait(2000);
    h.tick();
    return { h, ret, sub, ack, alice };
  }

  it('with --acl: reported when the window closes, naming the rule that leaves the read denied', () => {
    const { h, ret, sub, ack, alice } = scenario();
    expect(h.findings).toHaveLength(1); // decided at the tick after the 1 s window, before the end
    const f = h.findings[0]!;
    expect(f).toMatchObject({
      code: 'withheld-delivery', severity: 'warn', conn: alice.meta.id, clientId: 'alice-sub', username: 'alice', topic: 'b/ret',
      frames: [ret.frame, sub.frame, ack.frame],
      extra: {
        retained: true, filter: 'b/#', acl_confirmed: true, publisher: { client_id: 'admin-pub', username: 'admin' },
        subscriber: { client_id: 'alice-sub', username: 'alice', filter: 'b/#' },
        retained_topics: [{ topic: 'b/ret', frame: ret.frame, payload_length: 4, acl_allowed: false, acl_line: null }],
        acl_file: 'site.acl', acl_access: 'read', acl_allowed: false, acl_decision: 'no-rule',
        acl_rules: [{ line: 5, rule: 'topic read b/pub/#', section: 'user alice' }],
      },
    });
    expect(f.text).toBe(`mosquitto granted alice-sub the subscription 'b/#' but did not send it the retained message on 'b/ret' (published by admin-pub, frame ${ret.frame}) within 1.0 s of the SUBACK. `
      + "The acl_file confirms a denied read: read DENIED for alice on 'b/ret': no rule grants it (site.acl line 5: topic read b/pub/# in section 'user alice' does not match: level 2 is 'pub' and b/ret has 'ret' there).");
    expect(h.end()).toHaveLength(1);
  });

  it('the retained copy arrived: nothing', () => {
    expect(scenario({ aliceGets: true }).h.end()).toEqual([]);
  });

  it('the retained copy came after the window: a late follow-up (info, late: true) says the ACL reading does not hold', () => {
    const { h, ret, alice } = scenario({ acl: false, adminSubscribes: true });
    expect(h.findings).toHaveLength(1);
    const late = alice.deliver({ topic: 'b/ret', payload: 'kept', retain: true });
    expect(h.findings).toHaveLength(2);
    const f = h.findings[1]!;
    expect(f).toMatchObject({
      code: 'withheld-delivery', severity: 'info', conn: alice.meta.id, clientId: 'alice-sub', topic: 'b/ret', frames: [ret.frame, late.frame],
      extra: { late: true, retained: true, reported_frame: ret.frame, filter: 'b/#', subscriber: { client_id: 'alice-sub', filter: 'b/#' } },
    });
    expect(f.text).toMatch(new RegExp(`^Late, not withheld: mosquitto sent alice-sub the retained message on 'b/ret' \\(published in frame ${ret.frame}\\) after all, in frame ${late.frame}, for the subscription 'b/#'\\. `));
    expect(f.text).toContain("so that finding's ACL reading does not hold for alice-sub");
    // Said once: another copy is not late again.
    alice.deliver({ topic: 'b/ret', payload: 'kept', retain: true });
    expect(h.end()).toHaveLength(2);
  });

  it('a late follow-up is not looked for once the subscriber closed', () => {
    const { h, alice } = scenario({ acl: false, adminSubscribes: true });
    alice.close('fin', 'c2s');
    expect(Reflect.get(Reflect.get(h.analyzer, 'grants'), 'reported')).toBe(0);
    expect(h.end()).toHaveLength(1);
  });

  it('without --acl: reported only once another subscriber was sent the retained message', () => {
    const f = scenario({ acl: false, adminSubscribes: true }).h.end();
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'withheld-delivery', clientId: 'alice-sub', topic: 'b/ret', extra: { retained: true } });
    expect(f[0]!.extra['acl_file']).toBeUndefined();
    expect(f[0]!.text).toContain("It was delivered to other subscribers, so the broker holds it; with an acl_file this is a denied read for alice");
    // Nobody was ever sent it: a write the broker dropped is not retained either, so nothing to say.
    expect(scenario({ acl: false }).h.end()).toEqual([]);
  });

  it('a write the acl_file denies was never retained: nothing', () => {
    const acl = parseAclFile('user admin\ntopic read #\n\nuser alice\ntopic read b/pub/#\n', 'ro.acl');
    const h = new Harness({ brokerKind: 'mosquitto', acl, deliveryWindowUs: 1_000_000 });
    h.conn().login('admin-pub', 'admin').publish({ topic: 'b/ret', payload: 'kept', retain: true });
    h.conn().login('alice-sub', 'alice').sub(1, 'b/#');
    expect(h.end().filter((f) => f.extra['retained'])).toEqual([]);
  });

  it('MQTT 5 Retain Handling 2, 1 on an existing subscription, a shared subscription: nothing; 1 on a new one: reported', () => {
    const run = (subs: (c: ReturnType<Harness['conn']>) => void) => {
      const h = new Harness({ brokerKind: 'mosquitto', acl: SITE, deliveryWindowUs: 1_000_000 });
      h.conn().login('admin-pub', 'admin').publish({ topic: 'b/ret', payload: 'kept', retain: true });
      subs(h.conn(5).login('alice-sub', 'alice'));
      return h.end().filter((f) => f.extra['retained']);
    };
    expect(run((c) => c.sub(1, 'b/#', { rh: 2 }))).toEqual([]);
    expect(run((c) => c.sub(1, '$share/g/b/#'))).toEqual([]);
    expect(run((c) => c.sub(1, 'b/#', { rh: 1 }))).toHaveLength(1);
    // The first SUBSCRIBE (rh 2) gets nothing by design; the second (rh 1) finds it existing.
    expect(run((c) => { c.sub(1, 'b/#', { rh: 2 }); c.sub(2, 'b/#', { rh: 1 }); })).toEqual([]);
  });

  it('excused: cleared meanwhile, subscriber gone within the settle time, a gap, a copy before the SUBACK', () => {
    const base = () => {
      const h = new Harness({ brokerKind: 'mosquitto', acl: SITE, deliveryWindowUs: 1_000_000 });
      const admin = h.conn().login('admin-pub', 'admin');
      admin.publish({ topic: 'b/ret', payload: 'kept', retain: true });
      const alice = h.conn().login('alice-sub', 'alice');
      return { h, admin, alice };
    };
    let t = base();
    t.alice.sub(1, 'b/#');
    t.admin.publish({ topic: 'b/ret', payload: '', retain: true }); // cleared (and that publish reaches nobody: undelivered-publish)
    expect(t.h.end().map((f) => f.code)).toEqual(['undelivered-publish']);
    t = base();
    t.alice.sub(1, 'b/#');
    t.h.wait(100);
    t.alice.disconnect();
    t.alice.close();
    expect(t.h.end()).toEqual([]);
    t = base();
    t.alice.sub(1, 'b/#');
    t.h.engine.gap(t.alice.meta.id, 's2c', t.h.time, 0);
    expect(t.h.end().filter((f) => f.code === 'withheld-delivery')).toEqual([]);
    t = base();
    t.alice.subscribe(1, 'b/#');
    t.alice.deliver({ topic: 'b/ret', payload: 'kept', retain: true });
    t.alice.suback(1);
    expect(t.h.end()).toEqual([]);
  });

  it('a retained publish the broker rejected (MQTT 5, 0x87) leaves the one before it retained', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const p = h.conn(5).login('p', 'admin');
    p.publish({ topic: 'r', payload: 'first', retain: true, qos: 1, id: 1 });
    p.puback(1, 0);
    p.publish({ topic: 'r', payload: 'second', retain: true, qos: 1, id: 2 });
    p.puback(2, 0x87);
    const t = h.analyzer.snapshot().topics.find((x) => x.topic === 'r')!;
    expect(t.retained).toMatchObject({ preview: 'first', length: 5 });
  });
});

describe('bounds of the retained-at-SUBSCRIBE watch', () => {
  it('a session subscribing over and over has at most 16 windows open; the rest are counted', () => {
    const h = new Harness({ brokerKind: 'mosquitto', deliveryWindowUs: 5_000_000, acl: SITE });
    const admin = h.conn().login('admin-pub', 'admin');
    admin.publish({ topic: 'b/ret', payload: 'kept', retain: true });
    h.wait(50);
    const alice = h.conn().login('alice-sub', 'alice');
    for (let i = 1; i <= 40; i++) alice.sub(i, `b/#`, { qos: i % 2 });
    const grants = Reflect.get(h.analyzer, 'grants');
    expect(grants.waiting).toBe(16);
    expect(h.analyzer.snapshot().untrackedRetainedGrants).toBe(24);
  });

  it('retained copies seen before a SUBACK that never comes are held weakly, by session (closed sessions are not kept)', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    for (let i = 0; i < 50; i++) {
      const c = h.conn().login(`early-${i}`, 'u');
      c.subscribe(1, 'a/#');
      c.deliver({ topic: 'a/r', payload: 'x', retain: true }); // a retained copy before the SUBACK
      c.close(); // no SUBACK
    }
    // A Map here kept all 50 closed sessions (and their subscriptions) for good.
    expect(Reflect.get(Reflect.get(h.analyzer, 'grants'), 'early')).toBeInstanceOf(WeakMap);
  });
});
