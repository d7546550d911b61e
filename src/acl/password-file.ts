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

/**
 * A hash field's text is never quoted in an error: a line that is not what it seems (a plain
 * password that happens to start with `$7$`, a hash pasted into the wrong field) would put the
 * secret on the terminal. The position of the first bad character says where to look.
 */
function decodeB64(s: string, what: string, path: string, line: number): Buffer {
  if (!B64.test(s)) {
    const bad = s === '' ? -1 : [...s].findIndex((c, i) => !/[A-Za-z0-9+/=]/.test(c) || (c === '=' && !/^=*$/.test(s.slice(i))));
    const where = s === '' ? 'is empty' : bad >= 0 ? `has a character that is not base64 at position ${bad + 1} of ${s.length}` : 'is not valid base64 padding';
    throw new AclFileError(path, line, `${what} is not base64: it ${where} (the text is not shown)`);
  }
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
      throw new AclFileError(path, line, `malformed $7$ hash for user '${username}': the iteration count (the field after $7$) is not a positive integer (the text is not shown)`);
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
  // A short crypt(3) id ($5$, $2b$, $y$) names a hash scheme and is quoted. Anything else is
  // most likely a plain-text password that starts with '$': quoting it would print it.
  const id = parts[1] ?? '';
  if (parts.length > 2 && /^[0-9a-z]{1,2}$/.test(id)) {
    throw new AclFileError(path, line, `unknown password hash type '$${id}$' for user '${username}' (mosquitto 2.0 writes $7$ or $6$)`);
  }
  throw new AclFileError(path, line, `the password of user '${username}' starts with '$' but is not a $7$ or $6$ hash (not shown): `
    + 'a password that starts with \'$\' is read as a hash; store it hashed: mosquitto_passwd -b FILE USER PASSWORD');
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
 * hash is being computed off the event loop (or waits, with priority, for a free slot),
 * or `too-many` when it could not even be queued because the budget of slow checks was spent.
 */
export type PasswordVerdict = AuthResult | 'pending' | 'too-many';

export interface PasswordCheckerOptions {
  /** Distinct (user, password) verdicts of `$7$` entries remembered (oldest forgotten first). Default 256. */
  cacheSize?: number;
  /** `$7$` verifications started per second at most. Default 8. */
  perSecond?: number;
  /** `$7$` verifications running at once at most. Default 2. */
  maxRunning?: number;
  /** `$7$` checks asked for by check() waiting for a slot at most; more are answered `too-many`. Default 1000. */
  maxQueued?: number;
  /** Clock in ms (tests). Default Date.now: the budget limits real CPU time. */
  nowMs?: () => number;
}

interface Queued { entry: PasswordEntry & { kind: 'pbkdf2-sha512' }; password: Uint8Array }

/**
 * Checks credentials against a password file with authenticate()'s rules and
 * verifyPassword's hashing, without ever blocking the caller on a slow hash:
 * a `$7$` (PBKDF2) entry is verified once per distinct (user, password) on the
 * thread pool, and the verdict is remembered in a small cache keyed by a SHA-256
 * of the pair (the password itself is not kept once checked). The number of such
 * checks is bounded per second and at once, so a flood of CONNECTs with new
 * passwords costs at most that many hashes.
 *
 * Two kinds of callers share that budget. prefetch() (at CONNECT, before the broker
 * answers) starts a check only when a slot is free right now, and never counts as
 * `too-many`. check() (at a refusal, the only thing explained) goes first: when no slot
 * is free it queues the check, and queued checks start before any prefetch as slots free
 * and the per-second window allows. `completed` counts finished verifications, so a caller
 * waiting for verdicts need only look again when it changed.
 */
export class PasswordChecker {
  readonly path: string;
  private readonly cache = new Map<string, boolean>();
  private readonly running = new Set<string>();
  /** check() requests waiting for a slot, oldest first (they start before any prefetch). */
  private readonly queue = new Map<string, Queued>();
  private readonly cacheSize: number;
  private readonly perSecond: number;
  private readonly maxRunning: number;
  private readonly maxQueued: number;
  private readonly nowMs: () => number;
  private windowStart = -Infinity;
  private startedInWindow = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Verifications finished (whatever their verdict). */
  completed = 0;
  /** Slow verifications started (of which `prefetched` by prefetch()), and checks answered `too-many`. */
  readonly stats = { verified: 0, prefetched: 0, tooMany: 0 };

  constructor(private readonly file: PasswordFile, opts: PasswordCheckerOptions = {}) {
    this.path = file.path;
    this.cacheSize = opts.cacheSize ?? 256;
    this.perSecond = opts.perSecond ?? 8;
    this.maxRunning = opts.maxRunning ?? 2;
    this.maxQueued = opts.maxQueued ?? 1000;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  /** The line of a user's entry, or null when the user is not in the file. */
  lineOf(username: string): number | null {
    return this.file.users.get(username)?.line ?? null;
  }

  /** The cache key of a pair (a SHA-256: the password is not kept); pass it back to check() to skip hashing it again. */
  keyOf(username: string, password: Uint8Array): string {
    return createHash('sha256').update(username, 'utf8').update('\0').update(password).digest('base64');
  }

  /**
   * At CONNECT: start the `$7$` verification of this pair now if a slot is free, the
   * per-second budget allows and no refusal's check is waiting; otherwise do nothing
   * (not counted as `too-many`). Nothing for unknown users and cheap (plain, `$6$`) entries.
   */
  prefetch(username: string, password: Uint8Array | null): void {
    if (password === null || password.length === 0) return;
    const entry = this.file.users.get(username);
    if (entry?.kind !== 'pbkdf2-sha512') return;
    if (this.queue.size !== 0 || this.running.size >= this.maxRunning || !this.rateAllows()) return;
    const key = this.keyOf(username, password);
    if (this.cache.has(key) || this.running.has(key)) return;
    this.stats.prefetched++;
    this.start(key, entry, password);
  }

  /**
   * The verdict now (at a refusal). Cheap entries are checked on the spot. A `$7$` entry
   * not yet verified is started, or queued with priority when no slot is free: `pending`
   * either way; `too-many` only when the queue is full. `key` is keyOf(username, password).
   */
  check(username: string, password: Uint8Array | null, key?: string): PasswordVerdict {
    const entry = this.file.users.get(username);
    if (entry?.kind !== 'pbkdf2-sha512') return authenticate(this.file, username, password ?? undefined);
    if (password === null || password.length === 0) return 'no-password';
    const k = key ?? this.keyOf(username, password);
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit ? 'ok' : 'bad-password';
    if (this.running.has(k)) return 'pending';
    if (!this.queue.has(k)) {
      if (this.queue.size >= this.maxQueued) {
        this.stats.tooMany++;
        return 'too-many';
      }
      this.queue.set(k, { entry, password });
    }
    this.drain();
    return 'pending';
  }

  /** Drop a queued check nobody waits for any more (its refusal was reported as not checked); a running one finishes. */
  abandon(key: string): void {
    this.queue.delete(key);
  }

  /** Resolves once no verification is running or queued (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queue.size > 0) {
      this.drain();
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private rateAllows(): boolean {
    const now = this.nowMs();
    if (now - this.windowStart >= 1000) { this.windowStart = now; this.startedInWindow = 0; }
    return this.startedInWindow < this.perSecond;
  }

  /** Start queued checks while slots and the per-second budget allow; wake up at the next window when only the rate holds them. */
  private drain(): void {
    for (const [key, q] of this.queue) {
      if (this.running.size >= this.maxRunning) return;
      if (!this.rateAllows()) {
        if (this.timer === null) {
          this.timer = setTimeout(() => { this.timer = null; this.drain(); }, Math.max(1, this.windowStart + 1000 - this.nowMs()));
          this.timer.unref?.();
        }
        return;
      }
      this.queue.delete(key);
      this.start(key, q.entry, q.password);
    }
  }

  private start(key: string, entry: PasswordEntry & { kind: 'pbkdf2-sha512' }, password: Uint8Array): void {
    this.startedInWindow++;
    this.stats.verified++;
    this.running.add(key);
    const done = (ok: boolean | null): void => {
      this.running.delete(key);
      if (ok !== null) {
        if (this.cache.size >= this.cacheSize) {
          const oldest = this.cache.keys().next();
          if (!oldest.done) this.cache.delete(oldest.value);
        }
        this.cache.set(key, ok);
      }
      this.completed++;
      this.drain();
    };
    verifyPasswordAsync(entry, password).then(done, () => done(null));
  }
}
