// connect-refused explained by a password_file (proxy/up --passwd): the same
// checks the bundled broker makes (src/acl/password-file.ts), never the password.
import { createHash, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePasswordFile, PasswordChecker } from '../../src/acl/password-file.js';
import type { CredentialCheck, CredentialVerdict } from '../../src/analysis/sessions.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { findingToJson } from '../../src/views/json.js';
import { type Client, Scenario, summary } from './helpers.js';

const SALT = Buffer.from('0123456789ab');
const sha6 = (pw: string): string => `$6$${SALT.toString('base64')}$${createHash('sha512').update(pw).update(SALT).digest('base64')}`;
const pbk7 = (pw: string, n: number): string => `$7$${n}$${SALT.toString('base64')}$${pbkdf2Sync(pw, SALT, n, 64, 'sha512').toString('base64')}`;

const FILE = parsePasswordFile([
  'plain:secret-plain',
  `six:${sha6('secret-six')}`,
  `seven:${pbk7('secret-seven', 1000)}`,
].join('\n'), 'pw.txt');

/** CONNECT with a user name and password, then CONNACK `code`. */
function attempt(sc: Scenario, c: Client, username: string | null, password: string | null, code: number, clientId = c.name): { connect: PacketRecord; connack: PacketRecord } {
  c.clientId = clientId;
  c.username = username;
  const connect = sc.feed(c, 'c2s', summary(1, {
    connect: {
      protocolName: 'MQTT', protocolLevel: c.version, cleanSession: true, keepAlive: 60, clientId, username,
      password: password === null ? null : new TextEncoder().encode(password), will: null,
    },
  }));
  return { connect, connack: c.connack(code) };
}

function scenario(opts: { checker?: CredentialCheck } = {}): { sc: Scenario; checker: PasswordChecker } {
  const checker = new PasswordChecker(FILE);
  return { sc: new Scenario({ credentials: opts.checker ?? checker }), checker };
}

function client(sc: Scenario, name: string, version: ProtocolVersion = 4): Client {
  return sc.client(name, { version });
}

