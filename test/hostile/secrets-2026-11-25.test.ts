// Secrets audit of the code paths added on 2026-11-25: what user-controlled text they
// print, and whether a password (CONNECT Password, Authentication Data, a password_file
// line) can reach the terminal without --show-secrets.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../src/filter/index.js';
import { carriesCredentials } from '../../src/replay/index.js';
import { conversation, pcapFile, type Rec } from '../capture/builders.js';
import { runCli } from '../replay/helpers.js';

/** The message and the one-line reason of the error compiling `expr` throws. */
function errorText(expr: string): string {
  try {
    compileFilter(expr);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterSyntaxError);
    return `${(e as FilterSyntaxError).message}\n${(e as FilterSyntaxError).reason}`;
  }
  throw new Error(`${expr} compiled`);
}

describe('filter echoes: forms the slice and literal work made reachable', () => {
  it('masks the set a sliced password is tested against (a valid filter, echoed on the summary and status lines)', () => {
    expect(() => compileFilter('mqtt.passwd[0:3] in {"hun" "abc"}')).not.toThrow();
    expect(maskFilterSecrets('mqtt.passwd[0:3] in {"hun" "abc"}')).toBe('mqtt.passwd[0:3] in {"***" "***"}');
    expect(maskFilterSecrets('mqtt.property.authentication_data[1:] not in {"ROOF"}'))
      .toBe('mqtt.property.authentication_data[1:] not in {"****"}');
  });

  it('masks a raw string r"..." whole: the syntax error quoted the password between its quotes', () => {
    const text = errorText('mqtt.passwd == r"hunt zq9x"');
    expect(text).not.toContain('hunt');
    expect(text).not.toContain('zq9x');
    expect(maskFilterSecrets('mqtt.passwd == r"hunt zq9x"')).toBe('mqtt.passwd == r"*********"');
  });

  it('masks a single-quoted password with a space in it, and the reversed form', () => {
    expect(errorText("mqtt.passwd == 'hunt zq9x'")).not.toMatch(/hunt|zq9x/);
    expect(maskFilterSecrets("mqtt.passwd == 'hunt zq9x'")).toBe("mqtt.passwd == '*********'");
    expect(maskFilterSecrets("'hunt zq9x' == mqtt.passwd")).toBe("'*********' == mqtt.passwd");
  });

  it('masks every bare word of an unquoted password with a space (the error quoted the second word)', () => {
    const text = errorText('mqtt.passwd == hunt zq9x');
    expect(text).not.toMatch(/hunt|zq9x/);
    expect(maskFilterSecrets('mqtt.passwd == hunt zq9x and topic == a')).toBe('mqtt.passwd == **** **** and topic == a');
    expect(maskFilterSecrets('mqtt.passwd == hunt || topic == a')).toBe('mqtt.passwd == **** || topic == a');
  });

  it('masks the value of an in without braces (the error quoted it: found the string "...")', () => {
    expect(errorText('mqtt.passwd in "hunt"')).not.toContain('hunt');
    expect(errorText('mqtt.passwd in hunt')).not.toContain('hunt');
    expect(maskFilterSecrets('mqtt.passwd in "hunt"')).toBe('mqtt.passwd in "****"');
  });

  it('masks a password in parentheses, and keeps the operator whole in the error', () => {
    const text = errorText('mqtt.passwd == (hunt)');
    expect(text).not.toContain('hunt');
    // The reason names the operator as typed: it said after '**' when '=' was read as the literal.
    expect(text).toContain("after '=='");
    expect(maskFilterSecrets('mqtt.passwd == ("hunt")')).toBe('mqtt.passwd == ("****")');
  });
});

/** MQTT 5 CONNECT with a Password and no User Name (allowed in MQTT 5, [MQTT 5.0 §3.1.2.9]). */
const V5_PASSWORD_NO_USER = Buffer.from([
  0x10, // CONNECT
  0x17, // Remaining Length 23
  0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
  0x05, // Protocol Level 5
  0x42, // Connect Flags: Password, Clean Start
  0x00, 0x3c, // Keep Alive 60
  0x00, // Property Length 0
  0x00, 0x01, 0x70, // Client Identifier "p"
  0x00, 0x07, ...Buffer.from('prod-pw'), // Password "prod-pw"
]);

