// The engine's PUBLISH fast path must give exactly what summarize() gives, or
// step aside (null) and leave the packet to the walker.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizePublishFast, summarizeSmallFast, TopicCache } from '../../src/dissect/fast-publish.js';
import { summarize } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';

function varint(n: number): number[] {
  const out: number[] = [];
  do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b); } while (n > 0);
  return out;
}

interface Pub {
  flags: number;
  topic: number[];
  pid: number;
  props: number[] | null;
  payload: number[];
  /** Pad the Remaining Length with a needless continuation byte (not minimal). */
  padLength: boolean;
}

function build(p: Pub, version: ProtocolVersion): Uint8Array {
  const qos = (p.flags >> 1) & 3;
  const body = [p.topic.length >> 8, p.topic.length & 255, ...p.topic];
  if (qos > 0) body.push(p.pid >> 8, p.pid & 255);
  if (version === 5) body.push(...(p.props ?? [0]));
  body.push(...p.payload);
  const len = varint(body.length);
  if (p.padLength && len.length < 4) { len[len.length - 1]! |= 0x80; len.push(0); }
  return Uint8Array.from([0x30 | p.flags, ...len, ...body]);
}

const printable = fc.integer({ min: 0x20, max: 0x7e });
const anyByte = fc.integer({ min: 0, max: 255 });
const pubArb = fc.record({
  flags: fc.integer({ min: 0, max: 15 }),
  topic: fc.oneof(fc.array(printable, { minLength: 0, maxLength: 40 }), fc.array(anyByte, { maxLength: 20 })),
  pid: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 })),
  props: fc.oneof(fc.constant(null), fc.constant([0]), fc.constant([2, 0x01, 0x01]), fc.constant([3, 0x23, 0x00, 0x05])),
  payload: fc.array(anyByte, { maxLength: 300 }),
  padLength: fc.boolean(),
});
const versionArb = fc.constantFrom<ProtocolVersion>(3, 4, 5);

describe('summarizePublishFast', () => {
  it('agrees with summarize() whenever it answers, and answers for every clean packet', () => {
    let answered = 0;
    fc.assert(fc.property(pubArb, versionArb, fc.integer({ min: 0, max: 7 }), (p, v, pad) => {
      const bytes = build(p, v);
      // The packet sits at an offset inside a larger buffer, as it does in a chunk.
      const buf = new Uint8Array(pad + bytes.length + 3);
      buf.set(bytes, pad);
      const slow = summarize(bytes, { version: v });
      const fast = summarizePublishFast(buf, pad, bytes.length, v, new TopicCache());
      if (fast !== null) {
        answered++;
        expect(fast).toEqual(slow);
        expect(slow.notes).toEqual([]);
      } else {
        // It only steps aside for something unusual.
        const clean = slow.notes.length === 0 && slow.topic !== null && /^[\x20-\x7e]+$/.test(slow.topic)
          && !/[+#]/.test(slow.topic) && (v !== 5 || (slow.properties !== null && Object.keys(slow.properties).length === 0));
        expect(clean, `fast path refused a clean packet: ${Buffer.from(bytes).toString('hex')}`).toBe(false);
      }
    }), { numRuns: 3000 });
    expect(answered).toBeGreaterThan(100);
  });

  it('reuses the cached topic string only for identical topic bytes', () => {
    const cache = new TopicCache();
    const a1 = build({ flags: 0, topic: [...Buffer.from('room/1')], pid: 0, props: null, payload: [1], padLength: false }, 4);
    const a2 = build({ flags: 2, topic: [...Buffer.from('room/1')], pid: 7, props: null, payload: [2, 3], padLength: false }, 4);
    const b = build({ flags: 0, topic: [...Buffer.from('room/2')], pid: 0, props: null, payload: [], padLength: false }, 4);
    const s1 = summarizePublishFast(a1, 0, a1.length, 4, cache)!;
    const s2 = summarizePublishFast(a2, 0, a2.length, 4, cache)!;
    const s3 = summarizePublishFast(b, 0, b.length, 4, cache)!;
    const s4 = summarizePublishFast(a1, 0, a1.length, 4, cache)!;
    expect(s1.topic).toBe('room/1');
    expect(s2.topic).toBe('room/1');
    expect(s2.packetId).toBe(7);
    expect(s3.topic).toBe('room/2'); // same length, different bytes: not the cached string
    expect(s4.topic).toBe('room/1');
  });

  it('steps aside for wildcards, an empty topic, packet id 0, QoS 3, DUP on QoS 0 and MQTT 5 properties', () => {
    const cases: [Pub, ProtocolVersion][] = [
      [{ flags: 0, topic: [...Buffer.from('a/+')], pid: 0, props: null, payload: [], padLength: false }, 4], // MQTT-3.3.2-2
      [{ flags: 0, topic: [], pid: 0, props: null, payload: [], padLength: false }, 4], // MQTT-4.7.3-1
      [{ flags: 2, topic: [0x61], pid: 0, props: null, payload: [], padLength: false }, 4], // MQTT-2.3.1-1
      [{ flags: 6, topic: [0x61], pid: 1, props: null, payload: [], padLength: false }, 4], // MQTT-3.3.1-4
      [{ flags: 8, topic: [0x61], pid: 0, props: null, payload: [], padLength: false }, 4], // MQTT-3.3.1-2
      [{ flags: 0, topic: [0x61], pid: 0, props: [2, 0x01, 0x01], payload: [], padLength: false }, 5],
      [{ flags: 0, topic: [0x61], pid: 0, props: null, payload: [9], padLength: true }, 4], // non-minimal length
    ];
    for (const [p, v] of cases) {
      const bytes = build(p, v);
      expect(summarizePublishFast(bytes, 0, bytes.length, v, new TopicCache()), Buffer.from(bytes).toString('hex')).toBeNull();
    }
  });
});

describe('summarizeSmallFast', () => {
  it('agrees with summarize() on every 2-byte packet and on 4-byte ones over all first bytes', () => {
    let answered = 0;
    const check = (bytes: Uint8Array, v: ProtocolVersion) => {
      const fast = summarizeSmallFast(bytes, 0, bytes.length, v);
      if (fast === null) return;
      answered++;
      const slow = summarize(bytes, { version: v });
      expect(fast, Buffer.from(bytes).toString('hex')).toEqual(slow);
      expect(slow.notes).toEqual([]);
    };
    for (const v of [3, 4, 5] as ProtocolVersion[]) {
      for (let b0 = 0; b0 < 256; b0++) {
        for (let b1 = 0; b1 < 256; b1++) check(Uint8Array.of(b0, b1), v);
        for (const b1 of [0, 1, 2, 3, 255]) for (const id of [0, 1, 0x1234, 0xffff]) check(Uint8Array.of(b0, b1, id >> 8, id & 255), v);
      }
    }
    // PINGREQ and PINGRESP (2 × 3 versions), and the four acks with ids 1, 0x1234, 0xffff (4 × 3 × 3).
    expect(answered).toBe(6 + 36);
  });

  it('answers in the middle of a buffer', () => {
    const buf = Uint8Array.of(0xff, 0x40, 0x02, 0x00, 0x07, 0xff);
    expect(summarizeSmallFast(buf, 1, 4, 4)).toMatchObject({ type: 4, packetId: 7, reasonCodes: null });
    expect(summarizeSmallFast(buf, 1, 4, 5)).toMatchObject({ type: 4, packetId: 7, reasonCodes: [0] });
  });
});

