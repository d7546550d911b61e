import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer } from '../../src/stream/framer.js';
import type { Note } from '../../src/model/types.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function collect(opts: { maxPacketSize?: number } = {}) {
  const packets: string[] = [];
  const notes: Note[] = [];
  const framer = new Framer({
    packet: (b) => packets.push(Buffer.from(b).toString('hex')),
    note: (n) => notes.push(n),
  }, opts);
  return { framer, packets, notes };
}

// A small stream of real packets (MQTT 3.1.1).
const CONNECT = [
  '10', //       CONNECT, flags 0000
  '10', //       Remaining Length 16
  '0004', //     protocol name length 4
  '4d515454', // "MQTT"
  '04', //       level 4 (3.1.1)
  '02', //       connect flags: clean session
  '003c', //     keep alive 60
  '0004', //     client id length 4
  '70312d31', // "p1-1"
].join('');
const PUBLISH_ROOM = '3014000b526f6f6d312f4c696768745475726e204f6e'; // 30 PUBLISH q0, 14 RL 20, 000b "Room1/Light", "Turn On"
const PUBACK = '40020001'; // 40 PUBACK, 02 RL 2, 0001 packet id 1
const PINGREQ = 'c000'; // c0 PINGREQ, 00 RL 0
const DISCONNECT = 'e000'; // e0 DISCONNECT, 00 RL 0
/** A PUBLISH with Remaining Length 509 (fd 03): topic "t", QoS 0, 504-byte payload. */
const PUBLISH_509 = '30fd03' + '0001' + '74' + '61'.repeat(509 - 3);

const STREAM = [CONNECT, PUBLISH_ROOM, PUBACK, PINGREQ, PUBLISH_509, DISCONNECT];
const STREAM_BYTES = hex(STREAM.join(''));

