// A capture that lacks the broker's side of a connection (a one-way capture: a
// capture filter or span port that saw only the client) or part of it (segments
// not captured): the live broker's answers show as extra, and the report says why
// under that connection instead of leaving the reader to suspect the broker.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, connectPacket, conversation, pcapFile } from '../capture/builders.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../read/run.js';

const ONE_WAY = resolve(ROOT, 'test/fixtures/capture-variants/tcp-one-way-publisher.pcap');
const PINGREQ = Buffer.from([
  0xc0, // PINGREQ
  0x00, // Remaining Length
]);
const PINGRESP = Buffer.from([
  0xd0, // PINGRESP
  0x00, // Remaining Length
]);
const DISCONNECT = Buffer.from([
  0xe0, // DISCONNECT
  0x00, // Remaining Length
]);

describe('replaying a capture without (part of) the broker side', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-broker-gap-'));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('one-way capture: a note says none of the broker packets were captured', async () => {
    const res = await replay(openCapture(ONE_WAY), { host: broker.host, port: broker.port, speed: 'max', answerTimeoutMs: 300 });
    const text = formatReport(res, 'x');
    expect(text).toMatch(/client 'oneway-pub': DIFFERENT \(103 packet\(s\) sent, 0 answer\(s\) in the capture, 102 now\)\n  note: none of the broker's packets on this connection are in the capture \(its side is missing from capture frame 4 on: a one-way capture, e\.g\. a capture filter or a span port that saw only the client's traffic\), so every answer now is listed as extra\n  \+ extra: CONNACK/);
  });

  it('a broker segment not captured: a note names its frame', async () => {
    const recs = conversation([
      { dir: 'c2s', bytes: connectPacket('gap-c') },
      { dir: 's2c', bytes: CONNACK },
      { dir: 'c2s', bytes: PINGREQ },
      { dir: 's2c', bytes: PINGRESP }, // dropped below: not captured
      { dir: 'c2s', bytes: PINGREQ },
      { dir: 's2c', bytes: PINGRESP },
      { dir: 'c2s', bytes: DISCONNECT },
    ]);
    // Frames: SYN, SYN-ACK, ACK, then one per chunk; the first PINGRESP (7th) is left out,
    // so the second (frame 7 of the file) shows the gap.
    const file = join(dir, 'gap.pcap');
    await writeFile(file, pcapFile(recs.filter((_, i) => i !== 6)));
    const res = await replay(openCapture(file), { host: broker.host, port: broker.port, speed: 'max', answerTimeoutMs: 300 });
    const text = formatReport(res, 'x');
    expect(text).toMatch(/client 'gap-c': DIFFERENT \(4 packet\(s\) sent, 2 answer\(s\) in the capture, 3 now\)\n  note: some of the broker's bytes on this connection are missing from the capture \(a gap in capture frame 7: segments not captured or cut by the snap length\), so answers it hid show as extra now\n  \+ extra: PINGRESP/);
  });

  it('a capture with both sides gets no such note', async () => {
    const res = await replay(openCapture(resolve(ROOT, 'captures/will.pcap')), { host: broker.host, port: broker.port, speed: 'max' });
    expect(formatReport(res, 'x')).not.toContain('note:');
  });
});
