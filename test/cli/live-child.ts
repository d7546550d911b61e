// `mqttscope proxy` / `up` as a child process for CLI tests: started on a free port,
// stdout and stderr collected, resolved once it says it listens, killed after 15 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../helpers/peers.js';
import { ROOT } from '../read/run.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface LiveChild {
  child: ChildProcess;
  port: number;
  out: () => string;
  err: () => string;
  /** Exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** `mqttscope CMD --listen PORT ARGS...` with NO_COLOR, once it listens. */
export async function startLive(cmd: 'proxy' | 'up', args: string[]): Promise<LiveChild> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), cmd, '--listen', String(port), ...args],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += String(d); });
  child.stderr!.on('data', (d: Buffer) => { err += String(d); });
  let status: [number | null, NodeJS.Signals | null] | undefined;
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => { status = [c, s]; r([c, s]); }));
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  void exited.then(() => clearTimeout(guard));
  // A child that exits or hangs before it listens: say so at once, with its stderr,
  // and leave no mqttscope running (it would hold its port past the test file).
  try {
    await until(() => err.includes('proxy listening on') || status !== undefined, 'the proxy to listen');
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}; mqttscope ${cmd} stderr: ${err.trim() || '(empty)'}`);
  }
  if (!err.includes('proxy listening on')) {
    throw new Error(`mqttscope ${cmd} exited (code ${status![0]}, signal ${status![1]}) before it listened; stderr: ${err.trim() || '(empty)'}`);
  }
  return { child, port, out: () => out, err: () => err, exited };
}
