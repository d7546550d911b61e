// A replay stopped early (Ctrl-C: ReplayOptions.signal) stops sending at once,
// closes its sockets and reports what was played, without calling answers that
// were never due missing.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { ROOT } from '../read/run.js';
import { startVerboseMosquitto, type Peer } from './helpers.js';

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
