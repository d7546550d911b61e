// A classic pcap record header whose captured length is damaged (bigger than the
// file's snap length and than libpcap's largest, 262144) used to be believed: the
// record swallowed the records after it as one frame, and the error came later,
// at some garbage "header" inside them, far from the real damage. tshark says
// "File has 300000-byte packet, bigger than maximum of 262144"; so do we, there.
import { describe, expect, it } from 'vitest';
import { CaptureParser, type CaptureFrame } from '../../src/capture/capture-parser.js';
import type { CaptureNote } from '../../src/capture/notes.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, pcapFile, RecordingEngine } from './builders.js';

/** A capture of a connection (8 records) followed by 300 kB of records, with record `bad` (1-based) claiming `caplen`. */
function damaged(bad: number, caplen: number, snap?: number): { file: Buffer; offset: number } {
  const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
  for (let i = 0; i < 300; i++) recs.push({ timeUs: 1_700_000_001_000_000 + i, data: Buffer.alloc(1000, i) });
  const file = pcapFile(recs, snap === undefined ? {} : { snap });
  let offset = 24;
  for (let i = 1; i < bad; i++) offset += 16 + file.readUInt32LE(offset + 8);
  file.writeUInt32LE(caplen, offset + 8);
  return { file, offset };
}

describe('a classic pcap record header claiming more bytes than any snap length', () => {
  it('is reported at that frame and offset, and no frame is made of the records after it (view path)', () => {
    const { file, offset } = damaged(5, 300_000);
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(file, { engine });
    expect(res.frames).toBe(4);
    const bad = res.notes.filter((n) => n.code === 'corrupt-record');
    expect(bad).toEqual([{
      frame: 5, severity: 'error', code: 'corrupt-record',
      text: `frame 5: the record header at byte offset ${offset} claims 300000 captured bytes, more than 262144 (the largest snap length libpcap writes), so it is damaged; the rest of the file is not read (the frames before it are decoded)`,
    }]);
    expect(res.hadErrors).toBe(true);
    // The CONNECT (frame 4) was before the damage and is decoded.
    expect(engine.stream('c2s')).toEqual(connectPacket('c1'));
  });

  it('the same through onFrame (copying path), the file pushed in small chunks', () => {
    const { file } = damaged(5, 300_000);
    const frames: CaptureFrame[] = [];
    const notes: CaptureNote[] = [];
    const p = new CaptureParser({ onFrame: (f) => frames.push(f), onNote: (n) => notes.push(n) });
    for (let i = 0; i < file.length; i += 777) p.push(file.subarray(i, i + 777));
    p.end();
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3, 4]);
    expect(frames.every((f) => f.data.length < 100)).toBe(true);
    expect(notes.map((n) => [n.frame, n.code])).toEqual([[5, 'corrupt-record']]);
  });

  it('a file whose header states a snap length above 262144 may hold records that long', () => {
    const { file } = damaged(5, 300_000, 1_000_000);
    const frames: CaptureFrame[] = [];
    const notes: CaptureNote[] = [];
    const p = new CaptureParser({ onFrame: (f) => frames.push(f), onNote: (n) => notes.push(n) });
    p.push(file);
    p.end();
    expect(frames[4]!.data.length).toBe(300_000);
    // Past the snap length it stays damaged, and the note names the file's snap length.
    const worse = damaged(5, 2_000_000, 1_000_000).file;
    const notes2: CaptureNote[] = [];
    const p2 = new CaptureParser({ onFrame: () => {}, onNote: (n) => notes2.push(n) });
    p2.push(worse);
    p2.end();
    expect(notes2[0]).toMatchObject({ frame: 5, code: 'corrupt-record' });
    expect(notes2[0]!.text).toContain('claims 2000000 captured bytes, more than the file\'s snap length of 1000000, so it is damaged');
  });
});
