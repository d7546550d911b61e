// `mqtt.topic` on a SUBSCRIBE/UNSUBSCRIBE with more filters than the tree itemises
// (1,000; docs/dissector.md): every filter matches, whether or not the packet has
// an error note (with one, the filter reads the tree, which stops at 1,000).
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { real } from './records.js';

/** A 3.1.1 SUBSCRIBE (packet id 7) of these filters, each at QoS 0. */
function subscribe(filters: string[]): Uint8Array {
  const body: number[] = [0x00, 0x07]; // Packet Identifier 7
  for (const f of filters) {
    const b = Buffer.from(f);
    body.push(b.length >> 8, b.length & 0xff, ...b, 0x00); // filter length, filter, Requested QoS 0
  }
  const head = [0x82]; // SUBSCRIBE, flags 0010
  let n = body.length;
  do { let d = n & 0x7f; n >>= 7; if (n > 0) d |= 0x80; head.push(d); } while (n > 0); // Remaining Length
  return Uint8Array.from([...head, ...body]);
}

/** A 3.1.1 UNSUBSCRIBE (packet id 8) of these filters. */
function unsubscribe(filters: string[]): Uint8Array {
  const body: number[] = [0x00, 0x08]; // Packet Identifier 8
  for (const f of filters) {
    const b = Buffer.from(f);
    body.push(b.length >> 8, b.length & 0xff, ...b); // filter length, filter
  }
  const head = [0xa2]; // UNSUBSCRIBE, flags 0010
  let n = body.length;
  do { let d = n & 0x7f; n >>= 7; if (n > 0) d |= 0x80; head.push(d); } while (n > 0); // Remaining Length
  return Uint8Array.from([...head, ...body]);
}

const filters = (bad: boolean): string[] => Array.from({ length: 2000 }, (_, i) => (i === 1500 ? 'x/y' : bad && i === 3 ? 'a/#/b' : `f/${i}`));

describe('mqtt.topic past the filters the tree itemises', () => {
  for (const [name, build] of [['SUBSCRIBE', subscribe], ['UNSUBSCRIBE', unsubscribe]] as const) {
    it(`${name}: filter 1501 of 2000 matches with and without an invalid filter in the packet`, () => {
      const f = compileFilter('mqtt.topic == "x/y"');
      const clean = real(build(filters(false)));
      const broken = real(build(filters(true)));
      expect(clean.summary.notes.some((n) => n.severity === 'error')).toBe(false);
      expect(broken.summary.notes.some((n) => n.severity === 'error')).toBe(true);
      expect(f(clean)).toBe(true);
      expect(f(broken)).toBe(true);
      // One of the first thousand still comes from the tree, the invalid one included.
      expect(compileFilter('mqtt.topic == "a/#/b"')(broken)).toBe(true);
      expect(compileFilter('mqtt.topic == "f/1999"')(broken)).toBe(true);
      expect(compileFilter('mqtt.topic == "f/2000"')(broken)).toBe(false);
    });
  }
});
