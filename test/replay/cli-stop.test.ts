// `mqttscope replay` stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP: the replay stops
// (its connections closed), the report of what was played is printed and says it was
// stopped, and the exit status is 128 + the signal number. Before, the signal killed
// the command at once, without a report.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket } from '../capture/builders.js';
import { ROOT } from '../read/run.js';

interface Outcome { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; closedAfterMs: number }

describe('mqttscope replay stopped by a signal', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-cli-stop-'));
    const recs = conversation([
      { dir: 'c2s', bytes: connectPacket('cli-stop') },
      { dir: 's2c', bytes: CONNACK },
      { dir: 'c2s', bytes: publishPacket('stop/first', Buffer.from('1')) },
      { dir: 'c2s', bytes: publishPacket('stop/second', Buffer.from('2')) },
      { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
    ]);
    // The second PUBLISH (and all after it) comes a minute later: the replay is waiting when stopped.
    const second = recs.findIndex((r) => r.data.includes(Buffer.from('stop/second')));
    for (const r of recs.slice(second)) r.timeUs += 60_000_000;
    file = join(dir, 'slow.pcap');
    await writeFile(file, pcapFile(recs));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function stopWith(sig: NodeJS.Signals): Promise<Outcome> {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'replay', file, '--to', `127.0.0.1:${broker.port}`], {
      env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += String(d); });
    child.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    let sentAt = 0;
    let closedAt = 0;
    const onPublish = (packet: { topic: string }, client: unknown): void => {
      if (client === null || packet.topic !== 'stop/first' || sentAt > 0) return;
      sentAt = performance.now();
      child.kill(sig);
    };
    const onGone = (): void => { if (sentAt > 0 && closedAt === 0) closedAt = performance.now(); };
    broker.aedes.on('publish', onPublish);
    broker.aedes.on('clientDisconnect', onGone);
    return new Promise((res) => {
      const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        broker.aedes.off('publish', onPublish);
        broker.aedes.off('clientDisconnect', onGone);
        res({ code, signal, stdout, stderr, closedAfterMs: closedAt - sentAt });
      });
    });
  }

  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${sig}: the connection closes, the report says stopped, exit ${code}`, async () => {
      const r = await stopWith(sig);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`mqttscope replay: stopping (${sig})`);
      expect(r.stdout).toMatch(/client 'cli-stop': same answers/);
      expect(r.stdout).toMatch(/^replay stopped before the end of the capture: 1 connection\(s\) started, 0 of them with different answers so far/m);
      // Closed at once, not after the minute the capture waits.
      expect(r.closedAfterMs).toBeGreaterThan(0);
      expect(r.closedAfterMs).toBeLessThan(5000);
    }, 20_000);
  }
});
