// The real mosquitto 2.0 on a hand-written mosquitto.conf, for tests that hold the
// bundled broker's parsers and behaviour to mosquitto's own. mosquitto missing = failure.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from '../helpers/peers.js';

export interface MosquittoVerdict {
  started: boolean;
  /** mosquitto's log lines containing "Error", for the test's message. */
  errors: string;
}

export interface ConfMosquitto {
  port: number;
  /** Everything mosquitto logged so far. */
  log(): string;
  close(): Promise<void>;
}

// Bounded: on a machine loaded enough, a connect may wait on a SYN for seconds.
const canConnect = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = connect({ host: '127.0.0.1', port });
  const timer = setTimeout(() => { s.destroy(); resolve(false); }, 1000);
  s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
  s.once('error', () => { clearTimeout(timer); s.destroy(); resolve(false); });
});

const errorLines = (log: string): string =>
  log.split('\n').filter((l) => l.includes('Error')).map((l) => l.replace(/^\d+: /, '')).join('\n');

/**
 * Start `mosquitto -c` on `conf`, where PORT is replaced by a free port and DIR by
 * a 0755 directory holding `files` (mosquitto run as root reads them as user
 * mosquitto). Resolves once the port accepts connections; null if mosquitto exited
 * first (its log is then in `exitLog`).
 */
export async function startConfMosquitto(conf: string, files: Record<string, string> = {},
  exitLog: { text: string } = { text: '' }): Promise<ConfMosquitto | null> {
  const bin = requireBinary('mosquitto');
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-conf-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o644);
  }
  const path = join(dir, 'mosquitto.conf');
  await writeFile(path, conf.replaceAll('PORT', String(port)).replaceAll('DIR', dir));
  await chmod(path, 0o644);
  const child = spawn(bin, ['-c', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (c: Buffer) => { log += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const close = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      // A mosquitto that has not set up its signal handling yet, or is stuck, gets SIGKILL.
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  while (!exited && Date.now() < deadline) {
    if (await canConnect(port)) return { port, log: () => log, close };
    await new Promise((r) => setTimeout(r, 30));
  }
  await close();
  exitLog.text = log;
  if (!exited) throw new Error(`mosquitto neither started nor exited within 5 s:\n${log}`);
  return null;
}

/** Does mosquitto start with this conf? */
export async function mosquittoVerdict(conf: string, files: Record<string, string> = {}): Promise<MosquittoVerdict> {
  const exitLog = { text: '' };
  const m = await startConfMosquitto(conf, files, exitLog);
  if (m === null) return { started: false, errors: errorLines(exitLog.text) };
  await m.close();
  return { started: true, errors: errorLines(m.log()) };
}
