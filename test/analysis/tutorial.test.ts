// The Spanish mosquitto ACL tutorial as records: acl_file
//   pattern readwrite +/+/+/%u
//   user admin / topic readwrite #
// admin watches '#', user2 subscribes to user1's topic, user1 publishes
// allowed and denied topics. mosquitto acknowledges everything and drops silently.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';

const ACL = parseAclFile('pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n', 'tutorial.acl');
const OWN1 = 'colombia/cundinamarca/cajica/user1';
const OWN2 = 'colombia/cundinamarca/cajica/user2';

function setup(opts: { acl?: boolean; version?: 4 | 5 } = {}) {
  const sc = new Scenario({ brokerKind: 'mosquitto', acl: opts.acl ? ACL : undefined });
  const admin = sc.client('admin').login({ clientId: 'admin', username: 'admin' }).sub(1, ['#']);
  const user2 = sc.client('user2-sub').login({ clientId: 'user2-sub', username: 'user2' }).sub(1, [OWN1, OWN2]);
  sc.wait(100);
  const user1 = sc.client('user1', { version: opts.version ?? 4 }).login({ clientId: 'user1', username: 'user1' });
  return { sc, admin, user2, user1 };
}

describe('Spanish tutorial scenario', () => {
  it('allowed traffic produces no findings at all', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const admin = sc.client('admin').login({ clientId: 'admin', username: 'admin' }).sub(1, ['#']);
    const user2 = sc.client('user2-sub').login({ clientId: 'user2-sub', username: 'user2' }).sub(1, [OWN2]);
    const user1 = sc.client('user1').login({ clientId: 'user1', username: 'user1' });
    user1.publish({ topic: OWN1, payload: 'hola' });
    sc.wait(2);
    admin.deliver({ topic: OWN1, payload: 'hola' });
    // user2 publishes on its own topic: admin and user2's subscriber get it.
    const u2pub = sc.client('user2-pub').login({ clientId: 'user2-pub', username: 'user2' });
    u2pub.publish({ topic: OWN2, payload: 'hi', qos: 1, id: 7 });
    u2pub.puback(7);
    sc.wait(1);
    admin.deliver({ topic: OWN2, payload: 'hi' });
    user2.deliver({ topic: OWN2, payload: 'hi', qos: 0 });
    u2pub.disconnect();
    u2pub.close();
    user1.disconnect();
    user1.close();
    expect(sc.end()).toEqual([]);
  });

  it('truly clean run: every matching subscriber gets every message', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const admin = sc.client('admin').login({ username: 'admin' }).sub(1, ['#']);
    const u1 = sc.client('user1').login({ username: 'user1' });
    for (let i = 0; i < 5; i++) {
      u1.publish({ topic: OWN1, payload: `m${i}`, qos: i % 2, id: i + 1 });
      if (i % 2) u1.puback(i + 1);
      admin.deliver({ topic: OWN1, payload: `m${i}` });
      sc.wait(500);
    }
    u1.disconnect();
    u1.close();
    expect(sc.end()).toEqual([]);
  });

  it('v3.1.1 QoS 0 to a denied topic: undelivered-publish naming user1 and the watcher', () => {
    const { sc, user1 } = setup();
    const pub = user1.publish({ topic: 'panama/colon/user1', payload: 'x' });
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: 'undelivered-publish', severity: 'warn', clientId: 'user1', username: 'user1', topic: 'panama/colon/user1',
      conn: user1.meta.id, frames: [pub.frame],
      extra: { publisher: { client_id: 'user1', username: 'user1' }, subscribers: [{ client_id: 'admin', username: 'admin', filter: '#' }] },
    });
    expect(f!.text).toBe("mosquitto accepted this QoS 0 publish from user1 on 'panama/colon/user1' but delivered it to none of the 1 subscriber(s) whose filters match (admin: '#'). With an acl_file this is a denied write for user1.");
    expect(pub.findings).toEqual(['undelivered-publish']);
  });

  it('v3.1.1 QoS 1 acknowledged but undelivered: PUBACK rc 0 in the text, both frames', () => {
    const { sc, user1 } = setup();
    const pub = user1.publish({ topic: 'panama/colon/user1', payload: 'x', qos: 1, id: 3 });
    const ack = user1.puback(3);
    const [f] = sc.end();
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.text).toContain("mosquitto acknowledged this QoS 1 publish from user1 (PUBACK rc 0) on 'panama/colon/user1' but delivered it to none of the 1 subscriber(s) whose filters match (admin: '#'). With an acl_file this is a denied write for user1.");
    expect(f!.frames).toEqual([pub.frame, ack.frame]);
    expect(ack.findings).toEqual(['undelivered-publish']);
    expect(sc.findings).toHaveLength(1);
  });

  it('MQTT 5 QoS 1 answered with PUBACK 0x87: publish-rejected, not undelivered-publish', () => {
    const { sc, user1 } = setup({ version: 5 });
    user1.publish({ topic: 'panama/colon/user1', payload: 'x', qos: 1, id: 9 });
    user1.puback(9, 0x87);
    expect(sc.end().map((f) => f.code)).toEqual(['publish-rejected']);
    const f = sc.findings[0]!;
    expect(f.text).toContain('PUBACK 0x87 (Not authorized)');
    expect(f.extra).toMatchObject({ reason_code: 0x87, reason: 'Not authorized' });
  });

  it("user2 not getting user1's allowed message while admin does: withheld-delivery", () => {
    const { sc, admin, user2, user1 } = setup();
    const pub = user1.publish({ topic: OWN1, payload: 'hola' });
    sc.wait(1);
    const got = admin.deliver({ topic: OWN1, payload: 'hola' });
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: 'withheld-delivery', severity: 'warn', conn: user2.meta.id, clientId: 'user2-sub', username: 'user2', topic: OWN1,
      extra: {
        publisher: { client_id: 'user1', username: 'user1' },
        subscriber: { client_id: 'user2-sub', username: 'user2', filter: OWN1 },
        delivered_to: [{ client_id: 'admin', filter: '#' }],
      },
    });
    expect(f!.text).toBe(`mosquitto delivered this QoS 0 publish from user1 on '${OWN1}' to admin but not to user2-sub (filter '${OWN1}'); with an acl_file this is a denied read for user2.`);
    expect(f!.frames).toEqual([pub.frame, got.frame]);
  });

  it('wrong password: CONNACK 5 gives connect-refused with the reason in words', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const c = sc.client('user1');
    const con = c.connect({ username: 'user1' });
    const ack = c.connack(5);
    c.close();
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'connect-refused', severity: 'error', frames: [con.frame, ack.frame], extra: { reason_code: 5 } });
    expect(f!.text).toContain('CONNACK 5 (Connection Refused, not authorized)');
    expect(ack.findings).toEqual(['connect-refused']);
  });

  it('with the acl_file: the denied write is confirmed and explained', () => {
    const { sc, user1 } = setup({ acl: true });
    user1.publish({ topic: 'panama/colon/user1', payload: 'x', qos: 1, id: 1 });
    user1.puback(1);
    // user2's subscription to user1's topic was said to be useless at its SUBACK (info), before any message.
    const [atSub, f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(atSub).toMatchObject({ code: 'withheld-delivery', severity: 'info', clientId: 'user2-sub', topic: OWN1, extra: { at_subscribe: true, acl_line: null } });
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.extra['acl_confirmed']).toBe(true);
    expect(f!.extra['acl_write_allowed']).toBe(false);
    expect(String(f!.extra['acl_explanation'])).toContain('Can user1 (client id user1) write panama/colon/user1?');
    expect(f!.text).toContain("The acl_file confirms a denied write: write DENIED for user1 on 'panama/colon/user1': no rule grants it (tutorial.acl line 1: pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3)");
  });

  it('with the acl_file: the withheld read for user2 is confirmed', () => {
    const { sc, admin, user1 } = setup({ acl: true });
    user1.publish({ topic: OWN1, payload: 'hola' });
    admin.deliver({ topic: OWN1, payload: 'hola' });
    // The SUBACK-time finding about the filter, then the message it actually lost.
    const [atSub, f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(atSub!.extra['at_subscribe']).toBe(true);
    expect(f!.code).toBe('withheld-delivery');
    expect(f!.severity).toBe('warn');
    expect(f!.extra['at_subscribe']).toBeUndefined();
    expect(f!.extra['acl_confirmed']).toBe(true);
    expect(String(f!.extra['acl_explanation'])).toContain('Can user2 (client id user2-sub) read colombia/cundinamarca/cajica/user1?');
    expect(f!.text).toContain('The acl_file confirms a denied read: read DENIED for user2');
  });
});
