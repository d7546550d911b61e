// Payload comparison in place (delivery correlation and wills): short ranges are
// compared in JS, long ones with Buffer's native range compare. Both paths must
// find a single differing byte wherever it is, inside larger read buffers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payloadEquals, payloadIs } from '../../src/analysis/context.js';
import { Engine } from '../../src/engine/engine.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { encodeVarint } from '../../src/protocol/varint.js';

const META: ConnMeta = { id: 'c', client: { host: '127.0.0.1', port: 5000 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' };

/** A QoS 0 PUBLISH on topic 't' carrying `payload`. */
function publish(payload: Uint8Array): Uint8Array {
  const body = Buffer.concat([Buffer.from([0, 1, 0x74]), payload]); // topic length 1, topic 't'
  return Buffer.concat([Buffer.from([0x30]), Buffer.from(encodeVarint(body.length)), body]);
}

/** The engine's record of `payload`'s PUBLISH, framed after `lead` other bytes of the same read. */
function recordOf(payload: Uint8Array, lead: number): PacketRecord {
  const recs: PacketRecord[] = [];
  const e = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); } });
  e.open(META, 0);
  // CONNECT (3.1.1) so the version is known, then `lead` bytes of PINGREQs (2 bytes each), then the PUBLISH.
  const connect = Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x63]);
  const pings = Buffer.alloc(lead * 2);
  for (let i = 0; i < lead; i++) pings[i * 2] = 0xc0;
  e.data('c', 'c2s', Buffer.concat([connect, pings, publish(payload)]), 1);
  const rec = recs.at(-1)!;
  expect(rec.summary.type).toBe(3);
  expect(rec.chunkOffset).toBe(connect.length + pings.length);
  return rec;
}

describe('payload comparison in place', () => {
  for (const n of [0, 1, 64, 95, 96, 300, 5000]) {
    it(`${n}-byte payloads: equal, and a single byte changed at the start, middle or end`, () => {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
      const rec = recordOf(payload, 3);
      // The other side sits at an offset inside a larger buffer, as a delivery does in its read.
      const host = new Uint8Array(n + 20);
      host.set(payload, 9);
      expect(payloadEquals(rec, host, 9, n)).toBe(true);
      expect(payloadIs(rec, payload)).toBe(true);
      for (const at of n === 0 ? [] : [0, n >> 1, n - 1]) {
        const other = host.slice();
        other[9 + at] ^= 0x01;
        expect(payloadEquals(rec, other, 9, n)).toBe(false);
        expect(payloadIs(rec, other.subarray(9, 9 + n))).toBe(false);
      }
      // A length mismatch never compares equal, even when one is a prefix of the other.
      if (n > 0) expect(payloadEquals(rec, host, 9, n - 1)).toBe(false);
      expect(payloadIs(rec, new Uint8Array(n + 1))).toBe(false);
    });
  }

  it('agrees with Buffer.equals on random payloads and single-byte changes', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 400 }), fc.nat(30), fc.nat(), fc.boolean(),
      (payload, lead, pos, change) => {
        const rec = recordOf(payload, lead);
        const other = Uint8Array.from(payload);
        if (change && other.length > 0) other[pos % other.length] ^= 0x80;
        const host = new Uint8Array(other.length + 7);
        host.set(other, 5);
        const expected = Buffer.from(payload).equals(Buffer.from(other));
        expect(payloadEquals(rec, host, 5, other.length)).toBe(expected);
        expect(payloadIs(rec, other)).toBe(expected);
      },
    ), { numRuns: 300 });
  });
});
