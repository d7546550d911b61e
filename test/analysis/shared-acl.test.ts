// Shared subscriptions and the acl_file: mosquitto sends each message of a
// `$share/GROUP/FILTER` group to one member in turn, checks that member's read access
// then, and when it is denied the group loses the message (no other member gets it).
// So one member the acl_file denies explains the loss, whichever member is listed
// first: the finding names that member and its rule, not another member's grant.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

const ACL_TEXT = 'user admin\ntopic readwrite #\n\nuser ga\ntopic read s/#\n\nuser gb\ntopic read nothing/#\n\nuser p\ntopic write s/#\n';
const ACL = parseAclFile(ACL_TEXT, '/etc/mosquitto/acl.txt');
const warns = (findings: { code: string; severity: string }[]) =>
  findings.filter((f) => (f.code === 'withheld-delivery' || f.code === 'undelivered-publish') && f.severity === 'warn');

function group(withAdmin: boolean) {
  const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
  const admin = withAdmin ? sc.client('admin', { version: 5 }).login({ username: 'admin' }).sub(1, ['#']) : null;
  // ga is listed first: its read is allowed; gb's is not.
  const ga = sc.client('ga', { version: 5 }).login({ username: 'ga' }).sub(1, ['$share/g/s/#']);
  const gb = sc.client('gb', { version: 5 }).login({ username: 'gb' }).sub(1, ['$share/g/s/#']);
  const p = sc.client('p', { version: 5 }).login({ username: 'p' });
  return { sc, admin, ga, gb, p };
}

describe('a shared group with one member the acl_file denies', () => {
  it('withheld-delivery for the group names the denied member and its rule, not the first member grant', () => {
    const { sc, admin, ga, gb, p } = group(true);
    p.publish({ topic: 's/1', payload: 'm0' });
    admin!.deliver({ topic: 's/1', payload: 'm0' });
    ga.deliver({ topic: 's/1', payload: 'm0' });
    p.publish({ topic: 's/1', payload: 'm1' });
    admin!.deliver({ topic: 's/1', payload: 'm1' });
    sc.end();
    const w = warns(sc.findings);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({
      code: 'withheld-delivery', conn: gb.meta.id, clientId: 'gb', username: 'gb',
      extra: {
        acl_confirmed: true, acl_allowed: false, acl_access: 'read', acl_decision: 'no-rule',
        denied_member: { client_id: 'gb', username: 'gb', conn: gb.meta.id },
        subscriber: { share_group: 'g', members: ['ga', 'gb'] },
      },
    });
    expect((w[0]!.extra['acl_rules'] as { line: number }[]).map((r) => r.line)).toEqual([8]);
    expect(w[0]!.text).toContain("The acl_file confirms a denied read for gb, a member of the group: read DENIED for gb on 's/1'");
    expect(w[0]!.text).not.toContain('not explained by the ACL');
  });

  it('undelivered-publish when only the group matched: the write is allowed and the denied member read explains it', () => {
    const { sc, p } = group(false);
    p.publish({ topic: 's/1', payload: 'm1' });
    sc.end();
    const w = warns(sc.findings);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'undelivered-publish', extra: { acl_confirmed: true, acl_write_allowed: true, acl_access: 'read', acl_allowed: false } });
    expect(w[0]!.text).toContain('denies the read of every matching subscriber');
    expect(w[0]!.text).toContain("read DENIED for gb on 's/1'");
  });

  it('every member allowed: the read is not what explains it, and the finding says so of the whole group', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const admin = sc.client('admin', { version: 5 }).login({ username: 'admin' }).sub(1, ['#']);
    const ga = sc.client('ga', { version: 5 }).login({ username: 'ga' }).sub(1, ['$share/g/s/#']);
    const p = sc.client('p', { version: 5 }).login({ username: 'p' });
    p.publish({ topic: 's/1', payload: 'm1' });
    admin.deliver({ topic: 's/1', payload: 'm1' });
    sc.end();
    const w = warns(sc.findings);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ conn: ga.meta.id, extra: { acl_confirmed: false } });
    expect(w[0]!.text).toContain('The acl_file allows the read of every member of the group');
  });

  it('against a real mosquitto 2: the member denied loses its turns for the group, and the findings blame its read', async () => {
    const tap = await Tap.start(ACL_TEXT, { deliveryWindowUs: 1_000_000, settleUs: 100_000 });
    try {
      const v5 = { nl: false, rap: false, rh: 0 };
      const admin = await tap.client('admin', 'admin', 5);
      admin.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0, ...v5 }] });
      await admin.waitFor('suback');
      const ga = await tap.client('ga', 'ga', 5);
      const gb = await tap.client('gb', 'gb', 5);
      for (const x of [ga, gb]) {
        x.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/s/#', qos: 0, ...v5 }] });
        await x.waitFor('suback');
      }
      const p = await tap.client('p', 'p', 5);
      for (let i = 0; i < 4; i++) {
        p.send({ cmd: 'publish', topic: 's/1', payload: Buffer.from(`m${i}`), qos: 0, retain: false, dup: false });
        await sleep(40);
      }
      await sleep(300);
      expect(admin.payloads()).toEqual(['m0', 'm1', 'm2', 'm3']);
      // Round robin: gb's turns are lost, not given to ga.
      expect(ga.payloads().length + gb.payloads().length).toBe(2);
      expect(gb.payloads()).toEqual([]);
      const w = warns(await tap.end(2000));
      expect(w.map((f) => [f.code, f.clientId, f.extra['acl_confirmed']])).toEqual([
        ['withheld-delivery', 'gb', true], ['withheld-delivery', 'gb', true],
      ]);
    } finally {
      await tap.broker.close();
    }
  }, 20_000);
});
