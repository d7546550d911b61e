// A replay stopped early (Ctrl-C: ReplayOptions.signal) stops sending at once,
// closes its sockets and reports what was played, without calling answers that
// were never due missing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay, type ReplayResult } from '../../src/replay/index.js';
import { ROOT } from '../read/run.js';
import { heldBehindAckCapture, startVerboseMosquitto, type Peer } from './helpers.js';

// tshark capture (see topic-alias.test.ts): 'ta-sub' CONNECT at 0 ms, SUBSCRIBE at 4 ms,
// 'ta-pub' CONNECT at 7 ms, its first PUBLISH at 12 ms; the last packet at 314 ms.
const CAPTURE = resolve(ROOT, 'test/replay/topic-alias.pcapng');

describe('replay stopped by its signal', () => {
  let mosq: Peer;
  beforeAll(async () => { mosq = await startVerboseMosquitto(); });
  afterAll(async () => { await mosq?.stop(); });

  it('stops mid-capture, reports the connections started and nothing never due as missing', async () => {
    const capture = openCapture(CAPTURE, { ports: [18841] });
    const ac = new AbortController();
    // At a hundredth of the speed the whole capture takes about 31 s; stop once 3 packets are written (under 1 s).
    const started = performance.now();
    const res = await replay(capture, { host: '127.0.0.1', port: mosq.port, speed: 0.01, signal: ac.signal, answerTimeoutMs: 800,
      onProgress: (_b, packets) => { if (packets === 3) ac.abort(); } });
    const tookMs = performance.now() - started;
    expect(tookMs).toBeLessThan(2500);
    expect(res.interrupted).toBe(true);
    expect(res.identical).toBe(false);
    expect(res.conns.map((c) => [c.script.clientId, c.sent, c.diffs])).toEqual([
      ['ta-sub', 2, []],
      ['ta-pub', 1, []],
    ]);
    const report = formatReport(res, `127.0.0.1:${mosq.port}`);
    expect(report).toMatch(/client 'ta-sub': same answers \(2 of 5 packet\(s\) sent, 6 answer\(s\) in the capture, 2 now\)/);
    expect(report).toMatch(/^replay stopped before the end of the capture: 2 connection\(s\) started, 0 of them with different answers so far/m);
    expect(report).not.toMatch(/the broker answered exactly as in the capture/);
  });
});

describe('replay stopped while held packets fill the read-ahead cap', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-stop-held-'));
    file = join(dir, 'held.pcap');
    await writeFile(file, heldBehindAckCapture('stop-held', 40));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ends at once instead of waiting for the held packets forever', async () => {
    const capture = openCapture(file, { maxBufferedBytes: 4096, chunkSize: 512 });
    const ac = new AbortController();
    // The PUBACK waits 1 s for its delivery, then is held (with all after it) for 1 s more; stop in between.
    setTimeout(() => ac.abort(), 1300);
    const run = replay(capture, { host: broker.host, port: broker.port, speed: 'max', answerTimeoutMs: 1000, signal: ac.signal });
    const stalled = new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 2500).unref());
    const res = await Promise.race([run, stalled]);
    expect(res).not.toBe('stalled');
    const r = res as ReplayResult;
    expect(r.interrupted).toBe(true);
    // Only the CONNECT was written: the PUBACK and what waited behind it were given up.
    expect(r.conns[0]!.sent).toBe(1);
  }, 15_000);
});
