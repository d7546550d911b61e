// Findings that rest on the acl_file name its file and line in the text and carry
// the rule as structured fields (acl_file, acl_line, acl_rule, acl_section, …);
// an MQTT 5 publish rejected with 0x87 names the rule that denies the write, and a
// $SYS write is said to be mosquitto's own refusal, not the file's. Real bytes
// through the Engine and the Analyzer.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Harness } from './engine-harness.js';

const TUTORIAL = parseAclFile('pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n', '/etc/mosquitto/acl.txt');
const OWN1 = 'colombia/cundinamarca/cajica/user1';

describe('publish-rejected (MQTT 5, PUBACK/PUBREC 0x87) with --acl', () => {
  it('names the acl_file line that leaves the write denied, with structured fields', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    const u1 = h.conn(5).login('u1-deny-q1', 'user1');
    const p = u1.publish({ topic: 'panama/colon/user1', payload: 'deny-q1', qos: 1, id: 1 });
    const a = u1.puback(1, 0x87);
    const [f, ...rest] = h.findings;
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'publish-rejected', frames: [p.frame, a.frame], topic: 'panama/colon/user1' });
    expect(f!.text).toBe("The broker rejected this QoS 1 publish from user1 on 'panama/colon/user1' with PUBACK 0x87 (Not authorized). "
      + "The acl_file denies this write: write DENIED for user1 on 'panama/colon/user1': no rule grants it "
      + '(acl.txt line 1: pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3). '
      + 'MQTT 5 lets the broker say so; an MQTT 3.1.1 client gets a normal PUBACK and is not told.');
    expect(f!.extra).toMatchObject({
      acl_confirmed: true, acl_file: '/etc/mosquitto/acl.txt', acl_access: 'write', acl_allowed: false, acl_decision: 'no-rule',
      acl_line: null, acl_rule: null,
      acl_rules: [{ line: 1, rule: 'pattern readwrite +/+/+/%u', section: 'pattern', reason: 'pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3' }],
    });
    expect(String(f!.extra['acl_explanation'])).toContain('Can user1 (client id u1-deny-q1) write panama/colon/user1?');
  });

  it('a deny rule that decides is the acl_line, in a user section', () => {
    const acl = parseAclFile('user alice\ntopic readwrite b/#\ntopic deny b/secret\n', 'alice.acl');
    const h = new Harness({ brokerKind: 'mosquitto', acl });
    const c = h.conn(5).login('alice-1', 'alice');
    c.publish({ topic: 'b/secret', payload: 'x', qos: 2, id: 7 });
    c.pubrec(7, 0x87);
    const [f] = h.findings;
    expect(f!.text).toContain("PUBREC 0x87 (Not authorized). The acl_file denies this write: write DENIED for alice on 'b/secret' by alice.acl line 3: topic deny b/secret.");
    expect(f!.extra).toMatchObject({ acl_file: 'alice.acl', acl_decision: 'rule', acl_line: 3, acl_rule: 'topic deny b/secret', acl_section: 'user alice' });
  });

  it('the acl_file allows the write: the rejection is not blamed on it', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    const c = h.conn(5).login('u1', 'user1');
    c.publish({ topic: OWN1, payload: 'x', qos: 1, id: 1 });
    c.puback(1, 0x87);
    const [f] = h.findings;
    expect(f!.extra).toMatchObject({ acl_confirmed: false, acl_allowed: true, acl_line: 1, acl_rule: 'pattern readwrite +/+/+/%u', acl_section: 'pattern' });
    expect(f!.text).toContain(`The acl_file allows this write (write ALLOWED for user1 on '${OWN1}' by acl.txt line 1: pattern readwrite +/+/+/%u), so it does not explain the rejection`);
  });

  for (const topic of ['$SYS/mine/x', '$SYSTEM/x']) {
    it(`a write to ${topic} is mosquitto's own refusal, with the acl_file and without`, () => {
      // admin may readwrite # (which never matches $ topics anyway): the file is not the reason.
      const acl = parseAclFile('user admin\ntopic readwrite #\ntopic readwrite $SYS/#\ntopic readwrite $SYSTEM/#\n', 'acl.acl');
      for (const opts of [{ acl }, {}]) {
        const h = new Harness({ brokerKind: 'mosquitto', ...opts });
        const c = h.conn(5).login('adm', 'admin');
        c.publish({ topic, payload: 'x', qos: 1, id: 1 });
        c.puback(1, 0x87);
        const [f] = h.findings;
        expect(f!.text).toContain(`with PUBACK 0x87 (Not authorized). mosquitto refuses every client write to a topic starting with $SYS (it compares the first 4 characters, so $SYSTEM/x too), with or without an acl_file`);
        expect(f!.text).not.toContain('With a mosquitto acl_file this is a denied write');
        expect(f!.text).not.toContain('line ');
        if (opts.acl) expect(f!.extra).toMatchObject({ acl_decision: 'before-rules', acl_line: null, acl_allowed: false });
        else expect(f!.extra['acl_decision']).toBeUndefined();
      }
    });
  }

  it('without --acl the wording is unchanged', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const c = h.conn(5).login('u1', 'user1');
    c.publish({ topic: 'panama/colon/user1', payload: 'x', qos: 1, id: 1 });
    c.puback(1, 0x87);
    expect(h.findings[0]!.text).toContain('. With a mosquitto acl_file this is a denied write; MQTT 5 lets the broker say so, 3.1.1 clients are not told.');
    expect(h.findings[0]!.extra['acl_file']).toBeUndefined();
  });
});

