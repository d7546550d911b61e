// The acl_file verdicts that undelivered-publish / withheld-delivery findings quote
// (src/analysis/acl-check.ts), driven through the analyzer with packet records.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { aclCheck } from '../../src/analysis/acl-check.js';
import { Scenario } from '../analysis/helpers.js';

describe('findings explained by the acl_file', () => {
  it('an empty username is anonymous: top-of-file rules apply, %u patterns do not', () => {
    // The QA scenario: mosquitto_pub -u "" ... with allow_anonymous true.
    const acl = parseAclFile('topic readwrite anon/#\npattern readwrite pu/%u/#\n', 'acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    const esub = sc.client('esub').login({ username: '' }).sub(1, ['#']);
    const asub = sc.client('asub').login({ username: null }).sub(1, ['#']);
    const pub = sc.client('pe').login({ username: '' });
    pub.publish({ topic: 'anon/1', payload: 'empty-anon1' });
    esub.deliver({ topic: 'anon/1', payload: 'empty-anon1' });
    asub.deliver({ topic: 'anon/1', payload: 'empty-anon1' });
    sc.wait(500);
    pub.publish({ topic: 'pu//x', payload: 'empty-pu' });
    const findings = sc.end();
    expect(findings.map((f) => f.code)).toEqual(['undelivered-publish']); // no withheld-delivery for anon/1
    const f = findings[0]!;
    expect(f.topic).toBe('pu//x');
    expect(f.extra['acl_confirmed']).toBe(true);
    expect(f.extra['acl_write_allowed']).toBe(false);
    expect(f.text).toContain("The acl_file confirms a denied write: write DENIED for an anonymous client (empty username) on 'pu//x': no rule grants it");
    expect(f.text).toContain('pattern readwrite pu/%u/# uses %u and the client has no username, so mosquitto skips it');
  });

  it('a $SYS write names the $SYS rule, not every rule as unreached', () => {
    const acl = parseAclFile('pattern readwrite +/+/+/%u\nuser admin\ntopic readwrite #\ntopic readwrite $SYS/#\n', 'acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    sc.client('watch').login({ username: 'admin' }).sub(1, ['$SYS/#']);
    sc.client('adm').login({ username: 'admin' }).publish({ topic: '$SYS/mine/x', payload: 'x' });
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    // mosquitto refuses the write before reading the file, so the text does not say the file confirms it.
    expect(f!.text).toContain("mosquitto refuses this write before the acl_file: write DENIED for admin on '$SYS/mine/x': mosquitto denies every client write to $SYS topics before looking at the ACL rules.");
    expect(f!.text).not.toContain('The acl_file confirms');
    expect(f!.text).not.toContain('was not reached');
    expect(String(f!.extra['acl_explanation'])).toContain('line   3    -    topic readwrite # was not checked: mosquitto refuses client writes to $SYS before the acl_file');
  });

  it('a username with + or # names the wildcard rule', () => {
    const acl = parseAclFile('pattern readwrite +/+/+/%u\nuser a+b\ntopic read x/#\n', 'acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    sc.client('watch').login({ username: null }).sub(1, ['#']);
    sc.client('ab').login({ username: 'a+b' }).publish({ topic: 'x/1', payload: 'x' });
    // The anonymous watcher may read nothing (no anonymous rules, %u patterns skipped): said at its SUBACK.
    const [atSub, f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(atSub).toMatchObject({ code: 'withheld-delivery', severity: 'info', extra: { at_subscribe: true } });
    expect(atSub!.text).toContain("pattern readwrite +/+/+/%u uses %u and the client has no username, so mosquitto skips it");
    expect(f!.text).toContain("write DENIED for a+b on 'x/1': the username 'a+b' contains '+' or '#', so mosquitto denies it everything the patterns could decide (acl line 3: topic read x/# in section 'user a+b' matches x/1 but grants only read, not write)");
    expect(f!.text).not.toContain('was not reached');
    expect(f!.text).not.toContain('line 1:');
    // The deciding check is before the rules: no acl_line, the rule that missed is cited.
    expect(f!.extra).toMatchObject({ acl_file: 'acl', acl_decision: 'before-rules', acl_line: null, acl_rules: [{ line: 3, rule: 'topic read x/#', section: 'user a+b' }] });
  });

  it('an unknown client id that decides a %c pattern is said to decide it', () => {
    const check = aclCheck(parseAclFile('pattern readwrite dev/%c/#\n', 'acl'));
    const v = check({ username: 'bob', clientId: null, access: 'write', topic: 'dev/x/1' });
    expect(v.allowed).toBe(false);
    expect(v.text).toContain("the client id is unknown and decides it (client id 'x' would be allowed by acl line 1");
    expect(check({ username: 'bob', clientId: 'x', access: 'write', topic: 'dev/x/1' }).text)
      .toBe("write ALLOWED for bob on 'dev/x/1' by acl line 1: pattern readwrite dev/%c/#");
  });

  it('a publish only shared subscriptions missed is not called a denied write', () => {
    // A broker without $share support (aedes 1.x alone) grants the SUBSCRIBE and never delivers.
    for (const brokerKind of ['aedes', 'mosquitto', 'unknown'] as const) {
      const sc = new Scenario({ brokerKind });
      sc.client('member').login().sub(1, ['$share/g/t/#']);
      sc.client('p').login().publish({ topic: 't/1', payload: 'hello' });
      const [f, ...rest] = sc.end();
      expect(rest).toEqual([]);
      expect(f!.code).toBe('undelivered-publish');
      expect(f!.text).toContain("All of them are shared subscriptions ($share): a broker without shared subscriptions grants them and never delivers on them");
      expect(f!.text).not.toMatch(/this is a denied write/);
    }
    // With an acl_file that allows the write, the ACL is ruled out.
    const sc = new Scenario({ brokerKind: 'aedes', acl: parseAclFile('topic readwrite #\n', 'acl') });
    sc.client('member').login({ username: null }).sub(1, ['$share/g/t/#']);
    sc.client('p').login({ username: null }).publish({ topic: 't/1', payload: 'hello' });
    const [f] = sc.end();
    expect(f!.extra['acl_confirmed']).toBe(false);
    expect(f!.text).toContain("The acl_file allows this write (write ALLOWED for anonymous clients on 't/1' by acl line 1: topic readwrite #), so the drop is not explained by the ACL.");
    // A normal subscriber that missed it too keeps the write-denial reading.
    const mixed = new Scenario({ brokerKind: 'mosquitto' });
    mixed.client('member').login().sub(1, ['$share/g/t/#']);
    mixed.client('w').login().sub(1, ['t/#']);
    mixed.client('p').login({ username: 'u' }).publish({ topic: 't/1', payload: 'x' });
    expect(mixed.end()[0]!.text).toContain('With an acl_file this is a denied write for u.');
  });
});
