// A will whose write the acl_file denies: mosquitto accepts the CONNECT (CONNACK 0)
// and, when the connection is lost, drops the will without telling anyone (checked
// on mosquitto 2.0.11). With --acl the analysis says so once the will's window ends:
// an undelivered-publish marked will: true, naming the rule.
import { afterAll, describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

// sensor may write only sensors/#; its will is on status/sensor. admin reads everything.
const ACL_TEXT = 'user admin\ntopic readwrite #\n\nuser sensor\ntopic write sensors/#\n';
const ACL = parseAclFile(ACL_TEXT, 'site.acl');
const WILL = { topic: 'status/sensor', payload: 'offline' };

describe('a will the acl_file denies', () => {
  it('is reported when its window ends with nobody having got it, naming the rule', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const admin = sc.client('admin').login({ username: 'admin' }).sub(1, ['status/#']);
    const c = sc.client('sensor');
    const con = c.connect({ username: 'sensor', will: WILL });
    c.connack(0);
    sc.wait(10);
    c.close('reset');
    sc.wait(10_000);
    const f = sc.end().filter((x) => x.code === 'undelivered-publish');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      severity: 'warn', conn: c.meta.id, clientId: 'sensor', username: 'sensor', topic: 'status/sensor', frames: [con.frame],
      extra: { will: true, will_topic: 'status/sensor', acl_confirmed: true, acl_write_allowed: false, acl_file: 'site.acl', acl_decision: 'no-rule' },
    });
    expect(f[0]!.extra['subscribers']).toEqual(["admin: 'status/#'"]);
    expect(f[0]!.text).toContain("The will of sensor on 'status/sensor' (7 byte(s)) was due when the client closed without a DISCONNECT");
    expect(f[0]!.text).toContain("The acl_file denies the will's write: write DENIED for sensor on 'status/sensor'");
    expect(admin.meta.id).not.toBe(c.meta.id);
  });

  it('nothing when the will was published after all (a broker that ignores the file)', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const admin = sc.client('admin').login({ username: 'admin' }).sub(1, ['status/#']);
    const c = sc.client('sensor').login({ username: 'sensor', will: WILL });
    c.close('reset');
    sc.wait(5);
    admin.deliver({ topic: 'status/sensor', payload: 'offline' });
    sc.wait(10_000);
    expect(sc.end().map((x) => x.code)).toEqual(['will-published']);
  });

  it('nothing when nobody subscribes to the will topic, when the will is allowed, or after a normal DISCONNECT', () => {
    for (const o of [{ sub: false, topic: WILL.topic, disconnect: false }, { sub: true, topic: 'sensors/x', disconnect: false }, { sub: true, topic: WILL.topic, disconnect: true }]) {
      const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
      if (o.sub) sc.client('admin').login({ username: 'admin' }).sub(1, ['#']);
      const c = sc.client('sensor').login({ username: 'sensor', will: { topic: o.topic, payload: 'offline' } });
      if (o.disconnect) c.disconnect();
      c.close(o.disconnect ? 'fin' : 'reset');
      sc.wait(10_000);
      expect(sc.end().filter((x) => x.code === 'undelivered-publish')).toEqual([]);
    }
  });

  it('without --acl nothing is said (a will may simply not be due yet, or go unrouted for other reasons)', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('admin').login({ username: 'admin' }).sub(1, ['status/#']);
    sc.client('sensor').login({ username: 'sensor', will: WILL }).close('reset');
    sc.wait(10_000);
    expect(sc.end()).toEqual([]);
  });
});

describe('a will the acl_file denies, against a real mosquitto 2', () => {
  let tap: Tap | null = null;
  afterAll(async () => { await tap?.end(0).catch(() => {}); });

  it('mosquitto publishes the allowed will and drops the denied one; the analysis reports only the denied one', async () => {
    tap = await Tap.start(ACL_TEXT, { deliveryWindowUs: 500_000 });
    const admin = await tap.client('admin', 'admin');
    admin.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'status/#', qos: 0 }, { topic: 'sensors/#', qos: 0 }] });
    await admin.waitFor('suback');
    const denied = await tap.client('sensor-a', 'sensor', 4, [], undefined, true, { topic: 'status/sensor-a', payload: 'offline-a' });
    const allowed = await tap.client('sensor-b', 'sensor', 4, [], undefined, true, { topic: 'sensors/b/status', payload: 'offline-b' });
    denied.reset();
    allowed.reset();
    await admin.waitFor('publish'); // the allowed will
    await sleep(300);
    // What mosquitto did: the allowed will came, the denied one never did.
    expect(admin.payloads()).toEqual(['offline-b']);
    const t = tap;
    tap = null;
    // Every client closes first, then the input ends past the window: the will is judged
    // by the subscribers it had when it fell due.
    const f = await t.end(2000);
    const wills = f.filter((x) => x.code === 'undelivered-publish' || x.code === 'will-published');
    expect(wills.map((x) => [x.code, x.clientId, x.topic])).toEqual([
      ['will-published', 'sensor-b', 'sensors/b/status'],
      ['undelivered-publish', 'sensor-a', 'status/sensor-a'],
    ]);
    expect(wills[1]!.extra).toMatchObject({ will: true, acl_write_allowed: false });
  });
});
