import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePasswordFile, verifyPassword, authenticate, AclFileError } from '../../src/acl/index.js';
import mqtt from 'mqtt';
import { requireBinary } from '../helpers/peers.js';
import { startConfMosquitto } from '../broker/mosquitto-verdict.js';
import { tempDir } from '../helpers/tmp.js';

describe('password_file', () => {
  let real: string;
  beforeAll(() => {
    const bin = requireBinary('mosquitto_passwd');
    const dir = tempDir('mqttscope-pw-');
    const file = join(dir, 'passwd');
    execFileSync(bin, ['-c', '-b', file, 'user1', 'pass1']); // $7$ (PBKDF2-SHA512)
    execFileSync(bin, ['-H', 'sha512', '-b', file, 'user2', 'pass2']); // $6$
    real = readFileSync(file, 'utf8');
  });

  it('verifies $7$ hashes written by mosquitto_passwd', () => {
    expect(real).toMatch(/^user1:\$7\$\d+\$/m);
    const pw = parsePasswordFile(real, 'passwd');
    const e = pw.users.get('user1')!;
    expect(e.kind).toBe('pbkdf2-sha512');
    expect(verifyPassword(e, 'pass1')).toBe(true);
    expect(verifyPassword(e, 'pass2')).toBe(false);
  });

  it('verifies $6$ hashes written by mosquitto_passwd -H sha512', () => {
    expect(real).toMatch(/^user2:\$6\$/m);
    const pw = parsePasswordFile(real, 'passwd');
    const e = pw.users.get('user2')!;
    expect(e.kind).toBe('sha512');
    expect(verifyPassword(e, 'pass2')).toBe(true);
    expect(verifyPassword(e, 'pass1')).toBe(false);
  });

  it('accepts plain text and reports unknown users and bad passwords', () => {
    const pw = parsePasswordFile('# users\nadmin:adminpw\n\nuser1:pass1\n', 'plain');
    expect(authenticate(pw, 'admin', 'adminpw')).toBe('ok');
    expect(authenticate(pw, 'admin', 'nope')).toBe('bad-password');
    expect(authenticate(pw, 'ghost', 'x')).toBe('unknown-user');
    expect(authenticate(pw, 'user1', undefined)).toBe('no-password');
  });

  it.each([
    ['user1 pass1', 'plain:2: expected USER:PASSWORD'],
    [':pass', 'plain:2: empty username'],
    ['user1:', "plain:2: empty password for user 'user1'"],
    ['user1:$7$abc$c2FsdA==$aGFzaA==', "plain:2: malformed $7$ hash for user 'user1': the iteration count (the field after $7$) is not a positive integer"],
    ['user1:$6$c2FsdA==', "plain:2: malformed $6$ hash"],
    ['user1:$5$x$y', "plain:2: unknown password hash type '$5$'"],
    ['user1:$6$c2FsdHNhbHRzYWx0$aGFzaA==', "plain:2: $6$ hash for user 'user1' is 4 bytes, expected 64"],
    ['user1:$7$101$c2FsdA==$aGFzaA==', "plain:2: $7$ salt for user 'user1' is 4 bytes; mosquitto 2.0 accepts only 12-byte salts"],
  ])('rejects %j with file:line', (line, message) => {
    let err: unknown;
    try { parsePasswordFile(`ok:fine\n${line}\n`, 'plain'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AclFileError);
    expect((err as AclFileError).code).toBe('acl-file-error');
    expect((err as AclFileError).line).toBe(2);
    expect((err as Error).message).toContain(message);
  });
});

/** A `$7$` or `$6$` line for `user` with password `pw` and a salt of `saltLen` bytes. */
function hashedLine(kind: '7' | '6', user: string, pw: string, saltLen: number): string {
  const salt = randomBytes(saltLen);
  const hash = kind === '7'
    ? pbkdf2Sync(Buffer.from(pw), salt, 101, 64, 'sha512')
    : createHash('sha512').update(pw).update(salt).digest();
  return `${user}:$${kind}$${kind === '7' ? '101$' : ''}${salt.toString('base64')}$${hash.toString('base64')}`;
}

function connackCode(port: number, username: string, password: string): Promise<number> {
  return new Promise((resolve) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, username, password, reconnectPeriod: 0, protocolVersion: 4 });
    c.once('connect', () => { c.end(true); resolve(0); });
    c.once('error', (e) => { c.end(true); resolve((e as { code?: number }).code ?? -1); });
  });
}

describe('password_file salts (mosquitto 2.0.11 accepts only 12-byte salts)', () => {
  const LENGTHS = [5, 11, 12, 13, 16, 20, 64];

  it.each(LENGTHS.flatMap((n) => [['7', n], ['6', n]] as Array<['7' | '6', number]>))('$%s$ with a %i-byte salt', (kind, n) => {
    const text = `ok:fine\n${hashedLine(kind, 'u', 'pw', n)}\n`;
    if (n === 12) {
      const e = parsePasswordFile(text, 'pw').users.get('u')!;
      expect(verifyPassword(e, 'pw')).toBe(true);
    } else {
      expect(() => parsePasswordFile(text, 'pw')).toThrow(AclFileError);
      expect(() => parsePasswordFile(text, 'pw')).toThrow(
        `pw:2: $${kind}$ salt for user 'u' is ${n} bytes; mosquitto 2.0 accepts only 12-byte salts (it logs "Unable to decode password salt for user u, removing entry" and refuses that user)`);
    }
  });

  it('the real mosquitto refuses exactly the users whose salt the parser rejects', async () => {
    const users = LENGTHS.flatMap((n) => [['7', n], ['6', n]] as Array<['7' | '6', number]>).map(([k, n]) => ({ name: `s${k}x${n}`, kind: k, n }));
    const file = users.map((u) => hashedLine(u.kind, u.name, `p-${u.name}`, u.n)).join('\n') + '\n';
    const m = await startConfMosquitto('listener PORT 127.0.0.1\npassword_file DIR/pw\n', { pw: file });
    expect(m, 'mosquitto did not start').not.toBeNull();
    try {
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const u of users) {
        got[u.name] = await connackCode(m!.port, u.name, `p-${u.name}`);
        want[u.name] = u.n === 12 ? 0 : 5;
      }
      expect(got).toEqual(want);
      expect(m!.log()).toContain('Unable to decode password salt for user s7x16, removing entry');
    } finally {
      await m!.close();
    }
  }, 30_000);
});

describe('password_file whitespace (as mosquitto trims it)', () => {
  it('trims spaces and tabs around the username and the secret, but not a no-break space', () => {
    const line = hashedLine('7', 'x', 'pw', 12).slice(2);
    const pw = parsePasswordFile(`\t spaced \t:  ${line} \t\r\n\u00a0nbsp:${line}\n`, 'pw');
    expect([...pw.users.keys()]).toEqual(['spaced', '\u00a0nbsp']);
    expect(verifyPassword(pw.users.get('spaced')!, 'pw')).toBe(true);
  });

  it('a UTF-8 BOM is an error naming the username mosquitto would see', () => {
    expect(() => parsePasswordFile('\ufeffadmin:secret\n', 'pw')).toThrow(
      "pw:1: the file starts with a UTF-8 byte order mark (BOM), which mosquitto reads as part of the first username ('\\u{feff}admin')");
  });

  it('an empty password counts as none (mosquitto reads a zero-length password as absent)', () => {
    const pw = parsePasswordFile('u:p\n', 'pw');
    expect(authenticate(pw, 'u', '')).toBe('no-password');
    expect(authenticate(pw, 'u', Buffer.alloc(0))).toBe('no-password');
  });
});
