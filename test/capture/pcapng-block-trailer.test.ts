// Every pcapng block repeats its length at its end. A damaged leading length used to be
// believed: the reader took the middle of the block for the next block header and failed
// there ("block of type 0xa520a08 with invalid length 846620165" at the wrong offset), or
// skipped the rest of the file as "unknown" blocks. tshark checks the copy and stops at the
// damaged block; so does mqttscope, naming that block.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

function capture(be: boolean): Buffer {
  const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
  const b = new PcapngBuilder().section(be).iface(1, 6, 262144);
  for (const r of recs) b.epb(0, BigInt(r.timeUs), r.data);
  return b.build();
}

/** Offset of the n-th (1-based) Enhanced Packet Block. */
function epbAt(buf: Buffer, n: number, be: boolean): number {
  const u32 = (o: number) => (be ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  let o = 0;
  for (let i = 0; ; o += u32(o + 4)) if (u32(o) === 6 && ++i === n) return o;
}

describe('a pcapng block whose length disagrees with its trailing copy', () => {
  for (const be of [false, true]) {
    it(`is reported at that block, by type, offset and both lengths (${be ? 'big' : 'little'}-endian section)`, () => {
      const buf = capture(be);
      const at = epbAt(buf, 5, be);
      const len = be ? buf.readUInt32BE(at + 4) : buf.readUInt32LE(at + 4);
      // Leading length damaged: 16 bytes short (still a multiple of 4).
      if (be) buf.writeUInt32BE(len - 16, at + 4);
      else buf.writeUInt32LE(len - 16, at + 4);
      const trailer = be ? buf.readUInt32BE(at + len - 20) : buf.readUInt32LE(at + len - 20);
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(buf, { engine });
      expect(res.notes.filter((n) => n.severity !== 'info')).toEqual([{
        frame: 5, severity: 'error', code: 'corrupt-block',
        text: `pcapng block of type 0x6 (Enhanced Packet Block) whose length reads ${len - 16} at its start but ${trailer} in the copy at its end (the block is damaged) at byte offset ${at}; the rest of the file is not read`,
      }]);
      // Frames 1-4 (handshake and CONNECT) were read.
      expect(res.frames).toBe(4);
      expect(engine.stream('c2s')).toEqual(connectPacket('c1'));
    });
  }

  it('an undamaged file with options, comments and several sections reads without a note', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
    const b = new PcapngBuilder().section().iface(1, 9, 0, 10n);
    recs.slice(0, 4).forEach((r) => b.epb(0, BigInt(r.timeUs) * 1000n, r.data));
    b.section(true).iface(1, 0x80 | 20);
    recs.slice(4).forEach((r) => b.epb(0, (BigInt(r.timeUs) << 20n) / 1_000_000n, r.data));
    const res = readCaptureBuffer(b.build(), { engine: new RecordingEngine() });
    expect(res.notes.filter((n) => n.severity !== 'info')).toEqual([]);
    expect(res.frames).toBe(recs.length);
  });
});
