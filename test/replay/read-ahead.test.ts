// replay reads the capture as it plays it (a bounded read-ahead): a large
// capture starts playing after a small part of the file was read, and the
// script bytes held at once stay under the cap, far below the file's size.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket } from '../capture/builders.js';

const PUBLISHES = 200_000;
const DISCONNECT = Buffer.from([0xe0, 0x00]);

describe('replay of a large capture: bounded read-ahead', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  let fileSize: number;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-big-'));
    // One client: CONNECT, 200,000 QoS 0 PUBLISHes (one per TCP segment, 1 ms apart), DISCONNECT.
    const chunks = [{ dir: 'c2s' as const, bytes: connectPacket('big-replay') }, { dir: 's2c' as const, bytes: CONNACK }];
    for (let i = 0; i < PUBLISHES; i++) chunks.push({ dir: 'c2s', bytes: publishPacket('load/t', Buffer.from(`m${i}`)) });
    chunks.push({ dir: 'c2s', bytes: DISCONNECT });
    const data = pcapFile(conversation(chunks));
    fileSize = data.length;
    file = join(dir, 'big.pcap');
    await writeFile(file, data);
  }, 30_000);
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plays 200,000 PUBLISHes at max speed holding at most about the cap of script bytes', async () => {
    const cap = 1024 * 1024;
    const capture = openCapture(file, { maxBufferedBytes: cap });
    const res = await replay(capture, { host: broker.host, port: broker.port, speed: 'max' });
    const s = capture.stats;
    // Sending began after a small part of the file was read...
    expect(s.fileBytesReadAtFirstEvent).not.toBeNull();
    expect(s.fileBytesReadAtFirstEvent!).toBeLessThan(fileSize / 10);
    // ...and the read-ahead never held much more than the cap (one read chunk's packets past it).
    expect(s.peakBufferedBytes).toBeGreaterThan(0);
    expect(s.peakBufferedBytes).toBeLessThan(2 * cap);
    expect(s.peakBufferedBytes).toBeLessThan(fileSize / 8);
    expect(s.eof).toBe(true);
    expect(s.bufferedBytes).toBe(0);
    expect(s.fileBytesRead).toBe(fileSize);
    // Every packet was written, and the report is the usual one.
    expect(res.conns).toHaveLength(1);
    expect(res.conns[0]!.sent).toBe(PUBLISHES + 2);
    expect(formatReport(res, 'x')).toBe(
      `#1 10.0.0.1:50000-10.0.0.2:1883 client 'big-replay': same answers (${PUBLISHES + 2} packet(s) sent, 1 answer(s) in the capture, 1 now)\n`
      + '1 connection(s) replayed against x: the broker answered exactly as in the capture\n',
    );
    expect(res.identical).toBe(true);
  }, 30_000);

  it('with the default cap the read-ahead stays within the order window, far below the file', async () => {
    const capture = openCapture(file);
    const res = await replay(capture, { host: broker.host, port: broker.port, speed: 'max', clientIdSuffix: '-2' });
    // 2 s of capture time at one packet per ms: about 2,000 packets are read ahead, not 200,000.
    expect(capture.stats.peakBufferedBytes).toBeLessThan(fileSize / 8);
    expect(capture.stats.fileBytesReadAtFirstEvent!).toBeLessThan(fileSize / 10);
    expect(res.identical).toBe(true);
  }, 30_000);
});
