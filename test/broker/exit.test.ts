// `mqttscope broker` ends when it cannot serve: a port in use, or a managed
// mosquitto that keeps dying. It must exit (with 1), not hang or claim success.
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startMosquitto } from '../../src/broker/mosquitto.js';
import { BIN } from '../proxy/cli-run.js';
import { freePort, requireBinary } from '../helpers/peers.js';

/** Run the CLI; resolves with its exit code and stderr, or the string 'hung' after `ms`. */
function runCli(args: string[], ms: number): Promise<{ code: number | 'hung'; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const t = setTimeout(() => { c.kill('SIGKILL'); resolve({ code: 'hung', err }); }, ms);
    c.on('exit', (code) => { clearTimeout(t); resolve({ code: code ?? -1, err }); });
  });
}

async function occupy(): Promise<{ port: number; srv: Server }> {
  const srv = createServer(() => {});
  const port = await freePort();
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return { port, srv };
}

describe('mqttscope broker exits when it cannot serve', () => {
  it('the bundled broker on a port in use: one line, exit 1 (it used to print the error and hang)', async () => {
    const { port, srv } = await occupy();
    try {
      const r = await runCli(['broker', '--port', String(port)], 8000);
      expect(r.code, r.err).toBe(1);
      expect(r.err.trim()).toBe(`mqttscope broker: cannot listen on 127.0.0.1:${port}: the port is already in use; pick another with --port`);
    } finally {
      srv.close();
    }
  });

  it('--broker mosquitto on a port in use: exit 1, not "listening" (readiness saw the other server)', async () => {
    requireBinary('mosquitto');
    const { port, srv } = await occupy();
    try {
      const r = await runCli(['broker', '--broker', 'mosquitto', '--port', String(port)], 15000);
      expect(r.code, r.err).toBe(1);
      expect(r.err).not.toContain('listening on');
      expect(r.err).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
    } finally {
      srv.close();
    }
  });

  it('a managed mosquitto that dies more often than it may be restarted is given up on, once', async () => {
    requireBinary('mosquitto');
    const exits: string[] = [];
    const gaveUp: number[] = [];
    const m = await startMosquitto({
      port: await freePort(), restart: true, maxRestarts: 1,
      onExit: (i) => exits.push(i.signal ?? String(i.code)),
      onGiveUp: (i) => gaveUp.push(i.restarts),
    });
    const killChild = (): void => {
      const pid = execFileSync('pgrep', ['-f', m.configPath], { encoding: 'utf8' }).trim().split('\n')[0]!;
      process.kill(Number(pid), 'SIGKILL');
    };
    const until = async (ok: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    try {
      killChild();
      await until(() => exits.length === 1);
      // Restarted: wait until the new child runs, then kill it too.
      await until(() => { try { execFileSync('pgrep', ['-f', m.configPath]); return true; } catch { return false; } });
      killChild();
      await until(() => gaveUp.length === 1);
      expect(exits).toEqual(['SIGKILL', 'SIGKILL']);
      expect(gaveUp).toEqual([1]);
    } finally {
      await m.close();
    }
  });
});