describe('Framer', () => {
  it('frames a stream given in one chunk', () => {
    const { framer, packets, notes } = collect();
    framer.push(STREAM_BYTES);
    expect(packets).toEqual(STREAM);
    expect(notes).toEqual([]);
    expect(framer.buffered).toBe(0);
  });

  it('frames byte-by-byte, including between Remaining Length bytes', () => {
    const { framer, packets } = collect();
    for (const b of STREAM_BYTES) framer.push(Uint8Array.of(b));
    expect(packets).toEqual(STREAM);
  });

  it('handles a split right after the first varint byte of fd 03', () => {
    const { framer, packets } = collect();
    const bytes = hex(PUBLISH_509);
    framer.push(bytes.subarray(0, 2)); // 30 fd
    expect(packets).toEqual([]);
    expect(framer.buffered).toBe(2);
    framer.push(bytes.subarray(2)); // 03 ...
    expect(packets).toEqual([PUBLISH_509]);
  });

  it('property: any split of the stream frames identically', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: STREAM_BYTES.length }), { maxLength: 40 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const { framer, packets, notes } = collect();
        let prev = 0;
        for (const p of [...points, STREAM_BYTES.length]) {
          framer.push(STREAM_BYTES.subarray(prev, p));
          prev = p;
        }
        expect(packets).toEqual(STREAM);
        expect(notes).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('property: random bytes in random chunks never throw, never hang, and stay bounded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), (data, sizes) => {
        const { framer } = collect({ maxPacketSize: 1024 });
        let pos = 0;
        let i = 0;
        while (pos < data.length) {
          const n = sizes[i++ % sizes.length]!;
          framer.push(data.subarray(pos, pos + n));
          pos += n;
          expect(framer.buffered).toBeLessThanOrEqual(1024);
        }
        framer.gap();
        framer.push(data);
        framer.flush();
      }),
      { numRuns: 300 },
    );
  });

  it('notes a Remaining Length with a 5th byte and resyncs on the next packet', () => {
    const { framer, packets, notes } = collect();
    // 30 ff ff ff ff 7f: continuation set in the 4th byte [MQTT-1.5.5]
    framer.push(hex('30ffffffff7f' + PINGREQ + PUBACK));
    expect(notes[0]?.code).toBe('remaining-length-too-long');
    expect(notes[0]?.spec).toBe('MQTT-1.5.5');
    expect(packets).toEqual([PINGREQ, PUBACK]);
  });

  it('skips a packet larger than maxPacketSize without buffering it, then continues aligned', () => {
    const { framer, packets, notes } = collect({ maxPacketSize: 100 });
    const bytes = hex(PUBLISH_509 + PUBACK);
    // Feed in small chunks: the big packet must never be buffered.
    for (let i = 0; i < bytes.length; i += 7) {
      framer.push(bytes.subarray(i, i + 7));
      expect(framer.buffered).toBeLessThanOrEqual(100);
    }
    expect(notes.map((n) => n.code)).toEqual(['packet-too-large']);
    expect(packets).toEqual([PUBACK]);
  });

  it('the largest Remaining Length ff ff ff 7f (268,435,455) is accepted as a length, then skipped when over the cap', () => {
    const { framer, notes } = collect({ maxPacketSize: 1 << 20 });
    framer.push(hex('30ffffff7f0001'));
    expect(notes[0]?.code).toBe('packet-too-large');
    expect(notes[0]?.text).toContain('268435460'); // 1 + 4 + 268,435,455
  });

  it('resyncs after a gap in the middle of a packet', () => {
    const { framer, packets, notes } = collect();
    const pub = hex(PUBLISH_ROOM);
    framer.push(pub.subarray(0, 9)); // partial packet
    framer.gap();
    framer.push(hex('6c696768745475726e204f6e' + PUBACK + PINGREQ + PUBLISH_ROOM)); // tail of a lost packet, then aligned packets
    expect(packets).toEqual([PUBACK, PINGREQ, PUBLISH_ROOM]);
    expect(notes.some((n) => n.code === 'resync')).toBe(true);
  });

  it('joins mid-packet (capture starting mid-connection) and finds the first real boundary', () => {
    const { framer, packets } = collect();
    framer.startResync();
    const tail = hex(PUBLISH_509).subarray(200); // the middle of a big payload of 0x61 bytes
    framer.push(tail);
    framer.push(hex(PUBACK + PUBLISH_ROOM));
    expect(packets).toEqual([PUBACK, PUBLISH_ROOM]);
  });

  it('joins mid-payload near the end of a short stream: the end decides a resync still undecided, nothing after it is lost', () => {
    for (const split of [false, true]) {
      const { framer, packets, notes } = collect();
      framer.startResync();
      // " world": 0x20 looks like a CONNACK whose Remaining Length (0x77 = 119) reaches past
      // everything that follows, so the resync waits for more bytes, which never come.
      const tail = Buffer.from('lo world payload');
      const rest = hex(PUBLISH_ROOM + PINGREQ + DISCONNECT);
      if (split) { framer.push(tail); framer.push(rest); } else framer.push(Buffer.concat([tail, rest]));
      expect(packets).toEqual([]);
      framer.flush();
      expect(packets, `split ${split}`).toEqual([PUBLISH_ROOM, PINGREQ, DISCONNECT]);
      expect(notes.map((n) => n.code)).toEqual(['resync']);
      expect(notes[0]!.text).toMatch(/^skipped 16 byte\(s\)/);
      expect(framer.buffered).toBe(0);
    }
  });

  it('a packet split across reads reserves little until its bytes arrive (a trickled header does not pin 64 KiB)', () => {
    const { framer, packets } = collect();
    const carried = (): number => (framer as unknown as { carry: Uint8Array | null }).carry?.length ?? 0;
    framer.push(hex('30 ff ff ff 7f 0003')); // a PUBLISH declaring 256 MiB, 2 bytes of its body
    expect(carried()).toBeLessThanOrEqual(4096);
    const big = hex(PUBLISH_509);
    const { framer: f2, packets: p2 } = collect();
    f2.push(big.subarray(0, 3));
    expect((f2 as unknown as { carry: Uint8Array | null }).carry!.length).toBeLessThanOrEqual(4096);
    for (let i = 3; i < big.length; i += 7) f2.push(big.subarray(i, Math.min(big.length, i + 7))); // then trickled in
    expect(p2).toEqual([PUBLISH_509]);
    expect(packets).toEqual([]);
  });

  it('a held resync whose bytes never frame to the end is still reported as left over', () => {
    const { framer, packets, notes } = collect();
    framer.startResync();
    framer.push(Buffer.from('lo world payload'));
    framer.push(hex(PUBLISH_ROOM).subarray(0, 10)); // cut off: nothing chains to the end
    framer.flush();
    expect(packets).toEqual([]);
    // Every byte is accounted for: skipped while searching, then held for the last candidate.
    expect(notes.map((n) => n.code)).toEqual(['resync', 'truncated-packet']);
    expect(notes[0]!.text).toBe('skipped 9 byte(s) that did not start a plausible MQTT packet; the stream ended before a packet boundary was found');
    expect(notes[1]!.text).toBe('stream ended with 17 byte(s) of an incomplete packet');
  });

  it('a bogus Remaining Length that swallows the rest of the stream: noted at the end, and the packets after it recovered', () => {
    const { framer, packets, notes } = collect();
    framer.push(hex(CONNECT));
    // PUBLISH claiming the largest Remaining Length, then 40 bytes of text, then real packets up to the end.
    framer.push(hex('30 ff ff ff 7f 0003 612f62' + Buffer.from('garbage '.repeat(5)).toString('hex')));
    framer.push(hex(PUBLISH_ROOM));
    framer.push(hex('30 ff ff ff ff 01')); // a 5-byte Remaining Length on the way
    framer.push(hex(PUBACK + 'e000'));
    expect(packets).toEqual([CONNECT]);
    framer.flush();
    // Recovery starts after the last unframeable header: the framer would resync from
    // its next byte, not necessarily onto the same packets, so the chain stops there.
    expect(packets).toEqual([CONNECT, PUBACK, 'e000']);
    expect(notes.map((n) => n.code)).toEqual(['truncated-packet']);
    expect(notes[0]!.text).toMatch(/^PUBLISH declares Remaining Length 268435455 .* but the stream ended after 79 byte\(s\) of its body; the length is bogus: its last 6 byte\(s\) frame as packets/);
    // Every byte is a packet or covered by the note, and nothing is left behind.
    expect(framer.buffered).toBe(0);
  });

  it('recovery behind a bogus length stays linear on hostile input (candidates with long topics everywhere)', () => {
    const { framer } = collect();
    // A bogus length at the front, then every 8 bytes a PUBLISH header whose Remaining Length
    // reaches exactly to the end and whose topic length is 0x7e7e: each one a candidate to check.
    const tail = 600_000;
    const region = 400_000;
    const end = 10 + region + tail;
    const s = Buffer.alloc(end, 0x61);
    s.set([0x30, 0xff, 0xff, 0xff, 0x7f, 0, 3, 0x61, 0x62, 0x63], 0);
    for (let p = 10; p < 10 + region; p += 8) {
      const rl = end - p - 4;
      s.set([0x30, (rl & 0x7f) | 0x80, ((rl >> 7) & 0x7f) | 0x80, rl >> 14, 0x7e, 0x7e], p);
    }
    for (let p = 0; p < s.length; p += 1460) framer.push(s.subarray(p, p + 1460));
    const t0 = performance.now();
    framer.flush();
    // Quadratic, this took about 5 s on a 2-core VM; linear, about 30 ms.
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(framer.buffered).toBe(0);
  });

  it('a PUBLISH cut at the end of the stream (its payload holding no packets) is only noted', () => {
    const { framer, packets, notes } = collect();
    framer.push(hex(PUBLISH_509).subarray(0, 300));
    framer.flush();
    expect(packets).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toMatch(/^PUBLISH declares Remaining Length 509 \(expected 512 bytes in all\) but the stream ended after 297 byte\(s\) of its body; the packet is cut/);
  });

  it('a huge declared length holds only the bytes that came, not the declared size', () => {
    const { framer } = collect();
    const before = process.memoryUsage().arrayBuffers;
    const keep: Framer[] = [];
    for (let i = 0; i < 8; i++) {
      const f = new Framer({ packet: () => {}, note: () => {} });
      f.push(hex('30 ff ff ff 7f 0003 612f62'));
      keep.push(f);
    }
    framer.push(hex('30 ff ff ff 7f 0003 612f62'));
    // Eight 256 MiB buffers would be 2 GiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    expect(keep[0]!.buffered).toBe(10);
  });

  it('property: a cut at the end never yields packets that were not sent', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 508 }), (cut) => {
      const { framer, packets } = collect();
      const stream = hex(CONNECT + PUBLISH_509);
      framer.push(stream.subarray(0, CONNECT.length / 2 + cut));
      framer.flush();
      expect(packets).toEqual([CONNECT]);
    }), { numRuns: 200 });
  });

  it('reports an incomplete packet at end of stream', () => {
    const { framer, notes } = collect();
    framer.push(hex(PUBLISH_ROOM).subarray(0, 10));
    framer.flush();
    expect(notes.map((n) => n.code)).toEqual(['truncated-packet']);
    expect(notes[0]?.text).toContain('expected 22');
  });
});

