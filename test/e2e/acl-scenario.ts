// The Spanish tutorial's ACL scenario, run with the real mosquitto command-line
// clients through the built `mqttscope proxy` CLI (a child process, as users
// run it). Shared by the e2e test; scripts/acl-demo.mjs runs the same steps.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from '../helpers/peers.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin/mqttscope');

export const ACL = 'pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n';
export const PASSWD = 'admin:adminpw\nuser1:pass1\nuser2:pass2\n';
/** user1's own topic (4 levels, the last one is its username). */
export const OWN = 'colombia/cundinamarca/cajica/user1';
/** user2's own topic. */
export const OWN2 = 'colombia/cundinamarca/cajica/user2';
/** 3 levels: +/+/+/%u never matches it. */
export const FOREIGN = 'panama/colon/user1';
/** The delivery window given to the CLI (seconds). */
export const WINDOW_S = 1;

export type Version = 'mqttv311' | 'mqttv5';

export async function writeTutorialFiles(dir: string): Promise<{ acl: string; passwd: string }> {
  const acl = join(dir, 'acl');
  const passwd = join(dir, 'passwd');
  await writeFile(acl, ACL);
  await writeFile(passwd, PASSWD);
  return { acl, passwd };
}

/** Throws unless dist/ was built after the sources the CLI path uses. */
export function requireBuiltCli(): void {
  for (const f of ['cli/commands/proxy.ts', 'cli/commands/read.ts', 'cli/live.ts', 'proxy/proxy.ts', 'analysis/delivery.ts', 'acl/explain.ts']) {
    const js = join(ROOT, 'dist', f.replace(/\.ts$/, '.js'));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(ROOT, 'src', f)).mtimeMs) {
      throw new Error(`dist/ is missing or older than src/${f}: run npx tsc -p . first`);
    }
  }
}

export interface Child {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnChild(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
    child.once('error', rej);
    child.once('close', (code, signal) => res({ code, signal }));
  });
  return { child, out: () => out, err: () => err, exited };
}

/** `./bin/mqttscope ARGS` with NO_COLOR. */
export function mqttscope(args: string[]): Child {
  return spawnChild(process.execPath, [BIN, ...args], { ...process.env, NO_COLOR: '1' });
}

/** Run to completion; kill after timeoutMs. */
export async function run(c: Child, timeoutMs = 15_000): Promise<{ code: number | null; out: string; err: string }> {
  const t = setTimeout(() => c.child.kill('SIGKILL'), timeoutMs);
  try {
    const { code } = await c.exited;
    return { code, out: c.out(), err: c.err() };
  } finally {
    clearTimeout(t);
  }
}

/** Send a signal and wait for the exit code (SIGKILL after 5 s). */
export async function stop(c: Child, signal: NodeJS.Signals): Promise<number | null> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return (await c.exited).code;
  c.child.kill(signal);
  const t = setTimeout(() => c.child.kill('SIGKILL'), 5000);
  try {
    return (await c.exited).code;
  } finally {
    clearTimeout(t);
  }
}

export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One NDJSON record of `--format json`. */
export type Rec = Record<string, unknown> & { kind: string };

export function parseNdjson(text: string): Rec[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Rec);
}

export interface Step {
  /** What a newcomer would type, for the demo's transcript. */
  cmd: string;
  code: number | null;
  stderr: string;
}

export interface ScenarioResult {
  steps: Step[];
  /** What each subscriber printed (mosquitto_sub -v). */
  adminGot: string;
  user2Got: string;
}

/**
 * The scenario against a proxy on `port`. `kind` 'tutorial' is the issue's
 * three scenarios (allowed publish seen by admin only, wrong password, write
 * outside +/+/+/%u at QoS 0, 1 and 2); 'allowed' is traffic the ACL allows,
 * every matching subscriber served. Client ids end in `-${tag}`.
 * `ready(clientId)` must resolve once the proxy has seen that client's SUBACK.
 */