describe('connect-refused with --passwd', () => {
  it('the user name is not in the password file', () => {
    const { sc } = scenario();
    attempt(sc, client(sc, 'c'), 'nobody', 'whatever', 5);
    const [f] = sc.findings;
    expect(f).toMatchObject({ code: 'connect-refused', username: 'nobody', extra: { reason_code: 5, passwd_file: 'pw.txt', passwd_check: 'unknown-user' } });
    expect(f!.text).toContain("CONNACK 5 (Connection Refused, not authorized). User name 'nobody' is not in the password file pw.txt.");
  });

  it('the password does not match its entry (plain and $6$), and is never shown', () => {
    const { sc } = scenario();
    attempt(sc, client(sc, 'a'), 'plain', 'wrong-one', 5);
    attempt(sc, client(sc, 'b', 5), 'six', 'wrong-two', 0x86);
    expect(sc.findings.map((f) => [f.extra['passwd_check'], f.extra['passwd_line']])).toEqual([['bad-password', 1], ['bad-password', 2]]);
    expect(sc.findings[0]!.text).toContain("The password given (9 bytes) does not match the entry for 'plain' in pw.txt (line 1).");
    expect(sc.findings[1]!.text).toContain("CONNACK 0x86 (Bad User Name or Password). The password given (9 bytes) does not match the entry for 'six' in pw.txt (line 2).");
    for (const f of sc.findings) {
      const json = JSON.stringify(findingToJson(f));
      expect(json).not.toContain('wrong-');
      expect(json).not.toContain('secret-');
    }
  });

  it('the password matches: the refusal is about something else', () => {
    const { sc } = scenario();
    attempt(sc, client(sc, 'a'), 'plain', 'secret-plain', 5);
    attempt(sc, client(sc, 'b', 5), 'six', 'secret-six', 0x87);
    expect(sc.findings.map((f) => f.extra['passwd_check'])).toEqual(['match', 'match']);
    expect(sc.findings[0]!.text).toContain("The password given (12 bytes) matches the entry for 'plain' in pw.txt (line 1), so the refusal is not about the password");
    expect(sc.findings[0]!.text).toContain('the client id, an ACL or plugin, anonymous access');
    expect(sc.findings[0]!.text).not.toContain('a wrong username or password');
  });

  it('no user name (anonymous; an empty one counts as none), and a known user without a password', () => {
    const { sc } = scenario();
    attempt(sc, client(sc, 'a'), null, null, 5);
    attempt(sc, client(sc, 'b', 5), '', null, 0x87);
    attempt(sc, client(sc, 'c'), 'plain', null, 5);
    expect(sc.findings.map((f) => f.extra['passwd_check'])).toEqual(['anonymous', 'anonymous', 'no-password']);
    expect(sc.findings[0]!.text).toContain('No user name was given: the client connected anonymously');
    expect(sc.findings[0]!.text).toContain('allow_anonymous true');
    expect(sc.findings[2]!.text).toContain("'plain' is in pw.txt (line 1), but the CONNECT gave no password");
  });

  it('a $7$ (PBKDF2) entry is checked off the hot path: prefetched at CONNECT, the finding waits for it', async () => {
    const { sc, checker } = scenario();
    const c = client(sc, 'c');
    const { connect } = attempt(sc, c, 'seven', 'nope', 5);
    // Not known yet at the CONNACK: nothing said until the check is done.
    expect(sc.findings).toEqual([]);
    expect(checker.stats.verified).toBe(1);
    await checker.idle();
    sc.wait(1).tick();
    expect(sc.findings).toMatchObject([{ code: 'connect-refused', frames: [connect.frame, connect.frame + 1], extra: { passwd_check: 'bad-password', passwd_line: 3 } }]);
    // The same (user, password) again: the cached verdict, at once, no second hash.
    attempt(sc, client(sc, 'd'), 'seven', 'nope', 5);
    attempt(sc, client(sc, 'e'), 'seven', 'nope', 5);
    expect(sc.findings.map((f) => f.extra['passwd_check'])).toEqual(['bad-password', 'bad-password', 'bad-password']);
    attempt(sc, client(sc, 'f'), 'seven', 'secret-seven', 5);
    await checker.idle();
    sc.tick();
    expect(sc.findings.map((f) => f.extra['passwd_check'])).toEqual(['bad-password', 'bad-password', 'bad-password', 'match']);
    expect(checker.stats.verified).toBe(2);
  });

  it('slow checks beyond the per-second budget wait for the next second instead of being "too many" at once', async () => {
    let now = 0;
    const checker = new PasswordChecker(FILE, { perSecond: 2, maxRunning: 10, nowMs: () => now });
    const sc = new Scenario({ credentials: checker });
    for (let i = 0; i < 4; i++) attempt(sc, client(sc, `c${i}`), 'seven', `guess-${i}`, 5);
    // Two prefetched at CONNECT, two queued at the refusal: all four wait, none is "too many".
    expect(sc.findings).toEqual([]);
    expect(checker.stats).toEqual({ verified: 2, prefetched: 2, tooMany: 0 });
    now = 1000;
    await checker.idle();
    sc.tick();
    expect(sc.findings.map((f) => [f.clientId, f.extra['passwd_check']])).toEqual([
      ['c0', 'bad-password'], ['c1', 'bad-password'], ['c2', 'bad-password'], ['c3', 'bad-password'],
    ]);
    expect(checker.stats).toEqual({ verified: 4, prefetched: 2, tooMany: 0 });
  });

  it('a refusal reported as not checked at the end of input drops its queued check', () => {
    const checker = new PasswordChecker(FILE, { perSecond: 100, maxRunning: 1 });
    const sc = new Scenario({ credentials: checker });
    for (let i = 0; i < 5; i++) attempt(sc, client(sc, `c${i}`), 'seven', `guess-${i}`, 5);
    expect(checker.stats.verified).toBe(1); // one slot: the others are queued
    sc.end(1);
    expect(sc.findings.map((f) => f.extra['passwd_not_checked'])).toEqual(Array(5).fill('unfinished'));
    return checker.idle().then(() => expect(checker.stats.verified).toBe(1));
  });

  it('accepted $7$ logins do not spend the budget that a refused CONNECT needs (a reconnect storm)', async () => {
    const users = Array.from({ length: 10 }, (_, i) => `u${i}:${pbk7(`pw-${i}`, 1000)}`);
    const checker = new PasswordChecker(parsePasswordFile([...users, `seven:${pbk7('secret-seven', 1000)}`].join('\n'), 'pw.txt'),
      { maxRunning: 2, perSecond: 8 });
    const sc = new Scenario({ credentials: checker });
    for (let i = 0; i < 10; i++) attempt(sc, client(sc, `ok${i}`), `u${i}`, `pw-${i}`, 0);
    expect(checker.stats.tooMany).toBe(0);
    expect(checker.stats.verified).toBeLessThanOrEqual(2); // prefetched only while a slot was free
    attempt(sc, client(sc, 'bad'), 'seven', 'wrong', 5);
    for (let t = 0; t < 200 && sc.findings.length === 0; t++) {
      await checker.idle();
      sc.wait(1).tick();
    }
    expect(sc.findings).toMatchObject([{ clientId: 'bad', extra: { passwd_check: 'bad-password', passwd_line: 11 } }]);
    expect(sc.findings[0]!.extra['passwd_not_checked']).toBeUndefined();
  });

  it('accepted CONNECTs with a plain or $6$ entry cost no check at all; a refused one is checked at the refusal', () => {
    const calls: string[] = [];
    const real = new PasswordChecker(FILE);
    const spy: CredentialCheck = {
      path: 'pw.txt', completed: 0, lineOf: (u) => real.lineOf(u),
      prefetch: (u, p) => { calls.push(`prefetch ${u}`); real.prefetch(u, p); },
      check: (u, p, k) => { calls.push(`check ${u}`); return real.check(u, p, k); },
    };
    const sc = new Scenario({ credentials: spy });
    attempt(sc, client(sc, 'a'), 'plain', 'secret-plain', 0);
    attempt(sc, client(sc, 'b'), 'six', 'secret-six', 0);
    expect(calls).toEqual(['prefetch plain', 'prefetch six']);
    expect(real.stats).toEqual({ verified: 0, prefetched: 0, tooMany: 0 });
    attempt(sc, client(sc, 'c'), 'six', 'nope', 5);
    expect(calls.slice(2)).toEqual(['prefetch six', 'check six']);
    expect(sc.findings.map((f) => f.extra['passwd_check'])).toEqual(['bad-password']);
  });

  it('"too many" is waited out like "pending": the check is asked again when one finishes, until 5 s have passed', () => {
    let answers: CredentialVerdict[] = ['too-many', 'too-many', 'bad-password'];
    const stub = { path: 'pw.txt', completed: 0, lineOf: () => 3, check: (): CredentialVerdict => answers.shift() ?? 'too-many' };
    const sc = new Scenario({ credentials: stub });
    attempt(sc, client(sc, 'a'), 'seven', 'nope', 5);
    expect(sc.findings).toEqual([]);
    stub.completed++;
    sc.tick();
    expect(sc.findings).toEqual([]);
    stub.completed++;
    sc.tick();
    expect(sc.findings).toMatchObject([{ clientId: 'a', extra: { passwd_check: 'bad-password' } }]);
    // Never a slot within 5 s: not checked, too many.
    answers = [];
    attempt(sc, client(sc, 'b'), 'seven', 'nope', 5);
    sc.wait(4000).tick();
    expect(sc.findings).toHaveLength(1);
    sc.wait(1500).tick();
    expect(sc.findings[1]).toMatchObject({ clientId: 'b', extra: { passwd_check: 'not-checked', passwd_not_checked: 'too-many' } });
    expect(sc.findings[1]!.text).toContain('The password was not checked against pw.txt: too many slow ($7$) password checks at once');
  });

  it('refusals waiting for a check are not re-checked on every packet: only when a check finished or a wait ran out', () => {
    let checks = 0;
    let keys = 0;
    const stub = {
      path: 'slow.txt', completed: 0, lineOf: () => 7,
      keyOf: () => { keys++; return 'k'; },
      check: (_u: string, _p: Uint8Array | null, k?: string): CredentialVerdict => { checks++; if (checks > N) expect(k).toBe('k'); return 'pending'; },
    };
    const N = 50;
    const sc = new Scenario({ credentials: stub });
    for (let i = 0; i < N; i++) attempt(sc, client(sc, `r${i}`), 'u', `p${i}`, 5);
    expect([checks, keys]).toEqual([N, N]);
    const busy = sc.client('busy').login();
    for (let i = 0; i < 10_000; i++) busy.publish({ topic: 't', payload: 'x' });
    expect(checks).toBe(N);
    stub.completed++; // a check finished: every waiting refusal is asked once
    for (let i = 0; i < 100; i++) busy.publish({ topic: 't', payload: 'x' });
    expect(checks).toBe(2 * N);
    sc.wait(5100).tick(); // the waits ran out
    expect(checks).toBe(3 * N);
    expect(sc.findings.filter((f) => f.code === 'connect-refused').map((f) => f.extra['passwd_not_checked'])).toEqual(Array(N).fill('too-slow'));
    for (let i = 0; i < 1000; i++) busy.publish({ topic: 't', payload: 'x' });
    expect([checks, keys]).toEqual([3 * N, N]);
  });

  it('a check that never finishes: reported as not checked after 5 s, or at the end of input', () => {
    const never: CredentialCheck = { path: 'slow.txt', completed: 0, check: () => 'pending', lineOf: () => 7 };
    const sc = new Scenario({ credentials: never });
    attempt(sc, client(sc, 'a'), 'u', 'p', 5);
    sc.wait(4000).tick();
    expect(sc.findings).toEqual([]);
    sc.wait(1500).tick();
    expect(sc.findings).toMatchObject([{ clientId: 'a', extra: { passwd_check: 'not-checked', passwd_not_checked: 'too-slow', passwd_line: 7 } }]);
    expect(sc.findings[0]!.text).toContain('its $7$ hash did not finish within 5 s');
    attempt(sc, client(sc, 'b'), 'u', 'p', 5);
    sc.end(1);
    expect(sc.findings.map((f) => [f.clientId, f.extra['passwd_not_checked']])).toEqual([['a', 'too-slow'], ['b', 'unfinished']]);
    expect(sc.findings[1]!.text).toContain('its $7$ hash had not finished when the input ended');
  });

  it('an MQTT 5 CONNECT answered with a 3.1.1 code keeps the hint that the broker does not speak MQTT 5; code 1 is not explained', () => {
    const { sc } = scenario();
    attempt(sc, client(sc, 'a', 5), 'plain', 'bad', 5);
    attempt(sc, client(sc, 'b', 5), 'plain', 'bad', 1);
    expect(sc.findings[0]!.text).toContain('the broker does not speak MQTT 5');
    expect(sc.findings[0]!.extra['passwd_check']).toBe('bad-password');
    expect(sc.findings[1]!.extra['passwd_check']).toBeUndefined();
  });

  it('without --passwd nothing changes', () => {
    const sc = new Scenario();
    attempt(sc, client(sc, 'a'), 'plain', 'bad', 5);
    expect(sc.findings[0]!.extra).toEqual({ reason_code: 5, reason: 'Connection Refused, not authorized' });
    expect(sc.findings[0]!.text).toContain('a wrong username or password');
  });
});

