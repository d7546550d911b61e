// Running the mosquitto command-line clients (and brokers) from tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { requireBinary } from '../helpers/peers.js';

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (with a timeout that kills it). */
export function runCmd(bin: string, args: string[], timeoutMs = 15_000): Promise<Exited> {
  const p = background(bin, args);
  const t = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  return p.exited.finally(() => clearTimeout(t));
}

export interface Background {
  child: ChildProcess;
  stdout(): string;
  exited: Promise<Exited>;
}

export function background(bin: string, args: string[]): Background {
  const path = requireBinary(bin);
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<Exited>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return { child, stdout: () => out, exited };
}

export function pub(port: number, args: string[]): Promise<Exited> {
  return runCmd('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), ...args]).then((r) => {
    if (r.code !== 0) throw new Error(`mosquitto_pub ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  });
}

export function sub(port: number, args: string[]): Background {
  return background('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), ...args]);
}
