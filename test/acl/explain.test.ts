import { describe, it, expect } from 'vitest';
import { parseAclFile, explain, isAllowed, clientIdsMatching } from '../../src/acl/index.js';

// The Spanish tutorial: users admin, user1, user2.
const TUTORIAL = '# tutorial\npattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n';
const acl = parseAclFile(TUTORIAL, 'tut.acl');

describe('explain (tutorial)', () => {
  it('user1 may write colombia/cundinamarca/cajica/user1', () => {
    const ex = explain(acl, { username: 'user1', clientId: 'u1', access: 'write', topic: 'colombia/cundinamarca/cajica/user1' });
    expect(ex.allowed).toBe(true);
    expect(ex.decidingRule?.line).toBe(2);
    expect(ex.steps[0]!.reason).toBe(
      'pattern readwrite +/+/+/%u becomes +/+/+/user1; it matches colombia/cundinamarca/cajica/user1 and grants write');
    expect(ex.text).toContain('Verdict: ALLOWED. Allowed by line 2.');
  });

  it('user1 may not write panama/colon/user1: 4 levels vs 3', () => {
    const ex = explain(acl, { username: 'user1', access: 'write', topic: 'panama/colon/user1' });
    expect(ex.allowed).toBe(false);
    expect(ex.decidingRule).toBeNull();
    expect(ex.steps.map((s) => s.reason)).toEqual([
      'pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3',
      "topic readwrite # in section 'user admin' does not apply to user1",
    ]);
    expect(ex.text).toContain('Verdict: DENIED. No rule grants write access to panama/colon/user1');
    expect(ex.text).toContain('an MQTT 3.1.1 client still gets a normal PUBACK/PUBREC (rc 0)');
    expect(ex.text).toContain('an MQTT 5 client gets reason code 0x87');
  });

  it('admin may read and write anything under #, but $SYS is not matched by #', () => {
    expect(explain(acl, { username: 'admin', access: 'write', topic: 'panama/colon/user1' })).toMatchObject({
      allowed: true, decidingRule: { line: 5 } });
    const sys = explain(acl, { username: 'admin', access: 'read', topic: '$SYS/broker/uptime' });
    expect(sys.allowed).toBe(false);
    expect(sys.steps[0]!.reason).toBe(
      "topic readwrite # in section 'user admin' does not match: $SYS/broker/uptime starts with '$' and the rule does not");
    const w = explain(acl, { username: 'admin', access: 'write', topic: '$SYS/broker/x' });
    expect(w.allowed).toBe(false);
    expect(w.steps[0]!.reason).toContain('denies every client write to $SYS');
  });

  it("user2 may not read or write user1's topic", () => {
    for (const access of ['read', 'write'] as const) {
      const ex = explain(acl, { username: 'user2', access, topic: 'colombia/cundinamarca/cajica/user1' });
      expect(ex.allowed).toBe(false);
      expect(ex.steps[0]!.reason).toBe(
        "pattern readwrite +/+/+/%u becomes +/+/+/user2; level 4 is 'user2' and colombia/cundinamarca/cajica/user1 has 'user1' there");
    }
  });

  it('SUBSCRIBE is granted whatever the rules (mosquitto 2.0)', () => {
    const ex = explain(acl, { username: 'user2', access: 'subscribe', topic: 'colombia/cundinamarca/cajica/user1' });
    expect(ex.allowed).toBe(true);
    expect(ex.text).toContain('checked for read access when it is delivered');
  });

  it('anonymous clients skip %u patterns and get the rules before any user line', () => {
    const a = parseAclFile('topic read public/#\nuser bob\ntopic bob/#\npattern readwrite +/+/+/%u\n', 'a');
    expect(explain(a, { access: 'read', topic: 'public/x' }).allowed).toBe(true);
    expect(explain(a, { access: 'write', topic: 'public/x' })).toMatchObject({ allowed: false });
    const ex = explain(a, { access: 'write', topic: 'a/b/c/d' });
    expect(ex.steps.find((s) => s.line === 4)!.reason).toContain('uses %u and the client has no username');
    expect(explain(a, { username: 'bob', access: 'read', topic: 'public/x' }).allowed).toBe(false);
  });
});

