// --write to a FIFO (`wireshark -k -i FIFO`): a reader that stops reading must not stop the
// proxy. The sink writes a FIFO without blocking, keeps what the pipe does not take yet
// (at most maxFifoBacklog bytes), and stops with one error past that. Before, a blocking
// write froze the whole process, every connection with it, with no line.
import { execFileSync } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapFileSink, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { tempDir } from '../helpers/tmp.js';

function fifo(): string {
  const path = join(tempDir('mqttscope-fifo-nb-'), 'live.pcap');
  execFileSync('mkfifo', [path]);
  return path;
}

/** Everything readable from a non-blocking reader right now. */
function drain(fd: number, into: Buffer[]): void {
  const b = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, b, 0, b.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
      throw err;
    }
    if (n === 0) return;
    into.push(Buffer.from(b.subarray(0, n)));
  }
}

/** A record-sized piece of distinct bytes (what the sink is given is opaque to it). */
const piece = (i: number, n: number): Buffer => Buffer.alloc(n, i & 0xff);

describe('PcapFileSink on a FIFO', () => {
  it('a reader that stops reading: writes never block, and the sink stops with one error past its backlog', () => {
    const path = fifo();
    const reader = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK); // open, never read
    const errors: NodeJS.ErrnoException[] = [];
    const sink = new PcapFileSink(path, { maxFifoBacklog: 1 << 20, onError: (e) => errors.push(e) });
    try {
      let slowest = 0;
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        sink.write(piece(i, 64 * 1024));
        sink.flush();
        slowest = Math.max(slowest, performance.now() - t0);
      }
      // A pipe holds 64 KiB: 6.4 MiB could only go through a reader. Nothing waited on it.
      expect(slowest).toBeLessThan(250);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.code).toBe('EAGAIN');
      expect(errors[0]!.message).toMatch(/^the program reading this FIFO stopped reading: \d+\.\d MiB waited for it \(at most 1 MiB are kept\), so the recording stopped rather than stall the traffic$/);
      expect(sink.failed).toBe(errors[0]);
      // Stopped: later writes are dropped at once.
      sink.write(piece(0, 1 << 20));
      sink.flush();
      expect(errors).toHaveLength(1);
    } finally {
      sink.close();
      closeSync(reader);
    }
  });

  it('a slow reader gets the whole byte stream, in order, across the backlog', () => {
    const path = fifo();
    const reader = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const errors: NodeJS.ErrnoException[] = [];
    const sink = new PcapFileSink(path, { maxFifoBacklog: 64 << 20, onError: (e) => errors.push(e) });
    const sent: Buffer[] = [pcapGlobalHeader()];
    const got: Buffer[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        // Odd sizes, so that the pipe takes pieces in part.
        const b = piece(i, 1000 + (i * 7919) % 30_000);
        sent.push(b);
        sink.write(b);
        if (i % 3 === 0) sink.flush();
        if (i % 10 === 0) drain(reader, got); // the reader wakes up now and then
      }
      for (let i = 0; i < 10_000 && Buffer.concat(got).length < Buffer.concat(sent).length; i++) {
        sink.flush();
        drain(reader, got);
      }
      expect(errors).toEqual([]);
      expect(Buffer.concat(got).equals(Buffer.concat(sent))).toBe(true);
      expect(sink.written).toBe(Buffer.concat(sent).length);
    } finally {
      sink.close();
      closeSync(reader);
    }
  });
});
