// mosquitto password_file: `user:password` lines. mosquitto 2.0 stores
// `$7$<iterations>$<salt b64>$<hash b64>` (PBKDF2-HMAC-SHA512, 64-byte key) or
// `$6$<salt b64>$<hash b64>` (SHA-512 of password bytes then salt bytes).
// Plain-text passwords are accepted here too (mosquitto 2.0 itself refuses them).
import { createHash, pbkdf2, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { AclFileError, readConfigText } from './errors.js';
import { showWord, trimC } from './mosquitto-text.js';

export type PasswordEntry =
  | { username: string; kind: 'plain'; password: string; line: number }
  | { username: string; kind: 'sha512'; salt: Buffer; hash: Buffer; line: number }
  | { username: string; kind: 'pbkdf2-sha512'; iterations: number; salt: Buffer; hash: Buffer; line: number };

export interface PasswordFile {
  path: string;
  /** Keyed by username; a later line for the same user replaces an earlier one. */
  users: Map<string, PasswordEntry>;
}

export type AuthResult = 'ok' | 'unknown-user' | 'bad-password' | 'no-password';

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeB64(s: string, what: string, path: string, line: number): Buffer {
  if (!B64.test(s)) throw new AclFileError(path, line, `${what} is not base64: '${s}'`);
  return Buffer.from(s, 'base64');
}

/** mosquitto 2.0.11's pw__parse refuses any other salt length ("Unable to decode password salt ..., removing entry"). */
const SALT_BYTES = 12;

function checkSalt(salt: Buffer, kind: string, username: string, path: string, line: number): void {
  if (salt.length !== SALT_BYTES) {
    throw new AclFileError(path, line, `${kind} salt for user '${username}' is ${salt.length} bytes; mosquitto 2.0 accepts only ${SALT_BYTES}-byte salts `
      + `(it logs "Unable to decode password salt for user ${username}, removing entry" and refuses that user)`);
  }
}

function parseSecret(username: string, secret: string, path: string, line: number): PasswordEntry {
  if (!secret.startsWith('$')) return { username, kind: 'plain', password: secret, line };
  const parts = secret.split('$'); // ['', '7', iter, salt, hash] or ['', '6', salt, hash]
  if (parts[1] === '7') {
    if (parts.length !== 5) {
      throw new AclFileError(path, line, `malformed $7$ hash for user '${username}': expected $7$ITERATIONS$SALT$HASH`);
    }
    const iterations = Number(parts[2]);
    if (!/^\d+$/.test(parts[2]!) || iterations < 1) {
      throw new AclFileError(path, line, `malformed $7$ hash for user '${username}': iterations '${parts[2]}' is not a positive integer`);
    }
    const salt = decodeB64(parts[3]!, `salt for user '${username}'`, path, line);
    checkSalt(salt, '$7$', username, path, line);
    const hash = decodeB64(parts[4]!, `hash for user '${username}'`, path, line);
    if (hash.length !== 64) throw new AclFileError(path, line, `$7$ hash for user '${username}' is ${hash.length} bytes, expected 64`);
    return { username, kind: 'pbkdf2-sha512', iterations, salt, hash, line };
  }
  if (parts[1] === '6') {
    if (parts.length !== 4) {
      throw new AclFileError(path, line, `malformed $6$ hash for user '${username}': expected $6$SALT$HASH`);
    }
    const salt = decodeB64(parts[2]!, `salt for user '${username}'`, path, line);
    checkSalt(salt, '$6$', username, path, line);
    const hash = decodeB64(parts[3]!, `hash for user '${username}'`, path, line);
    if (hash.length !== 64) throw new AclFileError(path, line, `$6$ hash for user '${username}' is ${hash.length} bytes, expected 64`);
    return { username, kind: 'sha512', salt, hash, line };
  }
  throw new AclFileError(path, line, `unknown password hash type '$${parts[1] ?? ''}$' for user '${username}' (mosquitto 2.0 writes $7$ or $6$)`);
}

/**
 * Parse password_file text. Malformed lines throw AclFileError naming path:line.
 * Whitespace is what mosquitto trims (C isspace around the username and the
 * secret); a no-break space or a BOM stays part of the username, as in mosquitto.
 */
export function parsePasswordFile(text: string, path: string): PasswordFile {
  const users = new Map<string, PasswordEntry>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (trimC(raw) === '' || raw.startsWith('#')) continue;
    if (lineNo === 1 && raw.startsWith('\ufeff')) {
      throw new AclFileError(path, lineNo, `the file starts with a UTF-8 byte order mark (BOM), which mosquitto reads as part of the first username ('${showWord(raw.slice(0, Math.max(raw.indexOf(':'), 1)))}'): save the file without a BOM`);
    }
    const colon = raw.indexOf(':');
    if (colon < 0) throw new AclFileError(path, lineNo, `expected USER:PASSWORD, found no ':'`);
    const username = trimC(raw.slice(0, colon));
    if (username === '') throw new AclFileError(path, lineNo, 'empty username');
    // mosquitto splits with strtok(":"), so the secret ends at the next ':'.
    const secret = trimC(raw.slice(colon + 1).split(':')[0] ?? '');
    if (secret === '') throw new AclFileError(path, lineNo, `empty password for user '${username}'`);
    users.set(username, parseSecret(username, secret, path, lineNo));
  }
  return { path, users };
}

export async function loadPasswordFile(path: string): Promise<PasswordFile> {
  return parsePasswordFile(await readConfigText(path, 'password file'), path);
}

function passwordBytes(password: string | Uint8Array): Buffer {
  if (typeof password === 'string') return Buffer.from(password, 'utf8');
  return Buffer.isBuffer(password) ? password : Buffer.from(password.buffer, password.byteOffset, password.length);
}

