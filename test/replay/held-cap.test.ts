// A connection whose script waits behind an ack (the broker's delivery it
// answers did not come) holds the rest of its packets. When those held packets
// fill the read-ahead cap, reading stops until some are let go: the held ack
// must still be given up after the answer timeout even though no answer comes
// on that connection, or the replay never ends.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { openCapture, replay, type ReplayResult } from '../../src/replay/index.js';
import { heldBehindAckCapture } from './helpers.js';

const PUBLISHES = 40;

describe('replay: held packets that fill the read-ahead cap', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-held-'));
    file = join(dir, 'held.pcap');
    await writeFile(file, heldBehindAckCapture('held-cap', PUBLISHES));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives up the ack after the answer timeout and plays the rest (no stall)', async () => {
    const capture = openCapture(file, { maxBufferedBytes: 4096, chunkSize: 512 });
    const run = replay(capture, { host: broker.host, port: broker.port, speed: 'max', answerTimeoutMs: 200, settleMs: 50 });
    const stalled = new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 8000).unref());
    const res = await Promise.race([run, stalled]);
    expect(res).not.toBe('stalled');
    const r = res as ReplayResult;
    expect(capture.stats.eof).toBe(true);
    expect(capture.stats.bufferedBytes).toBe(0);
    expect(r.conns).toHaveLength(1);
    // CONNECT, the 40 PUBLISHes and the DISCONNECT were written; the PUBACK was not.
    expect(r.conns[0]!.sent).toBe(PUBLISHES + 2);
    expect(r.conns[0]!.diffs.some((d) => d.kind === 'not-sent' && /PUBACK/.test(d.text) && /did not come within the 200 ms/.test(d.text))).toBe(true);
  }, 15_000);
});
