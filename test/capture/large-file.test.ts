import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { EngineLike } from '../../src/capture/capture-session.js';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { connectPacket, publishPacket } from './builders.js';

it('streams a ~60 MB capture in bounded memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mqttscope-big-'));
  const file = join(dir, 'big.pcap');
  const fd = openSync(file, 'w');
  writeSync(fd, pcapGlobalHeader());
  const pub = publishPacket('load/test', Buffer.alloc(1400, 0x61));
  let t = 1_700_000_000_000_000;
  let expectedBytes = 0;
  // 40 connections in turn, 1000 publishes each.
  for (let c = 0; c < 40; c++) {
    const enc = new PcapConversationEncoder({ host: '10.2.0.1', port: 30000 + c }, { host: '10.2.0.2', port: 1883 });
    writeSync(fd, enc.open((t += 10)));
    writeSync(fd, enc.data('c2s', connectPacket(`c${c}`), (t += 10)));
    expectedBytes += connectPacket(`c${c}`).length;
    for (let i = 0; i < 1000; i++) {
      writeSync(fd, enc.data('c2s', pub, (t += 10)));
      expectedBytes += pub.length;
    }
    writeSync(fd, enc.close((t += 10)));
  }
  closeSync(fd);
  let bytes = 0;
  let opens = 0;
  let closes = 0;
  const engine: EngineLike = {
    open: () => void opens++, data: (_i, _d, chunk) => void (bytes += chunk.length), gap: () => { throw new Error('no gaps expected'); },
    close: () => void closes++, end: () => {},
  };
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const t0 = performance.now();
  const res = await readCaptureFile(file, { engine, onProgress: () => { peak = Math.max(peak, process.memoryUsage().heapUsed); } });
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  expect(res.notes).toEqual([]);
  expect(opens).toBe(40);
  expect(closes).toBe(40);
  expect(bytes).toBe(expectedBytes);
  expect(res.frames).toBe(40 * (3 + 1 + 1000 + 3));
  // Far less than the file: chunks are processed and released as they are read.
  expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  console.log(`large capture: ${res.frames} frames in ${ms.toFixed(0)} ms (${((res.frames / ms) * 1000).toFixed(0)} frames/s), heap +${((peak - before) / 1048576).toFixed(1)} MiB`);
});
