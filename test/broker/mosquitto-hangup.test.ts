// Closing the terminal of `mqttscope broker --broker mosquitto`: SIGHUP reaches the whole
// process group, mosquitto only reloads on it, so mqttscope must not leave it behind. It
// stops as on SIGTERM (exit 0).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { BIN } from '../proxy/cli-run.js';
import { freePort, requireBinary } from '../helpers/peers.js';

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie waiting for init to reap it is gone for our purpose.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('broker --broker mosquitto and SIGHUP', () => {
  it('a hangup of the process group leaves no mosquitto child and no temp dir', async () => {
    requireBinary('mosquitto');
    requireBinary('pgrep');
    const port = await freePort();
    // detached: its own process group, as a terminal session would be.
    const p = spawn(process.execPath, [BIN, 'broker', '--broker', 'mosquitto', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<string>((resolve) => p.once('exit', (c, s) => resolve(`${c} ${s}`)));
    let mosq: number | undefined;
    let conf: string | undefined;
    try {
      const deadline = Date.now() + 10_000;
      while (!err.includes('listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(err).toContain('listening on');
      const found = childrenOf(p.pid!)[0];
      expect(found).toBeDefined();
      mosq = found!;
      conf = readFileSync(`/proc/${mosq}/cmdline`, 'utf8').split('\0')[2]!;
      expect(conf).toMatch(/mqttscope-mosquitto-.*\/mosquitto\.conf$/);
      process.kill(-p.pid!, 'SIGHUP');
      expect(await exited).toBe('0 null');
      const until = Date.now() + 5000;
      while (alive(found!) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(alive(found!)).toBe(false);
      expect(existsSync(conf)).toBe(false);
    } finally {
      if (mosq !== undefined && alive(mosq)) process.kill(mosq, 'SIGKILL');
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      if (conf) rmSync(dirname(conf), { recursive: true, force: true });
    }
  });
});
