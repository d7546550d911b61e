// A file error (FILE:LINE: reason) goes to the terminal, to CI logs and into bug
// reports. When the file given is a password_file (swapped --acl/--passwd, or -c
// pointing at it) or a password_file line is misread, the reason must not quote
// the password or its hash.
import { describe, it, expect } from 'vitest';
import { parseAclFile, parsePasswordFile, AclFileError } from '../../src/acl/index.js';
import { parseMosquittoConf } from '../../src/broker/config.js';

const PLAIN = 'alice:SECRET-XYZ\n';
const HASHED = 'alice:$7$101$c2FsdHNhbHRzYWx0$SECRETHASHxyz==\n';

function errorOf(fn: () => unknown): AclFileError {
  try { fn(); } catch (e) { if (e instanceof AclFileError) return e; throw e; }
  throw new Error('no AclFileError thrown');
}

describe('file errors do not print passwords', () => {
  it.each([
    ['a plain-text password_file as acl_file', () => parseAclFile(PLAIN, 'passwd.txt'), 'SECRET-XYZ'],
    ['a hashed password_file as acl_file', () => parseAclFile(HASHED, 'passwd.txt'), 'SECRETHASH'],
    ['a plain-text password_file as mosquitto.conf', () => parseMosquittoConf(PLAIN, 'passwd.txt'), 'SECRET-XYZ'],
    ['a hashed password_file as mosquitto.conf', () => parseMosquittoConf(HASHED, 'passwd.txt'), 'SECRETHASH'],
  ])('%s: names the line and the user, not the password', (_what, parse, secret) => {
    const err = errorOf(parse);
    expect(err.line).toBe(1);
    expect(err.message).toContain("passwd.txt:1: unknown keyword 'alice:…'");
    expect(err.message).toContain('password_file');
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain('$7$');
  });

  it('a plain-text password that starts with $ is not quoted as a hash type', () => {
    const err = errorOf(() => parsePasswordFile('ok:fine\nalice:$SECRET-XYZ\n', 'passwd.txt'));
    expect(err.line).toBe(2);
    expect(err.message).toContain("passwd.txt:2: the password of user 'alice' starts with '$' but is not a $7$ or $6$ hash");
    expect(err.message).not.toContain('SECRET');
  });

  it('a crypt(3) hash id is still named', () => {
    expect(errorOf(() => parsePasswordFile('alice:$2b$10$abc\n', 'p')).message).toContain("unknown password hash type '$2b$'");
  });
});

describe('a malformed $7$ or $6$ line: the reason says which field is wrong, never its text', () => {
  // A 12-byte salt in base64 (what mosquitto_passwd writes), for the lines below that get past it.
  const SALT = Buffer.alloc(12, 7).toString('base64');
  it.each([
    // A plain password that happens to have the $7$ shape: its middle field is read as the iteration count.
    ['iterations', `alice:$7$my-SECRET-pw$${SALT}$x\n`, 'my-SECRET-pw', 'the iteration count (the field after $7$) is not a positive integer'],
    // The salt field holds text that is not base64 (a password pasted into it).
    ['$7$ salt', 'alice:$7$101$SECRET*salt$AAAA\n', 'SECRET*salt', "salt for user 'alice' is not base64: it has a character that is not base64 at position 7 of 11"],
    ['$6$ salt', 'alice:$6$SECRET salt$AAAA\n', 'SECRET salt', "salt for user 'alice' is not base64: it has a character that is not base64 at position 7 of 11"],
    // The hash field: padding in the middle.
    ['$6$ hash', `alice:$6$${SALT}$SECRET=hash\n`, 'SECRET=hash', "hash for user 'alice' is not base64: it has a character that is not base64 at position 7 of 11"],
    ['$7$ hash, too much padding', `alice:$7$101$${SALT}$SECRETha===\n`, 'SECRETha', "hash for user 'alice' is not base64: it is not valid base64 padding"],
    ['$6$ empty salt', 'alice:$6$$AAAA\n', 'AAAA', "salt for user 'alice' is not base64: it is empty"],
  ])('%s', (_what, text, secret, reason) => {
    const err = errorOf(() => parsePasswordFile(text, 'passwd.txt'));
    expect(err.line).toBe(1);
    expect(err.message).toContain(`passwd.txt:1: `);
    expect(err.message).toContain(reason);
    expect(err.message).not.toContain(secret);
  });
});
