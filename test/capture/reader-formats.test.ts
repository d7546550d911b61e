// Unusual capture files: modified pcap, gzip data, files cut inside their file
// header, timestamps outside the years 0000-9999; and the gzip-aware file reader.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureParser, type CaptureFrame, type CaptureFrameView } from '../../src/capture/capture-parser.js';
import type { CaptureNote } from '../../src/capture/notes.js';
import { captureFileChunks, isGzipFile, readCaptureFile } from '../../src/capture/read-capture.js';
import { PcapngBuilder, RecordingEngine, connectPacket, conversation, pcapFile } from './builders.js';
import { tempDir } from '../helpers/tmp.js';

const T = 1_700_000_000_123_456;

function parse(buf: Buffer, chunk = buf.length, views = false): { frames: Array<[number, number, string]>; notes: CaptureNote[]; format: string | null } {
  const frames: Array<[number, number, string]> = [];
  const notes: CaptureNote[] = [];
  const p = new CaptureParser({
    onFrame: (f: CaptureFrame) => frames.push([f.frame, f.timeUs, f.data.toString()]),
    onFrameView: views ? (v: CaptureFrameView) => frames.push([v.frame, v.timeUs, v.buf.subarray(v.start, v.end).toString()]) : undefined,
    onNote: (n) => notes.push(n),
  });
  for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk));
  p.end();
  return { frames, notes, format: p.format };
}

/** The same records as modified pcap (magic a1b2cd34, 24-byte record headers). */
function modified(pcap: Buffer, be = false): Buffer {
  const out: Buffer[] = [Buffer.from(pcap.subarray(0, 24))];
  if (be) out[0]!.writeUInt32BE(0xa1b2cd34, 0);
  else out[0]!.writeUInt32LE(0xa1b2cd34, 0);
  let o = 24;
  while (o + 16 <= pcap.length) {
    const caplen = be ? pcap.readUInt32BE(o + 8) : pcap.readUInt32LE(o + 8);
    out.push(pcap.subarray(o, o + 16), Buffer.from([0, 0, 0, 2, 8, 0, 4, 0]), pcap.subarray(o + 16, o + 16 + caplen));
    o += 16 + caplen;
  }
  return Buffer.concat(out);
}

describe('modified pcap (a1b2cd34)', () => {
  const recs = [{ timeUs: T, data: Buffer.from('first frame') }, { timeUs: T + 5, data: Buffer.from('second') }];
  for (const be of [false, true]) {
    for (const views of [false, true]) {
      it(`${be ? 'big' : 'little'}-endian, ${views ? 'lent views' : 'copies'}, any chunking`, () => {
        const file = modified(pcapFile(recs, { be }), be);
        for (const chunk of [file.length, 7, 1]) {
          const r = parse(file, chunk, views);
          expect(r.notes).toEqual([]);
          expect(r.format).toBe('pcap-modified');
          expect(r.frames).toEqual([[1, T, 'first frame'], [2, T + 5, 'second']]);
        }
      });
    }
  }
});

describe('file headers and magic', () => {
  const pcap = pcapFile([{ timeUs: T, data: Buffer.from('x') }]);

  it('a pcap cut inside its 24-byte header: the header is truncated, not "the middle of a record"', () => {
    for (const n of [4, 10, 23]) {
      const { notes, frames } = parse(pcap.subarray(0, n));
      expect(frames).toEqual([]);
      expect(notes).toEqual([{
        frame: 0, severity: 'error', code: 'truncated-header',
        text: `the file ends inside the 24-byte pcap file header (only ${n} byte(s)); the file was cut short and holds no packets`,
      }]);
    }
  });

  it('a pcapng cut inside its section header block says so', () => {
    const ng = new PcapngBuilder().section().iface(1).build();
    const { notes } = parse(ng.subarray(0, 20));
    expect(notes).toMatchObject([{ frame: 0, code: 'truncated-header' }]);
    expect(notes[0]!.text).toContain('inside the pcapng section header block');
  });

  it('gzip data is named as such; an unknown magic is shown, about the file (frame 0)', () => {
    expect(parse(gzipSync(pcap)).notes).toEqual([{ frame: 0, severity: 'error', code: 'not-a-capture', text: 'the data is gzip-compressed; decompress it first (gunzip)' }]);
    expect(parse(Buffer.from('ABCDEFGH')).notes).toMatchObject([{ frame: 0, code: 'not-a-capture', text: 'unknown file magic 41424344 (not pcap, pcapng or modified pcap)' }]);
  });
});

describe('timestamps outside the years 0000-9999', () => {
  it('one info note per file, times passed on as read', () => {
    const ng = new PcapngBuilder().section().iface(1, undefined, 0, -(2n ** 40n));
    ng.epb(0, 1_000_000n, Buffer.from('a')).epb(0, 2_000_000n, Buffer.from('b'));
    const { frames, notes } = parse(ng.build());
    expect(frames.map((f) => f[1])).toEqual([(1 - 2 ** 40) * 1e6, (2 - 2 ** 40) * 1e6]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ frame: 1, severity: 'info', code: 'timestamp-out-of-range' });
    expect(notes[0]!.text).toMatch(/^frame 1: its timestamp falls in the year -32\d{3}, outside 0000-9999/);
  });

  it('times before 1970 within the range are not noted', () => {
    const ng = new PcapngBuilder().section().iface(1, undefined, 0, -86_400n * 365n * 10n).epb(0, 1_000_000n, Buffer.from('a'));
    expect(parse(ng.build()).notes).toEqual([]);
  });
});

describe('gzip-compressed files', () => {
  const dir = tempDir('mqttscope-gz-');
  const pcap = pcapFile(conversation([{ dir: 'c2s', bytes: connectPacket('gz') }]));

  it('are read as the plain file would be, whatever the chunk size', async () => {
    const plain = join(dir, 'a.pcap');
    const gz = join(dir, 'a.pcap.gz');
    writeFileSync(plain, pcap);
    writeFileSync(gz, gzipSync(pcap));
    expect(isGzipFile(plain)).toBe(false);
    expect(isGzipFile(gz)).toBe(true);
    const a = new RecordingEngine();
    const b = new RecordingEngine();
    const ra = await readCaptureFile(plain, { engine: a });
    const rb = await readCaptureFile(gz, { engine: b, chunkSize: 16 });
    expect(rb.frames).toBe(ra.frames);
    expect(b.events).toEqual(a.events);
    const chunks = captureFileChunks(gz, 16);
    const got: Buffer[] = [];
    for await (const c of chunks) got.push(c);
    expect(chunks.gzip).toBe(true);
    expect(Buffer.concat(got)).toEqual(pcap);
  });

  it('a cut gzip file fails the read with a message saying so', async () => {
    const cut = join(dir, 'cut.pcap.gz');
    const gz = gzipSync(pcap);
    writeFileSync(cut, gz.subarray(0, gz.length - 12));
    await expect(readCaptureFile(cut, { engine: new RecordingEngine() })).rejects.toThrow(/the gzip-compressed file ends early/);
  });
});
