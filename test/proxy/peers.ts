// Running the mosquitto command-line clients (and brokers) from tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from '../helpers/peers.js';

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

/**
 * The TCP segments of a pcap as tshark reads them, one string each: which side sent it
 * (`server` when its source port is `serverPort`, else `client`) and `RST`, `FIN` or `ack`.
 */
export async function tcpCloseRows(file: string, serverPort: number): Promise<string[]> {
  const r = await runCmd('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.flags.fin', '-e', 'tcp.flags.reset'], 60_000);
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  const set = (v: string | undefined): boolean => v === '1' || v === 'True';
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'))
    .map((x) => `${x[0] === String(serverPort) ? 'server' : 'client'} ${set(x[2]) ? 'RST' : set(x[1]) ? 'FIN' : 'ack'}`);
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

export interface TlsMosquitto {
  port: number;
  close(): Promise<void>;
}

/**
 * A real mosquitto with one TLS listener on 127.0.0.1 (certificate `cert`/`key`,
 * optionally `cafile`, anonymous clients allowed). mosquitto started as root drops to the user
 * `mosquitto`, so the files are copied into a 0755 directory and made 0644.
 */
export async function tlsMosquitto(certPath: string, keyPath: string, caPath?: string): Promise<TlsMosquitto> {
  const bin = requireBinary('mosquitto');
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-tls-mosquitto-'));
  await chmod(dir, 0o755);
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  await copyFile(certPath, cert);
  await copyFile(keyPath, key);
  await chmod(cert, 0o644);
  await chmod(key, 0o644);
  const caLine: string[] = [];
  if (caPath) {
    const ca = join(dir, 'ca.crt');
    await copyFile(caPath, ca);
    await chmod(ca, 0o644);
    caLine.push(`cafile ${ca}`);
  }
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `certfile ${cert}`, `keyfile ${key}`, ...caLine, 'persistence false', ''].join('\n'));
  await chmod(conf, 0o644);
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
  const gone = new Promise<void>((r) => child.once('close', () => r()));
  const t0 = Date.now();
  for (;;) {
    const up = await new Promise<boolean>((r) => {
      const s = netConnect({ host: '127.0.0.1', port }, () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() - t0 > 10_000) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto with a TLS listener did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    close: async () => {
      child.kill('SIGTERM');
      await gone;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
