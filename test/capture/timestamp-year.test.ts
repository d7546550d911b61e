// `editcap -t -2000000000` on a capture from 2026 writes pcapng times below zero, which wrap
// to nearly 2^64 µs (timestamps are unsigned). tshark shows frame 1 as "Jul 27, 586517". The
// out-of-range note said "the year 275760", the last year a JavaScript Date holds.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

describe('a pcapng timestamp past the years a Date holds', () => {
  it('is noted with its real year, as tshark shows it', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
    const b = new PcapngBuilder().section().iface(1);
    // The timestamp of frame 1 of such an editcap output, in µs: hi 0xffff45f9, lo 0x70f1cdaf.
    for (const r of recs) b.epb(0, 0xffff45f970f1cdafn + BigInt(r.timeUs - recs[0]!.timeUs), r.data);
    const res = readCaptureBuffer(b.build(), { engine: new RecordingEngine() });
    const odd = res.notes.filter((n) => n.code === 'timestamp-out-of-range');
    expect(odd.map((n) => n.text)).toEqual([
      'frame 1: its timestamp falls in the year 586517, outside 0000-9999 (check the interface\'s if_tsoffset and if_tsresol); such times are shown clamped to 0000-01-01 or 9999-12-31',
    ]);
  });
});
