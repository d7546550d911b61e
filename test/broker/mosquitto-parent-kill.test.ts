// `mqttscope broker --broker mosquitto` killed with SIGKILL runs no code of its own on the
// way out: the managed mosquitto must still stop (its watcher sees the pipe from mqttscope
// close), freeing its port and removing its temp dir.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { BIN } from '../proxy/cli-run.js';
import { freePort, requireBinary } from '../helpers/peers.js';

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-x', 'mosquitto'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

describe('broker --broker mosquitto killed with SIGKILL', () => {
  it('takes its mosquitto with it: the pid is gone, the port is free and the temp dir removed', async () => {
    requireBinary('mosquitto');
    requireBinary('pgrep');
    const port = await freePort();
    const p = spawn(process.execPath, [BIN, 'broker', '--broker', 'mosquitto', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<string>((resolve) => p.once('exit', (c, s) => resolve(`${c} ${s}`)));
    let mosq: number | undefined;
    let conf: string | undefined;
    try {
      const deadline = Date.now() + 10_000;
      while (!err.includes('listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(err).toContain('listening on');
      mosq = childrenOf(p.pid!)[0];
      expect(mosq).toBeDefined();
      conf = readFileSync(`/proc/${mosq}/cmdline`, 'utf8').split('\0')[2]!;
      expect(conf).toMatch(/mqttscope-mosquitto-.*\/mosquitto\.conf$/);
      expect(await accepts(port)).toBe(true);
      p.kill('SIGKILL');
      expect(await exited).toBe('null SIGKILL');
      const until = Date.now() + 5000;
      while ((alive(mosq!) || existsSync(conf)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(alive(mosq!)).toBe(false);
      expect(existsSync(conf)).toBe(false);
      expect(await accepts(port)).toBe(false);
    } finally {
      if (mosq !== undefined && alive(mosq)) process.kill(mosq, 'SIGKILL');
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      if (conf) rmSync(dirname(conf), { recursive: true, force: true });
    }
  });
});