describe('Framer stamps of packets framed late', () => {
  /** A framer whose clock is the index of the chunk being pushed; late packets record it. */
  function stamped() {
    const clock = { curTime: 0, curFrame: 0 };
    const out: { hex: string; frame: number | null }[] = [];
    const framer = new Framer({
      packet: (b) => out.push({ hex: Buffer.from(b).toString('hex'), frame: null }),
      recovered: (buf, off, len, time, frame) => {
        expect(time).toBe(frame * 1000);
        out.push({ hex: Buffer.from(buf.subarray(off, off + len)).toString('hex'), frame });
      },
      note: () => {},
    }, { clock });
    const push = (chunk: Uint8Array, frame: number) => {
      clock.curFrame = frame;
      clock.curTime = frame * 1000;
      framer.push(chunk);
    };
    return { framer, out, push };
  }

  const TAIL = [PUBLISH_ROOM, PUBACK, PINGREQ, PUBLISH_509, DISCONNECT];
  // A PUBLISH declaring the largest Remaining Length and some text, then real packets to the end.
  const BOGUS = hex('30 ff ff ff 7f 0003 612f62' + Buffer.from('garbage '.repeat(5)).toString('hex') + TAIL.join(''));

  it('property: however the stream is cut, each packet recovered behind a bogus length has the frame of its last byte', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: BOGUS.length - 1 }), { maxLength: 40 }), (raw) => {
      const cuts = [...raw].sort((a, b) => a - b);
      const { framer, out, push } = stamped();
      const bounds = [0, ...cuts, BOGUS.length];
      for (let i = 0; i + 1 < bounds.length; i++) push(BOGUS.subarray(bounds[i]!, bounds[i + 1]!), i + 1);
      expect(out).toEqual([]);
      framer.flush();
      expect(out.map((p) => p.hex)).toEqual(TAIL);
      // Where each packet ends in the stream, and which chunk (frame) that byte came in.
      let end = BOGUS.length;
      const ends: number[] = [];
      for (const p of [...TAIL].reverse()) { ends.unshift(end); end -= p.length / 2; }
      const frameOf = (i: number) => bounds.findIndex((b) => b > i);
      expect(out.map((p) => p.frame)).toEqual(ends.map((e) => frameOf(e - 1)));
    }), { numRuns: 300 });
  });

  it('a bogus length trickled in byte by byte: what it remembers of its chunks stays bounded', () => {
    const { framer, out, push } = stamped();
    const bytes = hex('30 ff ff ff 7f 0003 612f62' + '61'.repeat(6000) + PUBLISH_ROOM + PINGREQ);
    bytes.forEach((b, i) => push(Uint8Array.of(b), i + 1));
    const marks = (framer as unknown as { marks: number[] }).marks;
    expect(marks.length).toBeLessThanOrEqual(3 * 1024);
    framer.flush();
    expect(out.map((p) => p.hex)).toEqual([PUBLISH_ROOM, PINGREQ]);
    // Past a thousand chunks every other one is forgotten: a stamp can be a little early, never late.
    const last = [bytes.length - 2, bytes.length];
    out.forEach((p, k) => {
      expect(p.frame!).toBeLessThanOrEqual(last[k]!);
      expect(p.frame!).toBeGreaterThanOrEqual(last[k]! - 8);
    });
  });

  it('property: stamping changes no framing, and a late packet is never stamped later than the chunk being pushed', () => {
    const piece = fc.oneof(
      fc.constantFrom(CONNECT, PUBLISH_ROOM, PUBACK, PINGREQ, DISCONNECT, PUBLISH_509),
      fc.constantFrom('30ffffff7f', '30ffffffff01', '207f00', '0003612f62', '6161616161', '00'),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (pieces, rawCuts, mid) => {
      const stream = hex(pieces.join(''));
      const bounds = [...new Set([0, ...rawCuts.map((c) => c % (stream.length + 1)), stream.length])].sort((a, b) => a - b);
      const plain: string[] = [];
      const late: string[] = [];
      const clock = { curTime: 0, curFrame: 0 };
      const a = new Framer({ packet: (x) => plain.push(Buffer.from(x).toString('hex')), note: () => {} });
      const b = new Framer({
        packet: (x) => late.push(Buffer.from(x).toString('hex')),
        recovered: (buf, off, len, time, frame) => {
          expect(frame).toBeGreaterThanOrEqual(1);
          expect(frame).toBeLessThanOrEqual(Math.max(1, clock.curFrame));
          expect(time).toBe(frame * 10);
          late.push(Buffer.from(buf.subarray(off, off + len)).toString('hex'));
        },
        note: () => {},
      }, { clock });
      if (mid) { a.startResync(); b.startResync(); }
      for (let i = 0; i + 1 < bounds.length; i++) {
        const chunk = stream.subarray(bounds[i]!, bounds[i + 1]!);
        clock.curFrame = i + 1;
        clock.curTime = (i + 1) * 10;
        a.push(chunk);
        b.push(chunk);
      }
      a.flush();
      b.flush();
      expect(late).toEqual(plain);
    }), { numRuns: 500 });
  });

  it('without a clock, late packets go to packet() as before', () => {
    const { framer, packets } = collect();
    framer.push(BOGUS);
    framer.flush();
    expect(packets).toEqual(TAIL);
  });
});

