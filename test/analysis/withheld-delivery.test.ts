import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';

describe('withheld-delivery', () => {
  it('one subscriber got it, another did not', () => {
    const sc = new Scenario();
    const a = sc.client('a').login().sub(1, ['t/#']);
    const b = sc.client('b').login({ username: 'bob' }).sub(1, ['t/+']);
    const p = sc.client('p').login().publish({ topic: 't/1', payload: 'x' });
    const d = a.deliver({ topic: 't/1', payload: 'x' });
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'withheld-delivery', conn: b.meta.id, clientId: 'b', username: 'bob', frames: [p.frame, d.frame] });
    expect(f!.text).toBe("The broker delivered this QoS 0 publish from p on 't/1' to a but not to b (filter 't/+'); with a mosquitto acl_file this is a denied read.");
    expect(p.findings).toEqual(['withheld-delivery']);
    expect(d.findings).toEqual(['withheld-delivery']);
  });

  it('not a read denial when the subscriber received other messages on the topic', () => {
    const sc = new Scenario();
    const a = sc.client('a').login().sub(1, ['t/#']);
    const b = sc.client('b').login({ username: 'bob' }).sub(1, ['t/+']);
    const pub = sc.client('p').login();
    pub.publish({ topic: 't/1', payload: 'x' });
    a.deliver({ topic: 't/1', payload: 'x' });
    b.deliver({ topic: 't/1', payload: 'x' });
    pub.publish({ topic: 't/1', payload: 'y' });
    a.deliver({ topic: 't/1', payload: 'y' }); // bob stopped reading
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'withheld-delivery', username: 'bob' });
    expect(f!.text).toBe("The broker delivered this QoS 0 publish from p on 't/1' to a but not to b (filter 't/+'); this is not a read denial: b received other messages on this topic, and an acl_file decides by user and topic. The broker dropped or held back this one for it: a subscriber that stopped reading (its queue at the broker full), or a delivery later than the window (--delivery-window).");
    expect(f!.extra['received_others']).toBe(true);
  });

  it('one finding per missing subscriber', () => {
    const sc = new Scenario();
    const a = sc.client('a').login().sub(1, ['#']);
    sc.client('b').login().sub(1, ['#']);
    sc.client('c').login().sub(1, ['#']);
    sc.client('p').login().publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    expect(sc.end().map((f) => f.clientId)).toEqual(['b', 'c']);
  });

  it('shared subscription: exactly one member of the group is enough', () => {
    const sc = new Scenario();
    const m1 = sc.client('m1', { version: 5 }).login().sub(1, ['$share/g/jobs/#']);
    sc.client('m2', { version: 5 }).login().sub(1, ['$share/g/jobs/#']);
    const p = sc.client('p').login();
    p.publish({ topic: 'jobs/1', payload: 'a' });
    p.publish({ topic: 'jobs/2', payload: 'b' });
    m1.deliver({ topic: 'jobs/1', payload: 'a' });
    const m2 = sc.analyzer.snapshot().sessions.find((s) => s.clientId === 'm2');
    expect(m2?.subscriptions[0]).toMatchObject({ filter: '$share/g/jobs/#', shareGroup: 'g' });
    // jobs/2 reached no member, and the group is the only subscriber.
    const codes = sc.end().map((f) => f.code);
    expect(codes).toEqual(['undelivered-publish']);
    expect(sc.findings[0]!.topic).toBe('jobs/2');
    expect(sc.findings[0]!.text).toContain("shared group 'g': '$share/g/jobs/#'");
  });

  it('shared group missed while a normal subscriber got it', () => {
    const sc = new Scenario();
    sc.client('m1', { version: 5 }).login().sub(1, ['$share/g/jobs/#']);
    const w = sc.client('w').login().sub(1, ['jobs/#']);
    sc.client('p').login().publish({ topic: 'jobs/1', payload: 'a' });
    w.deliver({ topic: 'jobs/1', payload: 'a' });
    const [f] = sc.end();
    expect(f).toMatchObject({ code: 'withheld-delivery', extra: { subscriber: { share_group: 'g', members: ['m1'] } } });
  });

  it('shared group served by the second member: nothing', () => {
    const sc = new Scenario();
    sc.client('m1').login().sub(1, ['$share/g/jobs/#']);
    const m2 = sc.client('m2').login().sub(1, ['$share/g/jobs/#']);
    const w = sc.client('w').login().sub(1, ['jobs/#']);
    sc.client('p').login().publish({ topic: 'jobs/1', payload: 'a' });
    m2.deliver({ topic: 'jobs/1', payload: 'a' });
    w.deliver({ topic: 'jobs/1', payload: 'a' });
    expect(sc.end()).toEqual([]);
  });

  it('acl allows the read: the drop is not explained by the ACL', () => {
    const acl = parseAclFile('topic readwrite #\n', 'open.acl');
    const sc = new Scenario({ acl, brokerKind: 'mosquitto' });
    const a = sc.client('a', { version: 4 }).login({ username: null }).sub(1, ['t']);
    sc.client('b').login({ username: null }).sub(1, ['t']);
    sc.client('p').login({ username: null }).publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    const [f] = sc.end();
    expect(f!.extra['acl_confirmed']).toBe(false);
    expect(f!.text).toContain('so the drop is not explained by the ACL');
  });

  it('acl allows the write and reads: undelivered-publish is not explained by the ACL', () => {
    const acl = parseAclFile('topic readwrite #\n', 'open.acl');
    const sc = new Scenario({ acl });
    sc.client('a').login({ username: null }).sub(1, ['t']);
    sc.client('p').login({ username: null }).publish({ topic: 't', payload: 'x' });
    const [f] = sc.end();
    expect(f).toMatchObject({ code: 'undelivered-publish', extra: { acl_confirmed: false, acl_write_allowed: true } });
    expect(f!.text).toContain('The acl_file allows this write (write ALLOWED for anonymous clients');
    expect(f!.text).toContain('not explained by the ACL');
  });

  it('acl allows the write but denies every read: confirmed', () => {
    const acl = parseAclFile('user p\ntopic write t\nuser a\ntopic write t\n', 'x.acl');
    const sc = new Scenario({ acl });
    sc.client('a').login({ username: 'a' }).sub(1, ['t']);
    sc.client('p').login({ username: 'p' }).publish({ topic: 't', payload: 'x' });
    // a's subscription can never deliver (it may only write t): said at its SUBACK, then the drop.
    const [atSub, f] = sc.end();
    expect(atSub).toMatchObject({ code: 'withheld-delivery', severity: 'info', extra: { at_subscribe: true, acl_line: null } });
    expect(f).toMatchObject({ code: 'undelivered-publish', extra: { acl_confirmed: true, acl_write_allowed: true } });
    expect(f!.text).toContain('denies the read of every matching subscriber');
  });
});
