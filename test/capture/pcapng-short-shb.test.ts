// A pcapng Section Header Block whose length leaves no room for its version and section
// length (less than 28 bytes) threw a RangeError out of the parser ("The value of "offset" is
// out of range"), which `read` printed as the error, followed by a wrong "cut short" note.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

/** A Section Header Block of 16 bytes: type, length, byte-order magic, length again. */
function shortShb(): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x0a0d0d0a, 0); // block type: SHB
  b.writeUInt32LE(16, 4); // block total length: 16
  b.writeUInt32LE(0x1a2b3c4d, 8); // byte-order magic (little-endian)
  b.writeUInt32LE(16, 12); // block total length again
  return b;
}

const TEXT = 'pcapng section header block of length 16, less than the 28 bytes every section header has (byte-order magic, version, section length); the block is damaged';

describe('a pcapng section header block shorter than 28 bytes', () => {
  it('as the first block: one corrupt-block error, nothing thrown', () => {
    const res = readCaptureBuffer(shortShb(), { engine: new RecordingEngine() });
    expect(res.notes).toEqual([{ frame: 1, severity: 'error', code: 'corrupt-block', text: `${TEXT} at byte offset 0; the rest of the file is not read` }]);
    expect(res.hadErrors).toBe(true);
  });

  it('as a second section after a sound one: the frames before it are decoded', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('s1') }, { dir: 's2c', bytes: CONNACK }]);
    const b = new PcapngBuilder().section().iface(1, 6, 262144);
    for (const r of recs) b.epb(0, BigInt(r.timeUs), r.data);
    const first = b.build();
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(Buffer.concat([first, shortShb()]), { engine });
    expect(res.notes).toEqual([{ frame: recs.length + 1, severity: 'error', code: 'corrupt-block', text: `${TEXT} at byte offset ${first.length}; the rest of the file is not read` }]);
    expect(engine.stream('c2s')).toEqual(connectPacket('s1'));
    expect(engine.stream('s2c')).toEqual(CONNACK);
  });
});