describe('Framer: many bad lengths in one read', () => {
  it('a 64 KiB read of packets each followed by a 5-byte Remaining Length is framed without overflowing the stack', () => {
    // c0 00: PINGREQ; 30 ff ff ff ff: PUBLISH header whose Remaining Length has a 5th byte.
    const unit = hex('c000' + '30ffffffff');
    const n = Math.floor(65_536 / unit.length);
    const chunk = new Uint8Array(n * unit.length);
    for (let i = 0; i < n; i++) chunk.set(unit, i * unit.length);
    const { framer, packets, notes } = collect();
    // Each bad length resynced by framing from inside the one before: 9,362 deep here.
    expect(() => framer.push(chunk)).not.toThrow();
    framer.flush();
    expect(packets).toHaveLength(n);
    expect(packets.every((p) => p === 'c000')).toBe(true);
    // One note per bad length, and one per resync that skipped its 4 bytes.
    expect(notes.filter((x) => x.code === 'remaining-length-too-long')).toHaveLength(n);
    expect(notes.filter((x) => x.code === 'resync')).toHaveLength(n);
  });

  it('a bad length whose resync runs to the end of the read goes on resyncing in the next read', () => {
    const { framer, packets, notes } = collect();
    framer.push(hex(PINGREQ + '30ffffffff' + '000000'));
    // Aligned, 00 00 would be framed as a packet of reserved type 0; resyncing, it is skipped.
    framer.push(hex('0000' + PINGREQ));
    framer.flush();
    expect(packets).toEqual([PINGREQ, PINGREQ]);
    expect(notes.map((x) => x.code)).toEqual(['remaining-length-too-long', 'resync']);
    // The bytes after the bad header's first: ff ff ff ff 00 00 00, then 00 00.
    expect(notes[1]!.text).toBe('skipped 9 byte(s) that did not start a plausible MQTT packet before finding the next packet boundary');
  });
});
