// A file that ends inside a record: the note used to say only "the file was probably cut
// short". When the record's length field is damaged (it claims far more than any cut could
// explain), that sent the user after the wrong cause. The note now gives the length the
// header claims, and says it may be damaged when it claims more than 64 KiB past the end.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, pcapFile, PcapngBuilder, RecordingEngine } from './builders.js';

const recs = () => conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);

function lastRecordOffset(file: Buffer): number {
  let o = 24;
  let last = o;
  while (o < file.length) {
    last = o;
    o += 16 + file.readUInt32LE(o + 8);
  }
  return last;
}

describe('a capture that ends inside a record', () => {
  it('cut by a few bytes: the note gives the claimed length, and blames the cut', () => {
    const full = pcapFile(recs());
    const at = lastRecordOffset(full);
    const caplen = full.readUInt32LE(at + 8);
    const res = readCaptureBuffer(full.subarray(0, full.length - 5), { engine: new RecordingEngine() });
    expect(res.notes.filter((n) => n.code === 'truncated-record').map((n) => n.text)).toEqual([
      `the capture ends in the middle of a record at byte offset ${at} (${16 + caplen - 5} byte(s) of an incomplete record dropped; its header claims ${16 + caplen} bytes in all, 5 more than the file has left); the file was probably cut short`,
    ]);
  });

  it('a damaged captured length (200000 bytes, under the sane limit): the note says the length may be damaged', () => {
    const file = pcapFile(recs());
    const at = lastRecordOffset(file);
    const left = file.length - at;
    file.writeUInt32LE(200_000, at + 8);
    const res = readCaptureBuffer(file, { engine: new RecordingEngine() });
    expect(res.notes.filter((n) => n.code === 'truncated-record').map((n) => n.text)).toEqual([
      `the capture ends in the middle of a record at byte offset ${at} (${left} byte(s) of an incomplete record dropped; its header claims 200016 bytes in all, ${200_016 - left} more than the file has left); the file was probably cut short, or that length is damaged`,
    ]);
  });

  it('a pcapng section header block claiming more than the file: no claim of a cut alone', () => {
    const b = new PcapngBuilder().section().iface(1);
    for (const r of recs()) b.epb(0, BigInt(r.timeUs), r.data);
    const file = b.build();
    // SHB total length (offset 4) damaged; its trailing copy is at offset 24.
    file.writeUInt32LE(0x00100000, 4);
    const res = readCaptureBuffer(file, { engine: new RecordingEngine() });
    expect(res.notes.map((n) => [n.code, n.text])).toEqual([
      ['truncated-header', `the pcapng section header block claims 1048576 bytes, but the file has only ${file.length}; its length is damaged, or the file was cut short, and no packets are read`],
    ]);
  });
});