describe('explain (mosquitto ordering)', () => {
  it('deny rules in a list are checked before grants', () => {
    const a = parseAclFile('user u\ntopic readwrite a/#\ntopic deny a/secret\n', 'a');
    const ex = explain(a, { username: 'u', access: 'read', topic: 'a/secret' });
    expect(ex).toMatchObject({ allowed: false, decidingRule: { line: 3 } });
    expect(ex.steps[0]!.reason).toContain('denies it (deny rules are checked first)');
  });

  it("a user rule grant wins over a pattern deny (mosquitto checks the user's list first)", () => {
    const a = parseAclFile('user user2\ntopic write deny/#\npattern deny deny/%u\n', 'a');
    expect(explain(a, { username: 'user2', access: 'write', topic: 'deny/user2' })).toMatchObject({ allowed: true, decidingRule: { line: 2 } });
    expect(explain(a, { username: 'other', access: 'write', topic: 'deny/other' })).toMatchObject({ allowed: false, decidingRule: { line: 3 } });
  });

  it('a read rule does not grant write', () => {
    const a = parseAclFile('topic read x\n', 'a');
    const ex = explain(a, { access: 'write', topic: 'x' });
    expect(ex.allowed).toBe(false);
    expect(ex.steps[0]!.reason).toBe('topic read x in the anonymous section matches x but grants only read, not write');
  });

  it('%c substitution and dangerous usernames', () => {
    const a = parseAclFile('pattern readwrite devices/%c/#\n', 'a');
    expect(explain(a, { username: 'u', clientId: 'dev1', access: 'write', topic: 'devices/dev1/t' }).allowed).toBe(true);
    expect(explain(a, { username: 'u', clientId: 'dev2', access: 'write', topic: 'devices/dev1/t' }).allowed).toBe(false);
    const ex = explain(a, { username: 'u#', clientId: 'dev1', access: 'write', topic: 'devices/dev1/t' });
    expect(ex.allowed).toBe(false);
    expect(ex.steps[0]!.reason).toContain("the username 'u#' contains '+' or '#'");
    // '/' in a username is not refused by mosquitto 2.0.11 (checked against the real broker).
    const b = parseAclFile('pattern readwrite dir/%u/#\n', 'b');
    expect(explain(b, { username: 'a/b', clientId: 'x', access: 'write', topic: 'dir/a/b/x' }).allowed).toBe(true);
  });

  it('no acl file allows everything', () => {
    expect(explain(null, { access: 'write', topic: 'a' }).allowed).toBe(true);
  });
});

describe('explain: what mosquitto decides before the rules', () => {
  it('an empty username is no username (mosquitto reads a zero-length string as absent)', () => {
    const a = parseAclFile('topic readwrite anon/#\npattern readwrite pu/%u/#\nuser x\ntopic readwrite #\n', 'a');
    const ex = explain(a, { username: '', clientId: 'c', access: 'write', topic: 'anon/1' });
    expect(ex).toMatchObject({ allowed: true, decidingRule: { line: 1 } });
    expect(ex.text).toContain('Can an anonymous client (empty username) (client id c) write anon/1?');
    expect(ex.steps[0]!.reason).toBe('the username is empty, which mosquitto reads as no username: the client is anonymous');
    expect(explain(a, { username: '', clientId: 'c', access: 'write', topic: 'pu//x' }).allowed).toBe(false);
    expect(isAllowed(a, { username: '', clientId: 'c', access: 'read', topic: 'anon/1' })).toBe(true);
  });

  it('rules after a $SYS write or a wildcard username are "not checked", with the reason', () => {
    const sys = explain(acl, { username: 'admin', clientId: 'a', access: 'write', topic: '$SYS/x' });
    expect(sys.steps.slice(1).map((s) => s.reason)).toEqual([
      'pattern readwrite +/+/+/%u was not checked: mosquitto refuses client writes to $SYS before the acl_file',
      'topic readwrite # was not checked: mosquitto refuses client writes to $SYS before the acl_file',
    ]);
    const wild = explain(acl, { username: 'a#b', clientId: 'a', access: 'write', topic: 'x/y/z/a' });
    expect(wild.steps.find((s) => s.line === 2)!.reason)
      .toBe("pattern readwrite +/+/+/%u was not checked: mosquitto does not check patterns for a username containing '+' or '#'");
  });

  it('a control character or non-character in the topic, username or client id: mosquitto closes the connection, no rule is checked', () => {
    const w = explain(acl, { username: 'admin', clientId: 'a', access: 'write', topic: 'a\tb' });
    expect(w).toMatchObject({ allowed: false, decidingRule: null });
    expect(w.steps[0]!.reason).toBe('the topic a\tb holds the control character U+0009, which mosquitto refuses in any MQTT string');
    expect(w.steps.slice(1).map((s) => s.reason)).toContain('topic readwrite # was not checked: mosquitto refuses the control character U+0009 in the topic before the acl_file');
    expect(w.text).toContain('Verdict: DENIED. mosquitto closes the connection on such a PUBLISH, without acknowledging it');
    expect(explain(acl, { username: 'admin', access: 'read', topic: 'a\u0000' }).steps[0]!.reason).toContain('U+0000, which mosquitto refuses in any MQTT string [MQTT-1.5.3-2]');
    expect(explain(acl, { username: 'admin', access: 'subscribe', topic: 'a/\ufdd0' }).text).toContain('the filter a/\ufdd0 holds the non-character U+FDD0');
    const u = explain(acl, { username: 'ad\u007fmin', clientId: 'a', access: 'read', topic: 'x' });
    expect(u.allowed).toBe(false);
    expect(u.text).toContain('a client with this username never logs in');
    expect(explain(acl, { username: 'admin', clientId: 'c\u0085', access: 'read', topic: 'x' }).text).toContain('a client with this client id never logs in');
    // Characters mosquitto takes change nothing.
    expect(explain(acl, { username: 'admin', clientId: 'é', access: 'write', topic: 'a/\ufffd/\u{1f600}' }).allowed).toBe(true);
  });

  it.each([
    ['a/#/b', "'#' must be a whole level and the last one"],
    ['a+', "'+' must be a whole level"],
    ['#/x', "'#' must be a whole level and the last one"],
    ['$share', "'$share' needs a group name and a filter ($share/GROUP/FILTER)"],
    ['$share/g+/t', "'+' must be a whole level"],
  ])('SUBSCRIBE to the invalid filter %s: the connection is closed', (filter, problem) => {
    const ex = explain(acl, { username: 'user1', access: 'subscribe', topic: filter });
    expect(ex.allowed).toBe(false);
    expect(ex.steps[0]!.reason).toBe(`${filter} is not a valid topic filter: ${problem}`);
    expect(ex.text).toContain('mosquitto closes the connection without a SUBACK');
  });

  it('SUBSCRIBE to a shared subscription explains the round robin', () => {
    const ex = explain(acl, { username: 'user1', access: 'subscribe', topic: '$share/g/t/#' });
    expect(ex.allowed).toBe(true);
    expect(ex.text).toContain("each message on a topic matching t/# goes to one member of group 'g' in turn");
    expect(explain(acl, { access: 'subscribe', topic: '$share/g' }).text).toContain('no message ever matches it');
  });
});

