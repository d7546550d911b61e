// Cross-check our classic-pcap reader against the `pcap-parser` package, which
// reads microsecond pcap only (see docs/captures.md for why we need our own).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error pcap-parser ships no types
import pcapp from 'pcap-parser';
import { CaptureParser, type CaptureFrame } from '../../src/capture/capture-parser.js';

const ROOT = 'test/fixtures/suricata-verify/tests';

function pcapFiles(): string[] {
  const out: string[] = [];
  for (const t of readdirSync(ROOT)) {
    for (const f of readdirSync(join(ROOT, t))) if (f.endsWith('.pcap')) out.push(join(ROOT, t, f));
  }
  if (existsSync('captures/acl.pcap')) out.push('captures/acl.pcap');
  return out;
}

interface OracleFrame { sec: number; usec: number; caplen: number; origlen: number; data: Buffer }

function oracle(path: string): Promise<OracleFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: OracleFrame[] = [];
    const p = pcapp.parse(path);
    p.on('packet', (pkt: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => {
      frames.push({ sec: pkt.header.timestampSeconds, usec: pkt.header.timestampMicroseconds, caplen: pkt.header.capturedLength, origlen: pkt.header.originalLength, data: Buffer.from(pkt.data) });
    });
    p.on('end', () => resolve(frames));
    p.on('error', reject);
  });
}

function ours(path: string): CaptureFrame[] {
  const frames: CaptureFrame[] = [];
  const parser = new CaptureParser({ onFrame: (f) => frames.push(f) });
  const buf = readFileSync(path);
  // Odd-sized chunks so record boundaries fall everywhere.
  for (let i = 0; i < buf.length; i += 4093) parser.push(buf.subarray(i, i + 4093));
  parser.end();
  return frames;
}

describe('classic pcap reader agrees with pcap-parser', () => {
  const files = pcapFiles();
  it('has fixtures to compare', () => {
    expect(files.length).toBeGreaterThan(30);
  });
  for (const file of files) {
    it(file, async () => {
      const want = await oracle(file);
      const got = ours(file);
      expect(got.length).toBe(want.length);
      got.forEach((f, i) => {
        const w = want[i]!;
        expect(f.frame).toBe(i + 1);
        expect(f.timeUs).toBe(w.sec * 1e6 + w.usec);
        expect(f.data.length).toBe(w.caplen);
        expect(f.origLen).toBe(w.origlen);
        expect(f.data.equals(w.data)).toBe(true);
      });
    });
  }
});