describe('connect-refused client id', () => {
  it('an empty client id is "" in the finding, as in the packets; null only when unknown', () => {
    const sc = new Scenario();
    const c = client(sc, 'x');
    const { connect } = attempt(sc, c, 'u', 'p', 2, '');
    expect(connect.clientId).toBe('');
    const [f] = sc.findings;
    expect(f!.clientId).toBe('');
    expect(findingToJson(f!)['client_id']).toBe('');
    // A CONNACK on a connection whose CONNECT was not seen: unknown.
    const m = sc.client('m', { open: false });
    m.connack(5);
    expect(sc.findings[1]!.clientId).toBeNull();
  });
});

describe('an empty client id in the other findings', () => {
  it('qos-flow-incomplete and undelivered-publish say "" for a client that connected with an empty id', () => {
    const sc = new Scenario();
    const sub = sc.client('sub').login({ clientId: 'watcher' }).sub(1, ['#']);
    const anon = sc.client('anon').login({ clientId: '' });
    anon.publish({ topic: 'a/b', payload: 'lost' }); // delivered to nobody
    anon.publish({ topic: 'a/c', qos: 1, id: 7 }); // never acked
    sc.wait(6000).tick();
    anon.close('reset');
    sc.end();
    void sub;
    for (const code of ['undelivered-publish', 'qos-flow-incomplete']) {
      const f = sc.byCode(code).find((x) => x.conn === anon.meta.id);
      expect(f, code).toBeDefined();
      expect(f!.clientId, code).toBe('');
      expect(findingToJson(f!)['client_id'], code).toBe('');
    }
  });
});

