// The same traffic captured twice, once with a snap length (tcpdump -s 96 on one
// interface) and once in full (another interface), then merged: the full copy of a
// cut segment fills the bytes the snap length dropped. Before, the cut became a
// stream-gap at once, the full copy was dropped as a retransmission, and the framer
// resynced inside a PUBLISH payload, decoding its bytes as dozens of bogus packets.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, PcapngBuilder, RecordingEngine, connectPacket, conversation, publishPacket } from './builders.js';

const SNAP = 96;

function capture(merged: boolean): Buffer {
  // A PUBLISH whose payload looks like MQTT packet headers when read from the middle.
  const payload = Buffer.from('@\x02\x00\x01'.repeat(200), 'latin1');
  const recs = conversation([
    { dir: 'c2s', bytes: connectPacket('cut') },
    { dir: 's2c', bytes: CONNACK },
    { dir: 'c2s', bytes: publishPacket('a/b', payload) },
    { dir: 'c2s', bytes: publishPacket('a/c', Buffer.from('after')) },
  ]);
  const b = new PcapngBuilder().section().iface(1, undefined, SNAP).iface(1);
  for (const r of recs) {
    const t = BigInt(r.timeUs);
    if (!merged) { b.epb(1, t, r.data); continue; }
    // Interface 0 (snap length 96) first, then the full copy from interface 1.
    b.epb(0, t, r.data.subarray(0, Math.min(SNAP, r.data.length)), r.data.length);
    b.epb(1, t, r.data);
  }
  return b.build();
}

describe('a snap-cut segment followed by its full copy', () => {
  it('the reassembled stream equals the one captured once in full', () => {
    const once = new RecordingEngine();
    const twice = new RecordingEngine();
    for (const [eng, merged] of [[once, false], [twice, true]] as const) {
      readCaptureBuffer(capture(merged), { engine: eng });
    }
    expect(twice.of('gap')).toEqual([]);
    expect(twice.stream('c2s').equals(once.stream('c2s'))).toBe(true);
    expect(twice.stream('s2c').equals(once.stream('s2c'))).toBe(true);
  });

  it('a cut with no copy after it is still a gap at the cut frame', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('cut') }, { dir: 'c2s', bytes: publishPacket('a/b', Buffer.alloc(200, 0x41)) }]);
    const b = new PcapngBuilder().section().iface(1, undefined, SNAP);
    recs.forEach((r) => b.epb(0, BigInt(r.timeUs), r.data.subarray(0, Math.min(SNAP, r.data.length)), r.data.length));
    const eng = new RecordingEngine();
    readCaptureBuffer(b.build(), { engine: eng });
    const gaps = eng.of('gap');
    expect(gaps.map((g) => g.frame)).toEqual([5]);
    // The PUBLISH is 208 bytes (1 type, 2 length, 2+3 topic, 200 payload); 54 header bytes came before its first.
    expect(gaps[0]!.lost).toBe(208 - (SNAP - 54));
  });
});