describe('undelivered-publish and withheld-delivery name the file and carry the rule', () => {
  it('a denied write (3.1.1, PUBACK rc 0): file name in the text, rule fields in the JSON', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: TUTORIAL });
    h.conn().login('admin-sub', 'admin').sub(1, '#');
    const u1 = h.conn().login('u1-deny-q1', 'user1');
    u1.publish({ topic: 'panama/colon/user1', payload: 'x', qos: 1, id: 1 });
    u1.puback(1);
    const [f] = h.end();
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.text).toContain("The acl_file confirms a denied write: write DENIED for user1 on 'panama/colon/user1': no rule grants it (acl.txt line 1: pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3).");
    expect(f!.extra).toMatchObject({
      acl_file: '/etc/mosquitto/acl.txt', acl_access: 'write', acl_allowed: false, acl_decision: 'no-rule', acl_line: null,
      acl_rules: [{ line: 1, rule: 'pattern readwrite +/+/+/%u', section: 'pattern' }],
    });
  });

  it('a read denied by a deny line: acl_line, acl_rule and acl_section of that line', () => {
    const acl = parseAclFile('user admin\ntopic readwrite #\n\nuser bob\ntopic read t/#\ntopic deny t/secret\n', 'site.acl');
    const h = new Harness({ brokerKind: 'mosquitto', acl });
    const admin = h.conn().login('admin-sub', 'admin').sub(1, 't/#');
    h.conn().login('bob-sub', 'bob').sub(1, 't/#');
    h.conn().login('pub', 'admin').publish({ topic: 't/secret', payload: 's' });
    h.wait(1);
    admin.deliver({ topic: 't/secret', payload: 's' });
    const [f, ...rest] = h.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'withheld-delivery', clientId: 'bob-sub' });
    expect(f!.text).toContain("The acl_file confirms a denied read: read DENIED for bob on 't/secret' by site.acl line 6: topic deny t/secret.");
    expect(f!.extra).toMatchObject({ acl_file: 'site.acl', acl_access: 'read', acl_decision: 'rule', acl_line: 6, acl_rule: 'topic deny t/secret', acl_section: 'user bob' });
  });

  it('the write allowed, every read denied: the read verdicts are listed', () => {
    const acl = parseAclFile('user p\ntopic write t\nuser a\ntopic write t\n', 'x.acl');
    const h = new Harness({ acl });
    h.conn().login('a', 'a').sub(1, 't');
    h.conn().login('p', 'p').publish({ topic: 't', payload: 'x' });
    const [atSub, f] = h.end(); // a's subscription was said to deliver nothing at its SUBACK
    expect(atSub!.extra['at_subscribe']).toBe(true);
    expect(f!.extra).toMatchObject({
      acl_confirmed: true, acl_write_allowed: true, acl_access: 'read', acl_allowed: false,
      acl_reads: [{ subscriber: 'a', acl_access: 'read', acl_allowed: false, acl_rules: [{ line: 4, rule: 'topic write t', section: 'user a' }] }],
    });
    expect(f!.text).toContain("read by a: read DENIED for a on 't': no rule grants it (x.acl line 4: topic write t in section 'user a' matches t but grants only write, not read)");
  });
});