/** The digest to compare with `entry` for a password whose hash is cheap (plain, $6$). */
function cheapDigest(entry: PasswordEntry & { kind: 'plain' | 'sha512' }, pw: Buffer): { expected: Buffer; actual: Buffer } {
  if (entry.kind === 'plain') {
    return { expected: createHash('sha512').update(entry.password, 'utf8').digest(), actual: createHash('sha512').update(pw).digest() };
  }
  return { expected: entry.hash, actual: createHash('sha512').update(pw).update(entry.salt).digest() };
}

function same(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Check one password against one entry (constant-time comparison of digests). */
export function verifyPassword(entry: PasswordEntry, password: string | Uint8Array): boolean {
  const pw = passwordBytes(password);
  if (entry.kind === 'pbkdf2-sha512') return same(pbkdf2Sync(pw, entry.salt, entry.iterations, entry.hash.length, 'sha512'), entry.hash);
  const { expected, actual } = cheapDigest(entry, pw);
  return same(actual, expected);
}

/**
 * verifyPassword on libuv's thread pool for a `$7$` entry (PBKDF2 is slow by design:
 * thousands of iterations would block the event loop); the cheap kinds are checked at once.
 */
export function verifyPasswordAsync(entry: PasswordEntry, password: string | Uint8Array): Promise<boolean> {
  if (entry.kind !== 'pbkdf2-sha512') return Promise.resolve(verifyPassword(entry, password));
  const pw = passwordBytes(password);
  return new Promise((resolve, reject) => {
    pbkdf2(pw, entry.salt, entry.iterations, entry.hash.length, 'sha512', (err, key) => (err ? reject(err) : resolve(same(key, entry.hash))));
  });
}

/** mosquitto's username/password check against a password file. */
export function authenticate(file: PasswordFile, username: string, password: string | Uint8Array | undefined): AuthResult {
  const entry = file.users.get(username);
  if (!entry) return 'unknown-user';
  // mosquitto reads a zero-length password field as no password at all.
  if (password === undefined || password.length === 0) return 'no-password';
  return verifyPassword(entry, password) ? 'ok' : 'bad-password';
}

/**
 * What a password_file says about a (user name, password) pair, for explanations
 * (`proxy/up --passwd`): authenticate()'s results, or `pending` while a slow `$7$`
 * hash is being computed off the event loop, or `too-many` when it was not started
 * because the budget of slow checks was spent.
 */
export type PasswordVerdict = AuthResult | 'pending' | 'too-many';

export interface PasswordCheckerOptions {
  /** Distinct (user, password) verdicts of `$7$` entries remembered (oldest forgotten first). Default 256. */
  cacheSize?: number;
  /** `$7$` verifications started per second at most. Default 8. */
  perSecond?: number;
  /** `$7$` verifications running at once at most. Default 2. */
  maxRunning?: number;
  /** Clock in ms (tests). Default Date.now. */
  nowMs?: () => number;
}

/**
 * Checks credentials against a password file with authenticate()'s rules and
 * verifyPassword's hashing, without ever blocking the caller on a slow hash:
 * a `$7$` (PBKDF2) entry is verified once per distinct (user, password) on the
 * thread pool, and the verdict is remembered in a small cache keyed by a SHA-256
 * of the pair (the password itself is not kept). The number of such checks is
 * bounded per second and at once, so a flood of CONNECTs with new passwords
 * costs at most that many hashes.
 */
export class PasswordChecker {
  readonly path: string;
  private readonly cache = new Map<string, boolean>();
  private readonly running = new Set<string>();
  private readonly cacheSize: number;
  private readonly perSecond: number;
  private readonly maxRunning: number;
  private readonly nowMs: () => number;
  private windowStart = -Infinity;
  private startedInWindow = 0;
  /** Slow verifications started, and checks answered `too-many`. */
  readonly stats = { verified: 0, tooMany: 0 };

  constructor(private readonly file: PasswordFile, opts: PasswordCheckerOptions = {}) {
    this.path = file.path;
    this.cacheSize = opts.cacheSize ?? 256;
    this.perSecond = opts.perSecond ?? 8;
    this.maxRunning = opts.maxRunning ?? 2;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  /** The line of a user's entry, or null when the user is not in the file. */
  lineOf(username: string): number | null {
    return this.file.users.get(username)?.line ?? null;
  }

  /** The verdict now; for a `$7$` entry not yet verified this starts the verification and says `pending`. */
  check(username: string, password: Uint8Array | null): PasswordVerdict {
    const entry = this.file.users.get(username);
    if (entry?.kind !== 'pbkdf2-sha512') return authenticate(this.file, username, password ?? undefined);
    if (password === null || password.length === 0) return 'no-password';
    const key = createHash('sha256').update(username, 'utf8').update('\0').update(password).digest('base64');
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ? 'ok' : 'bad-password';
    if (this.running.has(key)) return 'pending';
    const now = this.nowMs();
    if (now - this.windowStart >= 1000) { this.windowStart = now; this.startedInWindow = 0; }
    if (this.running.size >= this.maxRunning || this.startedInWindow >= this.perSecond) {
      this.stats.tooMany++;
      return 'too-many';
    }
    this.startedInWindow++;
    this.stats.verified++;
    this.running.add(key);
    verifyPasswordAsync(entry, password).then((ok) => {
      this.running.delete(key);
      if (this.cache.size >= this.cacheSize) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(key, ok);
    }, () => { this.running.delete(key); });
    return 'pending';
  }

  /** Resolves once no verification is running (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 1));
  }
}
