// Packets framed late from held bytes (behind a bogus Remaining Length that the end
// of the stream exposes, or while a resync waited for more bytes) carry the time and
// frame of the chunk that brought their last byte, not those of a later chunk or of
// the end of the stream.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { hex, midstreamMeta } from './midstream-vectors.js';

const META = midstreamMeta();

const CONNECT = '10 0e 0004 4d515454 04 02 000a 0002 6b31'; // CONNECT 3.1.1, keep-alive 10, "k1"
const PUBLISH_ROOM = '30 14 000b 526f6f6d312f4c69676874 5475726e204f6e'; // PUBLISH q0 "Room1/Light" "Turn On"
const PINGREQ = 'c0 00';
const PINGRESP = 'd0 00';

type Feed = [dir: 'c2s' | 's2c', hex: string, time: number, frame: number];

function run(steps: Feed[], endTime: number, midstream = false) {
  const out: OutputRecord[] = [];
  const e = new Engine({ onRecord: (r) => out.push(r) });
  e.open(META, 1, { midstream });
  for (const [dir, h, time, frame] of steps) e.data(META.id, dir, hex(h), time, frame);
  e.end(endTime);
  const packets = out.filter((r): r is PacketRecord => r.kind === 'packet');
  const findings = out.filter((r): r is Finding => r.kind === 'finding');
  return { packets, findings, stamps: packets.map((p) => [p.summary.type, p.time, p.frame]) };
}

describe('stamps of packets framed late', () => {
  it('after a bogus Remaining Length: each recovered packet has the time and frame its last byte arrived in', () => {
    const room = hex(PUBLISH_ROOM);
    const { stamps, findings } = run([
      ['c2s', CONNECT, 100, 1],
      // A PUBLISH declaring the largest Remaining Length, then 40 bytes of text.
      ['c2s', '30 ff ff ff 7f 0003 612f62' + Buffer.from('garbage '.repeat(5)).toString('hex'), 200, 2],
      ['c2s', PUBLISH_ROOM, 300, 3],
      ['c2s', PINGREQ + Buffer.from(room.subarray(0, 10)).toString('hex'), 400, 4], // a PINGREQ, then a PUBLISH split
      ['c2s', Buffer.from(room.subarray(10)).toString('hex'), 500, 5], //               across two chunks
    ], 900);
    expect(stamps).toEqual([[1, 100, 1], [3, 300, 3], [12, 400, 4], [3, 500, 5]]);
    // The note about the bogus length is still stamped where the stream ended.
    const note = findings.find((f) => f.extra['note'] === 'truncated-packet')!;
    expect(note.time).toBe(900);
    expect(note.text).toContain('each stamped with the time and frame its last byte arrived in');
  });

  it('bytes held by a resync that only the end of the stream decides', () => {
    // Joined mid-stream: 20 7f looks like a CONNACK of 127 bytes, which never all arrive,
    // so the resync holds everything after it until the end.
    const { stamps } = run([
      ['s2c', 'aa 20 7f 00 01', 100, 1],
      ['s2c', PUBLISH_ROOM, 200, 2],
      ['s2c', PINGRESP, 300, 3],
    ], 900, true);
    expect(stamps).toEqual([[3, 200, 2], [13, 300, 3]]);
  });

  it('bytes held by a resync that a later chunk decides keep the stamp of the chunk they came in', () => {
    // The CONNACK-looking 20 7f at the front waits for 129 bytes; the next chunk
    // refutes it (a 0x00 where the next header would be), and the packets that were
    // already whole in the first chunk are framed then.
    const { stamps, findings } = run([
      ['s2c', '20 7f 00' + PUBLISH_ROOM + PINGRESP, 100, 1],
      ['s2c', '30 9b01 0003 612f62' + '00'.repeat(150), 200, 2],
    ], 900, true);
    expect(stamps).toEqual([[3, 100, 1], [13, 100, 1], [3, 200, 2]]);
    // The resync itself is reported when it was decided.
    expect(findings.map((f) => [f.code, f.time, f.frames])).toEqual([['stream-gap', 200, [2]]]);
  });
});
