// Running the built CLI (bin/mqttscope → dist/) from the proxy tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin/mqttscope');

export interface Cli {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

export function cli(args: string[], cwd = ROOT): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Send a signal and wait for the exit code (SIGKILL after `limitMs`, which then fails the caller's expectation with null). */
export async function interrupt(c: Cli, signal: NodeJS.Signals = 'SIGINT', limitMs = 5000): Promise<number | null> {
  c.child.kill(signal);
  const t = setTimeout(() => c.child.kill('SIGKILL'), limitMs);
  const code = await c.exited;
  clearTimeout(t);
  return code;
}

/** Throws unless dist/ was built after these sources (`npm test` builds first). */
export function requireFreshDist(sources: string[]): void {
  for (const f of sources) {
    const js = join(ROOT, 'dist', f.replace(/\.ts$/, '.js'));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(ROOT, 'src', f)).mtimeMs) {
      throw new Error(`dist/ is missing or older than src/${f}: run npm run build first`);
    }
  }
}
