// Real mosquitto for tests, via the same startMosquitto the CLI uses.
// Throws (never skips) when mosquitto is not installed.
import mqtt, { type IClientOptions } from 'mqtt';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { startMosquitto, type MosquittoOptions, type RunningMosquitto } from '../../src/broker/mosquitto.js';
import { BIN } from '../proxy/cli-run.js';
import { requireBinary } from './peers.js';

export type { RunningMosquitto };
/** A mosquitto from startAclMosquitto, with the path of its acl_file. */
export type AclMosquitto = RunningMosquitto & { aclPath: string };

export async function startTestMosquitto(opts: Omit<MosquittoOptions, 'bin'> = {}): Promise<RunningMosquitto> {
  const bin = requireBinary('mosquitto');
  return startMosquitto({ ...opts, bin });
}

/**
 * mosquitto, anonymous clients allowed, with `acl` as its acl_file (written world-readable
 * in its own temp dir, at aclPath: mosquitto started as root reads it as user mosquitto).
 * close() also removes the dir.
 */
export async function startAclMosquitto(acl: string | Uint8Array): Promise<AclMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-acl-'));
  await chmod(dir, 0o755);
  const aclPath = join(dir, 'acl');
  await writeFile(aclPath, acl, { mode: 0o644 });
  try {
    const m = await startTestMosquitto({ aclFile: aclPath, allowAnonymous: true });
    return { ...m, aclPath, close: async () => { await m.close(); await rm(dir, { recursive: true, force: true }); } };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Whether `broker` lets a fresh MQTT 5 client (with `opts`: clientId, username…) publish
 * to `topic`: true on a QoS 1 PUBACK, false on 0x87 (not authorized); anything else throws.
 */
export async function writeAllowed(broker: { host: string; port: number }, topic: string, opts: IClientOptions = {}): Promise<boolean> {
  const c = await mqtt.connectAsync({ host: broker.host, port: broker.port, protocolVersion: 5, reconnectPeriod: 0, ...opts });
  try {
    await c.publishAsync(topic, 'x', { qos: 1 });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 0x87) return false;
    throw err;
  } finally {
    await c.endAsync();
  }
}

/** Child pids of `pid` (only those named `name` when given), from pgrep. */
export function childrenOf(pid: number, name?: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), ...(name ? ['-x', name] : [])], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` runs. */
export function alive(pid: number): boolean {
  try {
    // A zombie waiting for init to reap it is gone for our purpose.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export interface ManagedMosquittoRun {
  p: ChildProcess;
  /** `${code} ${signal}` once mqttscope exits. */
  exited: Promise<string>;
  /** Waits for 'listening on' and finds the managed mosquitto (a child named `childName` when given) and its conf. */
  started(childName?: string): Promise<{ mosq: number; conf: string }>;
  /** Kills mqttscope and its mosquitto if still running and removes the conf dir. */
  cleanup(): void;
}

/** `mqttscope broker --broker mosquitto --port PORT` as a child process (detached: in its own process group). */
export function spawnManagedMosquitto(port: number, opts: { detached?: boolean } = {}): ManagedMosquittoRun {
  const p = spawn(process.execPath, [BIN, 'broker', '--broker', 'mosquitto', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], ...(opts.detached ? { detached: true } : {}) });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<string>((resolve) => p.once('exit', (c, s) => resolve(`${c} ${s}`)));
  let mosq: number | undefined;
  let conf: string | undefined;
  return {
    p,
    exited,
    async started(childName) {
      const deadline = Date.now() + 10_000;
      while (!err.includes('listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(err).toContain('listening on');
      const found = childrenOf(p.pid!, childName)[0];
      expect(found).toBeDefined();
      mosq = found!;
      conf = readFileSync(`/proc/${mosq}/cmdline`, 'utf8').split('\0')[2]!;
      expect(conf).toMatch(/mqttscope-mosquitto-.*\/mosquitto\.conf$/);
      return { mosq, conf };
    },
    cleanup() {
      if (mosq !== undefined && alive(mosq)) process.kill(mosq, 'SIGKILL');
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      if (conf) rmSync(dirname(conf), { recursive: true, force: true });
    },
  };
}