describe('explain SUBSCRIBE: what the acl_file lets the subscription deliver', () => {
  const a = parseAclFile([
    'user alice', 'topic read a/#', 'topic write a/w/#', 'topic deny a/secret/#', 'topic e//+',
    'user bob', 'topic readwrite bob/#',
    'pattern readwrite +/+/+/%u', 'pattern read dev/%c/#', 'pattern deny +/+/+/bob', '',
  ].join('\n'), 'acl');
  const sub = (username: string, topic: string, clientId?: string) =>
    explain(a, { username, access: 'subscribe', topic, ...(clientId !== undefined ? { clientId } : {}) });

  it('a filter broader than the rules: granted, and the rules that can deliver are named', () => {
    const ex = sub('alice', '#', 'c1');
    expect(ex.allowed).toBe(true);
    expect(ex.text).toContain('Of the topics that match #, alice (client id c1) is sent only those that lines 2, 5, 8, 9 let it read and lines 4, 10 do not deny; the others are withheld.');
    expect(ex.text).toMatch(/line {3}3 {4}- {4}topic write a\/w\/# in section 'user alice' shares topics with # but grants only write/);
  });

  it('a filter no rule lets the client read: the SUBACK grants it and nothing is ever delivered', () => {
    expect(sub('alice', 'sensors/+/temp', 'c1').text).toContain('No rule lets alice (client id c1) read a topic that matches sensors/+/temp: nothing is ever delivered on this subscription, although the SUBACK grants it.');
    // The tutorial: user2 subscribed to user1's topic.
    const t = explain(acl, { username: 'user2', access: 'subscribe', topic: 'colombia/cundinamarca/cajica/user1' });
    expect(t.text).toContain('No rule lets user2 read a topic that matches colombia/cundinamarca/cajica/user1: nothing is ever delivered');
  });

  it('a deny in the client\'s own list that covers the filter wins over every grant', () => {
    expect(sub('alice', 'a/secret/+', 'c1').text).toContain('But line 4 (topic deny a/secret/#) denies every topic that matches a/secret/+ before any grant is looked at: nothing is ever delivered');
  });

  it('a pattern deny that covers the filter overrules pattern grants, not the user section', () => {
    expect(sub('bob', 'x/y/z/bob', 'c1').text).toContain('overruled by line 10 (pattern deny +/+/+/bob)');
    expect(sub('bob', 'bob/#', 'c1').text).toContain('bob (client id c1) is sent only those that lines 7, 8 let it read and line 10 does not deny');
  });

  it('%c patterns without a client id: only those that can reach the filter are mentioned', () => {
    expect(sub('alice', 'dev/+/x').text).toContain('unless the client id makes line 9 grant it');
    expect(sub('alice', 'sensors/+').text).toContain('No rule lets alice read a topic that matches sensors/+: nothing is ever delivered');
  });

  it('a shared subscription is judged by its filter', () => {
    expect(sub('alice', '$share/g/a/secret/#', 'c1').text).toContain('denies every topic that matches a/secret/#');
  });
});

describe('explain without a client id: %c patterns', () => {
  const grant = parseAclFile('pattern readwrite dev/%c/#\n', 'grant.acl');
  const deny = parseAclFile('pattern deny dev/%c/secret\npattern readwrite dev/#\n', 'deny.acl');

  it('a %c grant that could match: the verdict depends on the client id', () => {
    const ex = explain(grant, { username: 'bob', access: 'write', topic: 'dev/x/1' });
    expect(ex).toMatchObject({ allowed: false, dependsOnClientId: true });
    expect(ex.clientIdSkipped.map((r) => r.line)).toEqual([1]);
    expect(ex.alternatives[0]).toMatchObject({ clientId: 'x', allowed: true, decidingRule: { line: 1 } });
    expect(ex.text).toContain('Verdict: DEPENDS ON THE CLIENT ID. Without a client id that makes line 1 match: DENIED.');
    expect(ex.text).toContain("But with client id 'x' it is ALLOWED by line 1 (pattern readwrite dev/%c/#)");
    expect(ex.text).toContain('Line 1 uses %c and was skipped: give --client-id to decide.');
    // With the client id there is nothing left to depend on.
    expect(explain(grant, { username: 'bob', clientId: 'x', access: 'write', topic: 'dev/x/1' }))
      .toMatchObject({ allowed: true, dependsOnClientId: false, clientIdSkipped: [] });
  });

  it('a %c deny that could match: an ALLOWED verdict depends on the client id too', () => {
    const ex = explain(deny, { username: 'bob', access: 'write', topic: 'dev/x/secret' });
    expect(ex).toMatchObject({ allowed: true, dependsOnClientId: true, decidingRule: { line: 2 } });
    expect(ex.text).toContain("But with client id 'x' it is DENIED by line 1 (pattern deny dev/%c/secret)");
    expect(explain(deny, { username: 'bob', clientId: 'x', access: 'write', topic: 'dev/x/secret' }).allowed).toBe(false);
    expect(explain(deny, { username: 'bob', clientId: 'y', access: 'write', topic: 'dev/x/secret' }).allowed).toBe(true);
  });

  it('a %c pattern that no client id can make match does not make the verdict depend on it', () => {
    const ex = explain(deny, { username: 'bob', access: 'write', topic: 'dev/x/other' });
    expect(ex).toMatchObject({ allowed: true, dependsOnClientId: false, alternatives: [] });
    expect(ex.text).toContain('Line 1 uses %c and was skipped (no --client-id); no client id makes it match dev/x/other.');
  });

  it('a %c inside the username is not a client id placeholder (mosquitto substitutes in one pass)', () => {
    expect(clientIdsMatching('p/%u/%c', '%c', 'p/x/x')).toEqual([]);
    expect(clientIdsMatching('p/%u/%c', '%c', 'p/%c/y')).toEqual(['y']);
    const acl = parseAclFile('pattern readwrite p/%u\n', 'acl');
    expect(explain(acl, { username: '%c', access: 'write', topic: 'p/x' })).toMatchObject({ allowed: false, dependsOnClientId: false, alternatives: [] });
  });

  it('clientIdsMatching reads %c textually, the same string every time', () => {
    expect(clientIdsMatching('dev/%c/#', null, 'dev/x/1')).toEqual(['x', 'x/1']);
    expect(clientIdsMatching('%c/in/%c', null, 'a/in/a')).toEqual(['a']);
    expect(clientIdsMatching('%c/in/%c', null, 'a/in/b')).toEqual([]);
    expect(clientIdsMatching('u/%u/%c', 'bob', 'u/bob/k')).toEqual(['k']);
    expect(clientIdsMatching('+/%c', null, 'a/b.c')).toEqual(['b.c']);
  });
});
