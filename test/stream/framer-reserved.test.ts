// One packet of the reserved type 0 is framed (and reported); a second one right after
// it means the bytes are not MQTT there, so the framer resyncs instead of framing
// garbage such as 01 01 01 ... as millions of type-0 packets (a hostile client could
// flood every view so). Checked on the framer and through the engine.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer } from '../../src/stream/framer.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';

const PINGREQ = Buffer.from([0xc0, 0x00]); // PINGREQ, Remaining Length 0
const DISCONNECT = Buffer.from([0xe0, 0x00]); // DISCONNECT, Remaining Length 0

function frame(chunks: Buffer[]): { packets: string[]; notes: string[] } {
  const packets: string[] = [];
  const notes: string[] = [];
  const f = new Framer({ packet: (b) => packets.push(Buffer.from(b).toString('hex')), note: (n, skipped) => notes.push(`${n.code} ${skipped}`) }, { dir: 'c2s' });
  for (const c of chunks) f.push(c);
  f.flush();
  return { packets, notes };
}

describe('reserved type 0 in a row', () => {
  it('frames one, then resyncs over the garbage to the next real packet', () => {
    const { packets, notes } = frame([Buffer.concat([PINGREQ, Buffer.alloc(3000, 0x01), PINGREQ, DISCONNECT])]);
    // 01 01 01: type 0, Remaining Length 1, one byte. Then 2,997 bytes skipped.
    expect(packets).toEqual(['c000', '010101', 'c000', 'e000']);
    expect(notes).toEqual(['resync 2997']);
  });

  it('a single type-0 packet between real ones is framed and framing goes on aligned', () => {
    const { packets, notes } = frame([Buffer.concat([PINGREQ, Buffer.from([0x00, 0x02, 0xaa, 0xbb]), PINGREQ, DISCONNECT])]);
    expect(packets).toEqual(['c000', '0002aabb', 'c000', 'e000']);
    expect(notes).toEqual([]);
  });

  it('property: however the garbage is chunked, one type-0 packet and the packets after it', () => {
    fc.assert(fc.property(fc.integer({ min: 7, max: 2000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (n, cuts) => {
      const all = Buffer.concat([Buffer.alloc(n, 0x01), PINGREQ, DISCONNECT]);
      const chunks: Buffer[] = [];
      let o = 0;
      for (const c of cuts) { if (o >= all.length) break; chunks.push(all.subarray(o, o + c)); o += c; }
      if (o < all.length) chunks.push(all.subarray(o));
      const { packets } = frame(chunks);
      expect(packets[0]).toBe('010101');
      expect(packets.slice(-2)).toEqual(['c000', 'e000']);
      expect(packets.filter((p) => p.startsWith('0'))).toHaveLength(1);
    }), { numRuns: 200 });
  });

  it('through the engine, 1 MiB of 01 bytes after a CONNECT gives one reserved-type record, not 350,000', () => {
    const meta: ConnMeta = { id: 'c', client: { host: '127.0.0.1', port: 50000 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' } as ConnMeta;
    const out: OutputRecord[] = [];
    const e = new Engine({ onRecord: (r) => out.push(r) });
    e.open(meta, 1);
    // CONNECT 3.1.1, clean session, keep alive 60, client id "c".
    e.data('c', 'c2s', Buffer.from('100d00044d5154540402003c000163', 'hex'), 2);
    for (let i = 0; i < 16; i++) e.data('c', 'c2s', Buffer.alloc(65_536, 0x01), 3 + i);
    e.data('c', 'c2s', DISCONNECT, 20);
    e.end(21);
    const types = out.filter((r): r is PacketRecord => r.kind === 'packet').map((r) => r.summary.type);
    expect(types).toEqual([1, 0, 14]);
  });
});