/** MQTT 5 CONNECT with Authentication Method and Data and no User Name or Password. */
const V5_AUTH_DATA_NO_USER = Buffer.from([
  0x10, // CONNECT
  0x1c, // Remaining Length 28
  0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
  0x05, // Protocol Level 5
  0x02, // Connect Flags: Clean Start
  0x00, 0x3c, // Keep Alive 60
  0x0e, // Property Length 14
  0x15, 0x00, 0x04, ...Buffer.from('SCRM'), // Authentication Method "SCRM"
  0x16, 0x00, 0x04, ...Buffer.from('prod'), // Authentication Data "prod"
  0x00, 0x01, 0x71, // Client Identifier "q"
]);

/** MQTT 3.1.1 CONNECT with neither User Name nor Password. */
const V4_ANONYMOUS = Buffer.from([
  0x10, // CONNECT
  0x0d, // Remaining Length 13
  0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
  0x04, // Protocol Level 4
  0x02, // Connect Flags: Clean Session
  0x00, 0x3c, // Keep Alive 60
  0x00, 0x01, 0x72, // Client Identifier "r"
]);

describe('filter errors quoting a piece of a password', () => {
  it('masks the bad escape the reason quotes (it showed the character after the backslash)', () => {
    const e = (() => { try { compileFilter('mqtt.passwd == "hunt\\qer"'); } catch (x) { return x as FilterSyntaxError; } throw new Error('compiled'); })();
    expect(e.reason).toBe("unknown escape '**' (use \\\\ for a backslash)");
    expect(e.message).not.toContain('\\q');
  });
});

describe('replay --credentials and a CONNECT with no user name', () => {
  it('tells a CONNECT that carries a password or Authentication Data from one that carries none', () => {
    expect(carriesCredentials(V5_PASSWORD_NO_USER)).toBe(true);
    expect(carriesCredentials(V5_AUTH_DATA_NO_USER)).toBe(true);
    expect(carriesCredentials(V4_ANONYMOUS)).toBe(false);
    expect(carriesCredentials(V4_ANONYMOUS.subarray(0, 9))).toBe(false);
  });

  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-2026-11-25-'));
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says on stderr that such a CONNECT went with its captured password (it went silently)', async () => {
    const recs: Rec[] = [];
    [V5_PASSWORD_NO_USER, V5_AUTH_DATA_NO_USER, V4_ANONYMOUS].forEach((connect, i) => {
      recs.push(...conversation([
        { dir: 'c2s', bytes: connect },
        { dir: 's2c', bytes: Buffer.from(i < 2 ? [0x20, 0x03, 0x00, 0x00, 0x00] : [0x20, 0x02, 0x00, 0x00]) }, // CONNACK
        { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
      ], { client: { host: '10.0.0.1', port: 51000 + i }, t0: 1_700_000_000_000_000 + i * 100_000 }));
    });
    const file = join(dir, 'anonymous.pcap');
    await writeFile(file, pcapFile(recs));
    const creds = join(dir, 'creds');
    await writeFile(creds, 'alice:alice-test-pw\n');
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--credentials', creds]);
    expect(r.stderr).toContain(`--credentials ${creds}: 2 connection(s) sent no user name but a password or Authentication Data`);
    expect(r.stderr).toContain('their CONNECT was sent with the captured one');
    expect(r.stdout + r.stderr).not.toMatch(/prod-pw|alice-test-pw/);
  }, 30_000);

  it('escapes control characters of a captured user name it names on stderr (an escape sequence reached the terminal)', async () => {
    const user = 'ev\x1b]0;owned\x07il';
    const connect = Buffer.from([
      0x10, // CONNECT
      0x0f + user.length, // Remaining Length 15 + the user name
      0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
      0x04, // Protocol Level 4
      0x82, // Connect Flags: User Name, Clean Session
      0x00, 0x3c, // Keep Alive 60
      0x00, 0x01, 0x73, // Client Identifier "s"
      0x00, user.length, ...Buffer.from(user, 'latin1'), // User Name with ESC and BEL
    ]);
    const file = join(dir, 'escape.pcap');
    await writeFile(file, pcapFile(conversation([
      { dir: 'c2s', bytes: connect },
      { dir: 's2c', bytes: Buffer.from([0x20, 0x02, 0x00, 0x00]) }, // CONNACK
    ], { client: { host: '10.0.0.1', port: 52000 }, t0: 1_700_000_000_000_000 })));
    const creds = join(dir, 'creds-escape');
    await writeFile(creds, 'alice:alice-test-pw\n');
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--credentials', creds]);
    expect(r.stderr).toContain("no line for user name 'ev\\x1b]0;owned\\x07il'");
    expect(r.stderr).not.toMatch(/[\x1b\x07]/);
  }, 30_000);
});
