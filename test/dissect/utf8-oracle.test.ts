// checkUtf8's "invalid" bit against the WHATWG decoder in fatal mode (RFC 3629 well-formed
// UTF-8, which is what [MQTT-1.5.4-1] requires): overlong forms, surrogates and code
// points above U+10FFFF are invalid, everything else is not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkUtf8, UTF8_INVALID } from '../../src/dissect/utf8.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function wellFormed(b: Uint8Array): boolean {
  try { strict.decode(b); return true; } catch { return false; }
}
const invalid = (b: Uint8Array): boolean => (checkUtf8(b, 0, b.length) & UTF8_INVALID) !== 0;

describe('checkUtf8 invalid bit', () => {
  it('the edges of each lead byte range', () => {
    const cases: Array<[string, boolean]> = [
      ['e0 9f bf', false], // overlong 3-byte form of U+07FF
      ['e0 a0 80', true], // U+0800, the first 3-byte code point
      ['ed 9f bf', true], // U+D7FF, just below the surrogates
      ['ed a0 80', false], // U+D800, a surrogate
      ['f0 8f bf bf', false], // overlong 4-byte form of U+FFFF
      ['f0 90 80 80', true], // U+10000
      ['f4 8f bf bf', true], // U+10FFFF, the last code point
      ['f4 90 80 80', false], // U+110000, past the last code point
      ['c1 bf', false], // overlong 2-byte form of U+007F
      ['c2 80', true], // U+0080
    ];
    for (const [h, ok] of cases) {
      const b = Uint8Array.from(h.split(' '), (x) => parseInt(x, 16));
      expect(invalid(b), h).toBe(!ok);
      expect(wellFormed(b), h).toBe(ok);
    }
  });

  it('agrees with the fatal decoder on random bytes near the lead-byte boundaries', () => {
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff));
    fc.assert(fc.property(fc.array(byte, { maxLength: 8 }), (a) => {
      const b = Uint8Array.from(a);
      expect(invalid(b), Buffer.from(b).toString('hex')).toBe(!wellFormed(b));
    }), { numRuns: 5000 });
  });
});
