// A capture gap whose size is exactly what was left of the packet being read: the
// next byte is a packet start, so framing stays aligned (no resync, no guessing).
import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/stream/framer.js';
import { publishPacket } from '../capture/builders.js';

const PINGREQ = Buffer.from([0xc0, 0x00]); // PINGREQ, Remaining Length 0

function collect(opts: { maxPacketSize?: number } = {}) {
  const packets: string[] = [];
  const framer = new Framer({ packet: (b) => packets.push(Buffer.from(b).toString('hex')), note: () => {} }, opts);
  return { framer, packets };
}

describe('Framer.gap(lost) that ends exactly at the packet end', () => {
  it('a carried packet: dropped, 0 more bytes skipped, the next packet framed', () => {
    const big = publishPacket('t', Buffer.alloc(200, 0x41)); // 30 cb 01: 206 bytes in all
    const { framer, packets } = collect();
    framer.push(big.subarray(0, 56));
    expect(framer.gap(big.length - 56)).toBe('they were inside a PUBLISH of 206 bytes, which is not decoded; framing resumes right after it (0 more of its bytes skipped)');
    expect(framer.resyncing).toBe(false);
    framer.push(PINGREQ);
    expect(packets).toEqual([PINGREQ.toString('hex')]);
  });

  it('a packet skipped as too large: the gap covers the rest of it and framing resumes', () => {
    const big = publishPacket('t', Buffer.alloc(1000, 0x41));
    const { framer, packets } = collect({ maxPacketSize: 512 });
    framer.push(big.subarray(0, 100));
    expect(framer.gap(big.length - 100)).toMatch(/^they were inside a packet that was being skipped anyway/);
    expect(framer.resyncing).toBe(false);
    framer.push(PINGREQ);
    expect(packets).toEqual([PINGREQ.toString('hex')]);
  });
});
