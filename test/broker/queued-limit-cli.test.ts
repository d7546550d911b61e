// `mqttscope broker -c FILE` passes the file's max_queued_messages to the broker it starts
// (the parser read it, but the command did not hand it on: an offline session kept 1,000).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/peers.js';
import { ROOT } from '../read/run.js';
import { RawClient } from './raw-client.js';
import { sleep } from './parity.js';

const dir = mkdtempSync(join(tmpdir(), 'queued-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mqttscope broker -c with max_queued_messages 3', () => {
  it('the bundled broker queues 3 QoS 1 messages for an offline persistent session', async () => {
    const port = await freePort();
    const conf = join(dir, 'm.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 3\n`);
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'broker', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d) => { log += d; });
    const clients: RawClient[] = [];
    try {
      let up: RawClient | null = null;
      for (let i = 0; i < 100 && up === null; i++) {
        try { up = await RawClient.open(port, { clientId: 'off', clean: false }); } catch { await sleep(50); }
      }
      expect(up, log).not.toBeNull();
      clients.push(up!);
      expect(await up!.connack()).toBe(0);
      expect(await up!.subscribe(['q/#'], 1)).toEqual([1]);
      await up!.disconnect();
      const p = await RawClient.open(port, { clientId: 'p', clean: true });
      clients.push(p);
      expect(await p.connack()).toBe(0);
      for (let i = 0; i < 10; i++) await p.publish('q/n', `${i}`, 1);
      await sleep(300);
      const back = await RawClient.open(port, { clientId: 'off', clean: false });
      clients.push(back);
      expect(await back.connack()).toBe(0);
      await back.drain();
      expect(back.messages()).toEqual(['q/n 0', 'q/n 1', 'q/n 2']);
    } finally {
      for (const c of clients) c.destroy();
      await new Promise<void>((r) => { if (child.exitCode !== null) { r(); return; } child.once('exit', () => r()); child.kill('SIGTERM'); });
    }
  }, 30_000);
});
