// A capture gap of a known size inside a packet: framing steps to that packet's end
// (the packet is not decoded; the stream-gap finding says so) and goes on aligned, instead of guessing a boundary among its remaining bytes.
// Checked with a fast-check property over where the gap falls, and on a capture.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer } from '../../src/stream/framer.js';
import type { Note } from '../../src/model/types.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { conversation, connectPacket, CONNACK, pcapFile, publishPacket } from '../capture/builders.js';

function collect() {
  const packets: string[] = [];
  const notes: Note[] = [];
  const framer = new Framer({ packet: (b) => packets.push(Buffer.from(b).toString('hex')), note: (n) => notes.push(n) }, {});
  return { framer, packets, notes };
}

/** A PUBLISH QoS 0 on "t" whose payload is `n` bytes of printable text that looks like packet starts ('0' is 0x30, PUBLISH). */
function textPublish(n: number): Buffer {
  return publishPacket('t', Buffer.from('0123456789 '.repeat(Math.ceil(n / 11)).slice(0, n)));
}
const PINGREQ = Buffer.from([0xc0, 0x00]); // PINGREQ, Remaining Length 0

describe('Framer.gap(lost) inside a packet', () => {
  it('drops that packet, says which, and frames the next one exactly', () => {
    const big = textPublish(1000); // 30 eb 07: Remaining Length 1003 (2 + 1 + 1000), 1006 bytes in all
    const after = Buffer.concat([PINGREQ, textPublish(20)]);
    const { framer, packets, notes } = collect();
    framer.push(big.subarray(0, 300));
    // Bytes 300..499 of the PUBLISH never captured.
    expect(framer.gap(200)).toBe('they were inside a PUBLISH of 1006 bytes, which is not decoded; framing resumes right after it (506 more of its bytes skipped)');
    framer.push(Buffer.concat([big.subarray(500), after]));
    expect(packets).toEqual([PINGREQ.toString('hex'), textPublish(20).toString('hex')]);
    expect(notes).toEqual([]);
  });

  it('a gap inside a packet skipped as too large keeps skipping to its end', () => {
    const packets: string[] = [];
    const framer = new Framer({ packet: (b) => packets.push(Buffer.from(b).toString('hex')), note: () => {} }, { maxPacketSize: 512 });
    const big = textPublish(1000); // over the 512-byte limit: skipped
    framer.push(big.subarray(0, 100));
    expect(framer.gap(300)).toMatch(/^they were inside a packet that was being skipped anyway/);
    framer.push(Buffer.concat([big.subarray(400), PINGREQ]));
    expect(packets).toEqual([PINGREQ.toString('hex')]);
  });

  it('a gap running past the packet end falls back to resync', () => {
    const big = textPublish(100);
    const { framer, packets, notes } = collect();
    framer.push(big.subarray(0, 50));
    // More than what was left of it: where the next packet starts is unknown.
    expect(framer.gap(big.length)).toBeNull();
    expect(framer.resyncing).toBe(true);
    framer.push(Buffer.concat([PINGREQ, PINGREQ, PINGREQ]));
    framer.flush();
    expect(packets).toEqual([PINGREQ, PINGREQ, PINGREQ].map((p) => p.toString('hex')));
  });

  it('property: wherever a gap falls inside a long text PUBLISH, the packets after it are framed exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 200, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (size, a, b) => {
      const big = textPublish(size);
      const tail = [PINGREQ, textPublish(30), PINGREQ];
      // Something of the packet arrived (past its header), then a gap inside it.
      const from = 5 + Math.floor(a * (big.length - 6));
      const lost = 1 + Math.floor(b * (big.length - from - 1));
      const { framer, packets } = collect();
      framer.push(big.subarray(0, from));
      framer.gap(lost);
      framer.push(Buffer.concat([big.subarray(from + lost), ...tail]));
      framer.flush();
      expect(packets).toEqual(tail.map((t) => t.toString('hex')));
    }), { numRuns: 300 });
  });
});

describe('a capture that lost a segment of a long text PUBLISH', () => {
  it('decodes the packets after it and nothing bogus', () => {
    const big = textPublish(200_000);
    const chunks = [{ dir: 'c2s' as const, bytes: connectPacket('gap') }, { dir: 's2c' as const, bytes: CONNACK }];
    for (let o = 0; o < big.length; o += 32_000) chunks.push({ dir: 'c2s', bytes: big.subarray(o, Math.min(big.length, o + 32_000)) });
    chunks.push({ dir: 'c2s', bytes: Buffer.concat([PINGREQ, textPublish(40)]) });
    const recs = conversation(chunks);
    // Frames: 3 handshake, CONNECT, CONNACK, then the PUBLISH's segments; lose the third of them.
    recs.splice(3 + 2 + 2, 1);
    const out: OutputRecord[] = [];
    const engine = new Engine({ onRecord: (r) => out.push(r) });
    readCaptureBuffer(pcapFile(recs), { engine });
    const packets = out.filter((r): r is PacketRecord => r.kind === 'packet').map((r) => r.summary.type);
    expect(packets).toEqual([1, 2, 12, 3]); // CONNECT, CONNACK, PINGREQ, the last PUBLISH
    const findings = out.filter((r) => r.kind === 'finding').map((r) => `${(r as { code: string }).code} ${(r as { text: string }).text}`);
    expect(findings).toEqual(['stream-gap 32000 byte(s) missing from the client→broker stream (segment not captured); they were inside a PUBLISH of 200007 bytes, which is not decoded; framing resumes right after it (104007 more of its bytes skipped)']);
  });
});
