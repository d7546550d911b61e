// A managed mosquitto 2.0 child process, configured like the bundled broker.
// The generated files (password hashes included) are private to the user mosquitto
// runs as: a 0700 temp dir with 0600 files, given to the `mosquitto` user when we
// are root (mosquitto started as root drops to it before reading them).
import { spawn, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { parsePasswordFile } from '../acl/password-file.js';

export interface MosquittoOptions {
  /** 0 or undefined picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  passwdFile?: string;
  aclFile?: string;
  /** Default: true without a password file, false with one (as for the bundled broker). */
  allowAnonymous?: boolean;
  /** `max_queued_messages` for the generated mosquitto.conf (default: mosquitto's, 1000; 0: no limit). */
  maxQueuedMessages?: number;
  /** `max_inflight_messages` for the generated mosquitto.conf (default: mosquitto's, 20; 0: no limit). */
  maxInflightMessages?: number;
  /** Path of the mosquitto binary (default: found on PATH or /usr/sbin). */
  bin?: string;
  /** Restart mosquitto if it dies unexpectedly (at most `maxRestarts` in a row, default 3). */
  restart?: boolean;
  maxRestarts?: number;
  /** A mosquitto that ran this long (ms) before dying starts a new count of restarts. Default 60000. */
  stableMs?: number;
  /** Called when the child exits unexpectedly (before any restart). */
  onExit?: (info: { code: number | null; signal: NodeJS.Signals | null; log: string }) => void;
  /** Called once when the child exited unexpectedly and is not restarted (no restarts asked, or none left). */
  onGiveUp?: (info: { code: number | null; signal: NodeJS.Signals | null; restarts: number; log: string }) => void;
  /** Everything mosquitto writes to stdout/stderr, as it arrives. */
  onLog?: (text: string) => void;
  /** Milliseconds to wait for the port to accept connections. Default 10000. */
  startTimeoutMs?: number;
}

export interface RunningMosquitto {
  host: string;
  port: number;
  /** The generated mosquitto.conf. */
  configPath: string;
  /** Recent stdout/stderr of the child (last 64 KiB). */
  log(): string;
  close(): Promise<void>;
}

/** Thrown when mosquitto cannot be found, configured or started. */
export class MosquittoError extends Error {
  readonly code = 'mosquitto-error';
  constructor(message: string) {
    super(message);
    this.name = 'MosquittoError';
  }
}

/**
 * The uid/gid mosquitto reads its files as: started as root, mosquitto 2.0 drops to
 * the `mosquitto` user (its default `user`) before it reads password_file and
 * acl_file. Null when we are not root (mosquitto stays our user) or that user is unknown.
 */
async function mosquittoOwner(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    for (const line of (await readFile('/etc/passwd', 'utf8')).split('\n')) {
      const f = line.split(':');
      if (f[0] === 'mosquitto' && f[2] && f[3]) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch { /* no /etc/passwd: leave the files ours */ }
  return null;
}

/** Make a generated file private to the user mosquitto reads it as. */
async function privateFile(path: string, owner: { uid: number; gid: number } | null): Promise<void> {
  await chmod(path, 0o600);
  if (owner) await chown(path, owner.uid, owner.gid);
}

/**
 * Cleanups of the running mosquittos, for when this process ends without close():
 * process.exit(), an uncaught exception, or SIGHUP (the terminal closed). SIGHUP
 * reaches mosquitto too, which only reloads its config on it, so without this the
 * child would outlive us on the port with its temp dir. Each cleanup is synchronous:
 * SIGTERM to the child and removal of the dir.
 */
const orphanCleanups = new Set<() => void>();

function runOrphanCleanups(): void {
  for (const c of [...orphanCleanups]) c();
  orphanCleanups.clear();
  process.off('exit', runOrphanCleanups);
  process.off('SIGHUP', onHangup);
}

function onHangup(): void {
  // Another SIGHUP listener means the program handles it (and will close() us).
  if (process.listenerCount('SIGHUP') > 1) return;
  runOrphanCleanups();
  // Die of SIGHUP as the process would have without our listener.
  process.kill(process.pid, 'SIGHUP');
}

function watchForOrphan(cleanup: () => void): () => void {
  if (orphanCleanups.size === 0) {
    process.on('exit', runOrphanCleanups);
    process.on('SIGHUP', onHangup);
  }
  orphanCleanups.add(cleanup);
  return () => {
    orphanCleanups.delete(cleanup);
    if (orphanCleanups.size === 0) {
      process.off('exit', runOrphanCleanups);
      process.off('SIGHUP', onHangup);
    }
  };
}

async function findBinary(name: string): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'].filter(Boolean);
  const { access, constants } = await import('node:fs/promises');
  for (const d of dirs) {
    try {
      await access(join(d, name), constants.X_OK);
      return join(d, name);
    } catch { /* next */ }
  }
  throw new MosquittoError(`${name} is not installed: apt-get install -y mosquitto`);
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

/** mosquitto 2.0.11's `mosquitto_passwd` defaults for `$7$`: PBKDF2-HMAC-SHA512, 101 iterations, a 12-byte salt, a 64-byte key. */
const PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const KEY_BYTES = 64;

/** A `$7$` password_file secret for `password`, as `mosquitto_passwd` writes it: `$7$101$<salt b64>$<hash b64>`. */
export function hashMosquittoPassword(password: string): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, PBKDF2_ITERATIONS, KEY_BYTES, 'sha512');
  return `$7$${PBKDF2_ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Copy a password file for mosquitto: plain-text `user:password` lines are
 * hashed here (mosquitto 2.0 refuses plain text), in memory, so no clear-text
 * password is ever written to disk (before, a plain copy was written for
 * `mosquitto_passwd -U`, and stayed there if mqttscope was killed meanwhile);
 * lines that are already $6$/$7$ hashes are kept as they are.
 */
async function preparePasswordFile(src: string, dir: string, owner: { uid: number; gid: number } | null): Promise<string> {
  const text = await readFile(src, 'utf8');
  const parsed = parsePasswordFile(text, src); // errors name src:line
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (const e of parsed.users.values()) {
    out.push(e.kind === 'plain' ? `${e.username}:${hashMosquittoPassword(e.password)}` : lines[e.line - 1]!.trim());
  }
  const path = join(dir, 'passwd');
  await writeFile(path, out.join('\n') + '\n', { mode: 0o600 });
  await privateFile(path, owner);
  return path;
}

/**
 * Run by `/bin/sh -c SUPERVISE BIN CONF DIR` with a pipe from us on fd 3: a background
 * watcher blocks reading that pipe, then the shell execs mosquitto, which keeps the pid
 * we spawned (signals, exit status and `pgrep -P` see mosquitto itself). Node cannot set
 * a parent-death signal, so this is what ends mosquitto when mqttscope dies without running
 * any code (SIGKILL, the OOM killer): the kernel closes our end, the watcher reads EOF,
 * sends mosquitto SIGTERM (SIGKILL if it is still there 5 s later) and removes DIR.
 * When mosquitto exits while we live, we write a line instead and the watcher just leaves
 * (a kill then could hit a process that reused the pid). The watcher runs as we do, so it
 * may signal a mosquitto that dropped root for the `mosquitto` user; it ignores SIGHUP
 * and SIGINT (a closing terminal, ^C), which mqttscope handles itself.
 */
const SUPERVISE = [
  'p=$$',
  '[ -x "$0" ] || { echo "mosquitto could not be started: $0 is missing or not executable" >&2; exit 127; }',
  '(',
  '  trap "" HUP INT',
  '  read -r _ <&3 && exit 0',
  '  kill -TERM "$p" 2>/dev/null || { rm -rf "$2"; exit 0; }',
  '  i=0',
  '  while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
  '  [ "$i" -lt 50 ] || kill -KILL "$p" 2>/dev/null',
  '  rm -rf "$2"',
  ') </dev/null >/dev/null 2>&1 &',
  'exec "$0" -c "$1" 3<&-',
].join('\n');

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const bin = opts.bin ?? await findBinary('mosquitto');
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port || await freePort(host);
  // Readiness is "the port accepts connections": with another server on it, that
  // would be true at once while mosquitto fails to bind.
  if (opts.port && await canConnect(host, port)) {
    throw new MosquittoError(`cannot listen on ${host}:${port}: the port is already in use; pick another with --port`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-mosquitto-')); // 0700
  const owner = await mosquittoOwner();
  const allowAnonymous = opts.allowAnonymous ?? opts.passwdFile === undefined;
  const conf = [
    `listener ${port} ${host}`,
    `allow_anonymous ${allowAnonymous}`,
    'persistence false',
    // Packets written back to back (two deliveries) must not wait ~40 ms for the peer's delayed
    // ACK (Nagle); the bundled broker sets TCP_NODELAY too (docs/broker.md).
    'set_tcp_nodelay true',
    ...(opts.maxQueuedMessages !== undefined ? [`max_queued_messages ${Math.max(0, Math.trunc(opts.maxQueuedMessages))}`] : []),
    ...(opts.maxInflightMessages !== undefined ? [`max_inflight_messages ${Math.min(65535, Math.max(0, Math.trunc(opts.maxInflightMessages)))}`] : []),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
  ];
  try {
    if (owner) await chown(dir, owner.uid, owner.gid);
    if (opts.passwdFile) conf.push(`password_file ${await preparePasswordFile(opts.passwdFile, dir, owner)}`);
    if (opts.aclFile) {
      const acl = join(dir, 'acl');
      await writeFile(acl, await readFile(opts.aclFile), { mode: 0o600 });
      await privateFile(acl, owner);
      conf.push(`acl_file ${acl}`);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const configPath = join(dir, 'mosquitto.conf');
  await writeFile(configPath, conf.join('\n') + '\n', { mode: 0o600 });
  await privateFile(configPath, owner);

  let logBuf = '';
  // mosquitto names the copy of the acl_file it was given; name the user's file instead.
  const aclCopy = opts.aclFile ? join(dir, 'acl') : null;
  const append = (chunk: Buffer): void => {
    let text = chunk.toString('utf8');
    if (aclCopy) text = text.replaceAll(aclCopy, opts.aclFile!);
    logBuf = (logBuf + text).slice(-65536);
    opts.onLog?.(text);
  };
  let child: ChildProcess | null = null;
  let closing = false;
  let ready = false;
  let restarts = 0;
  const maxRestarts = opts.maxRestarts ?? 3;

  const launch = (): ChildProcess => {
    // The child is `sh`, which starts a watcher on fd 3 and then execs mosquitto (same pid).
    const c = spawn('/bin/sh', ['-c', SUPERVISE, bin, configPath, dir], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    c.stdout!.on('data', append);
    c.stderr!.on('data', append);
    const watch = c.stdio[3] as Writable | null;
    watch?.on('error', () => { /* the watcher is gone already: nothing to tell it */ });
    let gone = false;
    const startedAt = Date.now();
    const died = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (gone) return; // 'exit' may follow 'error'
      gone = true;
      // Tell the watcher mosquitto ended here (a line, not EOF): it leaves without a kill.
      watch?.end('\n');
      if (closing || !ready || c !== child) return;
      // maxRestarts stops a crash loop, not a long-running broker's third crash in a week.
      if (Date.now() - startedAt >= (opts.stableMs ?? 60_000)) restarts = 0;
      opts.onExit?.({ code, signal, log: logBuf });
      if (opts.restart && restarts < maxRestarts) {
        restarts++;
        child = launch();
      } else {
        opts.onGiveUp?.({ code, signal, restarts, log: logBuf });
      }
    };
    c.on('exit', died);
    // A restart that cannot be spawned (the binary removed or replaced meanwhile) is an
    // 'error' event: without a listener it would end the whole process.
    c.on('error', (err) => {
      if (ready) append(Buffer.from(`mosquitto could not be started: ${err.message}\n`)); // else waitReady reports it
      if (c.pid === undefined) died(null, null);
    });
    return c;
  };

  const waitReady = async (c: ChildProcess): Promise<void> => {
    const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
    let exited: string | null = null;
    const onExit = (code: number | null, signal: string | null): void => { exited = `exited with ${signal ?? `code ${code}`}`; };
    c.once('exit', onExit);
    c.once('error', (err) => { exited = `could not be started: ${err.message}`; });
    const start = Date.now();
    try {
      while (Date.now() < deadline) {
        if (exited) throw new MosquittoError(`mosquitto ${exited}:\n${logBuf.trim()}`);
        // mosquitto logs this once its listener is open: ready, without a probe connection
        // (which its log would show the user as a client that connected and left).
        if (/mosquitto version \S+ running/.test(logBuf)) return;
        // Only if that line is late (another log setup), ask the port.
        if (Date.now() - start >= 2000 && await canConnect(host, port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new MosquittoError(`mosquitto did not accept connections on ${host}:${port} within ${opts.startTimeoutMs ?? 10_000} ms:\n${logBuf.trim()}`);
    } finally {
      c.off('exit', onExit);
    }
  };

  child = launch();
  try {
    await waitReady(child);
    ready = true;
  } catch (err) {
    closing = true;
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const unwatch = watchForOrphan(() => {
    closing = true;
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort at exit */ }
  });

  return {
    host,
    port,
    configPath,
    log: () => logBuf,
    async close() {
      if (closing) return;
      closing = true;
      unwatch();
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => c.kill('SIGKILL'), 3000);
          c.once('exit', () => { clearTimeout(t); resolve(); });
          c.kill('SIGTERM');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
