// A capture that begins mid-connection has no CONNECT for that client, so its
// username is unknown. An acl_file decides by username; asking it with none gives
// the verdict for anonymous clients, which is not this client's. Such findings say
// the file was not asked (acl_not_checked: username-unknown) instead of confirming a
// denial that is the anonymous one.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';

const ACL = parseAclFile('user admin\ntopic readwrite #\n\nuser u1\ntopic readwrite a/#\n', '/etc/mosquitto/acl.txt');

describe('a client whose CONNECT is not in the capture', () => {
  it('undelivered-publish: its write is not checked as an anonymous client', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    sc.client('admin').login({ username: 'admin' }).sub(1, ['#']);
    const p = sc.client('p'); // no CONNECT captured
    p.publish({ topic: 'a/x', payload: 'y' });
    sc.end();
    const [f] = sc.byCode('undelivered-publish');
    expect(f!.extra).toMatchObject({ acl_confirmed: false, acl_not_checked: 'username-unknown' });
    expect(f!.extra['acl_write_allowed']).toBeUndefined();
    expect(f!.text).not.toContain('anonymous');
    expect(f!.text).not.toContain('confirms');
    expect(f!.text).toContain('The acl_file was not asked about the write: the CONNECT of the client on');
    // The subscribers' reads are still asked: admin may read a/x.
    expect(f!.extra['acl_reads']).toMatchObject([{ subscriber: 'admin', acl_allowed: true }]);
  });

  it('withheld-delivery: a subscriber seen only from its SUBSCRIBE on is not checked as anonymous', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const admin = sc.client('admin').login({ username: 'admin' }).sub(1, ['#']);
    const mid = sc.client('mid').sub(1, ['a/#']); // no CONNECT captured
    const p = sc.client('p').login({ username: 'u1' });
    p.publish({ topic: 'a/x', payload: 'y' });
    admin.deliver({ topic: 'a/x', payload: 'y' });
    sc.end();
    // No at_subscribe finding for it either: the anonymous verdict would say it reads nothing.
    const w = sc.byCode('withheld-delivery');
    expect(w.map((f) => f.severity)).toEqual(['warn']);
    expect(w[0]!).toMatchObject({ conn: mid.meta.id, extra: { acl_not_checked: 'username-unknown' } });
    expect(w[0]!.extra['acl_confirmed']).toBeUndefined();
    expect(w[0]!.text).toContain('The acl_file was not asked about the read');
  });

  it('an anonymous client whose CONNECT was seen still gets the anonymous verdict', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    sc.client('admin').login({ username: 'admin' }).sub(1, ['#']);
    sc.client('anon').login({ username: null }).publish({ topic: 'a/x', payload: 'y' });
    sc.end();
    const [f] = sc.byCode('undelivered-publish');
    expect(f!.extra).toMatchObject({ acl_confirmed: true, acl_write_allowed: false });
    expect(f!.text).toContain("The acl_file confirms a denied write: write DENIED for anonymous clients on 'a/x'");
  });

  it('publish-rejected 0x87 (MQTT 5): the file is not asked for a client whose CONNECT was not captured', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: ACL });
    const p = sc.client('p', { version: 5 });
    p.publish({ topic: 'b/x', payload: 'y', qos: 1, id: 4 });
    p.puback(4, 0x87);
    const [f] = sc.byCode('publish-rejected');
    expect(f!.extra).toMatchObject({ acl_not_checked: 'username-unknown' });
    expect(f!.extra['acl_confirmed']).toBeUndefined();
    expect(f!.text).not.toContain('anonymous');
    expect(f!.text).toContain('The acl_file was not asked');
  });
});