export async function runScenario(
  port: number, version: Version, kind: 'tutorial' | 'allowed', tag: string,
  ready: (clientId: string) => Promise<void>,
): Promise<ScenarioResult> {
  const pubBin = requireBinary('mosquitto_pub');
  const subBin = requireBinary('mosquitto_sub');
  const base = ['-h', '127.0.0.1', '-p', String(port), '-V', version];
  const steps: Step[] = [];
  const pub = async (user: string, pw: string, id: string, qos: number, topic: string, msg: string): Promise<Step> => {
    const args = [...base, '-u', user, '-P', pw, '-i', `${id}-${tag}`, '-q', String(qos), '-t', topic, '-m', msg];
    const r = await run(spawnChild(pubBin, args));
    const step = { cmd: `mosquitto_pub -V ${version} -u ${user} -P ${pw} -i ${id}-${tag} -q ${qos} -t ${topic} -m ${msg}`, code: r.code, stderr: r.err.trim() };
    steps.push(step);
    return step;
  };
  const adminSub = spawnChild(subBin, [...base, '-u', 'admin', '-P', 'adminpw', '-i', `admin-sub-${tag}`, '-t', '#', '-v']);
  const user2Filter = kind === 'tutorial' ? OWN : OWN2;
  const user2Sub = spawnChild(subBin, [...base, '-u', 'user2', '-P', 'pass2', '-i', `user2-sub-${tag}`, '-t', user2Filter, '-v']);
  try {
    await ready(`admin-sub-${tag}`);
    await ready(`user2-sub-${tag}`);
    if (kind === 'tutorial') {
      // 1. user1 on its own topic: admin gets it, user2 (read denied) does not.
      await pub('user1', 'pass1', 'u1-own', 1, OWN, 'hola');
      // 2. A wrong password.
      await pub('user1', 'wrong', 'u1-badpw', 0, OWN, 'hola');
      // 3. user1 outside +/+/+/%u, at every QoS.
      for (const q of [0, 1, 2]) await pub('user1', 'pass1', `u1-deny-q${q}`, q, FOREIGN, `deny-q${q}`);
    } else {
      for (const q of [0, 1, 2]) await pub('user1', 'pass1', `u1-own-q${q}`, q, OWN, `own-q${q}`);
      await pub('user2', 'pass2', 'u2-own', 1, OWN2, 'from-user2');
      await pub('admin', 'adminpw', 'admin-pub', 2, OWN2, 'from-admin');
    }
    // Stay connected well past the delivery window and the 250 ms settle time.
    await sleep(WINDOW_S * 1000 + 600);
  } finally {
    await stop(adminSub, 'SIGTERM');
    await stop(user2Sub, 'SIGTERM');
  }
  return { steps, adminGot: adminSub.out(), user2Got: user2Sub.out() };
}

export interface ProxyRun {
  proxy: Child;
  port: number;
  /** Resolves when the proxy's output shows a SUBACK sent to clientId. */
  subacked(clientId: string): Promise<void>;
}

/** `mqttscope proxy --listen PORT --upstream ... --acl FILE --delivery-window 1 [extra]`, once it listens. */
export async function startCliProxy(port: number, upstream: number, acl: string, extra: string[]): Promise<ProxyRun> {
  const proxy = mqttscope(['proxy', '--listen', String(port), '--upstream', `127.0.0.1:${upstream}`, '--acl', acl,
    '--delivery-window', String(WINDOW_S), ...extra]);
  try {
    await waitFor(() => proxy.err().includes('proxy listening on'), 'the proxy to listen', 15_000);
  } catch (e) {
    proxy.child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${proxy.err()}`);
  }
  const json = extra.includes('json');
  return {
    proxy,
    port,
    subacked: (clientId) => waitFor(() => json
      ? parseNdjson(proxy.out()).some((r) => r.kind === 'packet' && r['type'] === 'SUBACK' && r['client_id'] === clientId)
      : proxy.out().split('\n').some((l) => l.includes(` ${clientId} `) && l.includes('SUBACK')),
    `the SUBACK to ${clientId}`),
  };
}
