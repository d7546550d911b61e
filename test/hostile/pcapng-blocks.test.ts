// pcapng blocks larger than mqttscope reads in one (maxRecord, 64 MiB by
// default): one whose content is not needed (a Decryption Secrets Block, a
// custom or unknown block) is skipped as it streams by, holding nothing, as
// tshark reads past it; a packet block that large, or any block past tshark's
// own limit, stops the read with a message that says what the length claims
// and why it is not believed (it said "invalid length", as for a length of 5).
import { describe, expect, it } from 'vitest';
import { CaptureParser, type CaptureFrame } from '../../src/capture/capture-parser.js';
import type { CaptureNote } from '../../src/capture/notes.js';

/** One little-endian pcapng block: type, total length, body (padded to 4), total length again. */
function block(type: number, body: Buffer, claimed?: number): Buffer {
  const len = 12 + body.length + ((4 - (body.length % 4)) % 4);
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(claimed ?? len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(claimed ?? len, len - 4);
  return b;
}

// Section Header Block: byte-order magic 1a2b3c4d, version 1.0, section length -1 (unknown).
const SHB = block(0x0a0d0d0a, Buffer.from('4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff', 'hex'));
// Interface Description Block: link type 101 (raw IP), reserved 0, snap length 262144.
const IDB = block(1, Buffer.from('6500' + '0000' + '00000400', 'hex'));

/** An Enhanced Packet Block on interface 0 carrying `data`. */
function epb(data: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt32LE(0, 0); // interface id
  h.writeUInt32LE(0, 4); // timestamp high
  h.writeUInt32LE(1_000_000, 8); // timestamp low
  h.writeUInt32LE(data.length, 12); // captured length
  h.writeUInt32LE(data.length, 16); // original length
  return block(6, Buffer.concat([h, data]));
}

function parse(chunks: Buffer[], maxRecord: number): { frames: CaptureFrame[]; notes: CaptureNote[]; parser: CaptureParser } {
  const frames: CaptureFrame[] = [];
  const notes: CaptureNote[] = [];
  const parser = new CaptureParser({ onFrame: (f) => frames.push(f), onNote: (n) => notes.push(n), maxRecord });
  for (const c of chunks) parser.push(c);
  parser.end();
  return { frames, notes, parser };
}

/** Cut `b` into pieces of `n` bytes, as a file is read. */
function pieces(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < b.length; o += n) out.push(b.subarray(o, o + n));
  return out;
}

const PACKET = Buffer.from('4500001400000000400600000a0000010a000002', 'hex'); // a bare IPv4 header (20 bytes)

describe('pcapng blocks larger than one read', () => {
  it('a Decryption Secrets Block and an unknown block over the limit are skipped; the packets after them are read', () => {
    const dsb = block(10, Buffer.concat([Buffer.from('4b534c54', 'hex'), Buffer.alloc(4), Buffer.alloc(200_000)])); // TLS key log, 200 KB
    const unknown = block(0x1234, Buffer.alloc(300_000));
    const file = Buffer.concat([SHB, IDB, epb(PACKET), dsb, epb(PACKET), unknown, epb(PACKET)]);
    const { frames, notes } = parse(pieces(file, 8192), 65_536);
    expect(frames.map((f) => f.data.length)).toEqual([20, 20, 20]);
    expect(notes.map((n) => [n.code, n.severity])).toEqual([['unknown-block', 'info']]);
    expect(notes[0]!.text).toBe(`skipped pcapng block(s) of unknown type 0x1234 (first at byte offset ${SHB.length + IDB.length + 2 * epb(PACKET).length + dsb.length})`);
  });

  it('a file cut inside a skipped block says so, with what is missing', () => {
    const big = block(0x0bad, Buffer.alloc(100_000)); // a custom block
    const file = Buffer.concat([SHB, IDB, epb(PACKET), big]).subarray(0, SHB.length + IDB.length + epb(PACKET).length + 30_000);
    const { frames, notes } = parse(pieces(file, 4096), 65_536);
    expect(frames).toHaveLength(1);
    expect(notes.map((n) => n.code)).toEqual(['truncated-record']);
    expect(notes[0]!.text).toBe(`the capture ends in the middle of a ${big.length}-byte pcapng block skipped from byte offset ${SHB.length + IDB.length + epb(PACKET).length} (${big.length - 30_000} byte(s) of it missing); the file was probably cut short`);
  });

  it('a packet block over the limit stops the read, saying what it claims and why that is not believed', () => {
    const file = Buffer.concat([SHB, IDB, epb(PACKET), epb(Buffer.alloc(100_000))]);
    const { frames, notes } = parse([file], 65_536);
    expect(frames).toHaveLength(1);
    expect(notes.map((n) => n.code)).toEqual(['corrupt-block']);
    expect(notes[0]!.text).toBe(`pcapng block of type 0x6 (Enhanced Packet Block) claiming 100032 bytes (more than the 65536 mqttscope reads in one block: its length is damaged, or the block is larger than capture tools write) at byte offset ${SHB.length + IDB.length + epb(PACKET).length}; the rest of the file is not read`);
  });

  it('a block length of 0xfffffff0 stops at once and holds nothing, whatever the block type', () => {
    for (const type of [6, 0x1234]) {
      const bogus = Buffer.alloc(12);
      bogus.writeUInt32LE(type, 0);
      bogus.writeUInt32LE(0xfffffff0, 4);
      const file = Buffer.concat([SHB, IDB, bogus, Buffer.alloc(50_000)]);
      const { notes } = parse(pieces(file, 4096), 65_536);
      expect(notes.map((n) => n.code)).toEqual(['corrupt-block']);
      expect(notes[0]!.text).toMatch(/claiming 4294967280 bytes \(more than the 134348832 tshark reads in one block: its length is damaged/);
    }
  });

  it('a length that is not a whole number of 4-byte words says what a length must be', () => {
    const bad = Buffer.alloc(12);
    bad.writeUInt32LE(6, 0);
    bad.writeUInt32LE(13, 4);
    const { notes } = parse([Buffer.concat([SHB, IDB, bad])], 65_536);
    expect(notes[0]!.text).toBe(`pcapng block of type 0x6 with invalid length 13 (a block has at least 12 bytes, a multiple of 4) at byte offset ${SHB.length + IDB.length}; the rest of the file is not read`);
  });
});
