import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePasswordFile, verifyPassword, authenticate, AclFileError } from '../../src/acl/index.js';
import { requireBinary } from '../helpers/peers.js';

describe('password_file', () => {
  let real: string;
  beforeAll(() => {
    const bin = requireBinary('mosquitto_passwd');
    const dir = mkdtempSync(join(tmpdir(), 'mqttscope-pw-'));
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
    ['user1:$7$abc$c2FsdA==$aGFzaA==', "plain:2: malformed $7$ hash for user 'user1': iterations 'abc'"],
    ['user1:$6$c2FsdA==', "plain:2: malformed $6$ hash"],
    ['user1:$5$x$y', "plain:2: unknown password hash type '$5$'"],
    ['user1:$6$c2FsdA==$aGFzaA==', "plain:2: $6$ hash for user 'user1' is 4 bytes, expected 64"],
  ])('rejects %j with file:line', (line, message) => {
    let err: unknown;
    try { parsePasswordFile(`ok:fine\n${line}\n`, 'plain'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AclFileError);
    expect((err as AclFileError).code).toBe('acl-file-error');
    expect((err as AclFileError).line).toBe(2);
    expect((err as Error).message).toContain(message);
  });
});
