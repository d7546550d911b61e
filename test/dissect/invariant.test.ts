// The tree invariant over every vector and over random input, and the
// never-throw / never-hang guarantee for summarize and dissect.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { hex, invariantProblem } from './helpers.js';
import { VECTORS } from './vectors.js';

const VERSIONS: ProtocolVersion[] = [3, 4, 5];

function check(b: Uint8Array, version: ProtocolVersion): void {
  const s = summarize(b, { version });
  const t = dissect(b, { version });
  expect(invariantProblem(t.fields, b.length)).toBeNull();
  expect(t.notes).toEqual(s.notes);
  for (const n of s.notes) expect(n.code).not.toBe('dissector-error');
}

describe('tree invariant', () => {
  it('holds for every byte vector, in every version', () => {
    expect(VECTORS.length).toBeGreaterThan(25);
    for (const [, , h] of VECTORS) for (const v of VERSIONS) check(hex(h), v);
  });

  it('holds for random bytes, and nothing throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(...VERSIONS), (b, v) => check(b, v)), { numRuns: 3000 });
  });

  it('holds for random bodies behind every valid fixed header', () => {
    const body = fc.uint8Array({ maxLength: 60 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), body, fc.constantFrom(...VERSIONS), fc.integer({ min: -3, max: 3 }), (b0, rest, v, skew) => {
      const len = Math.max(0, rest.length + skew); // Remaining Length sometimes wrong on purpose
      const hdr = len < 128 ? [b0, len] : [b0, (len & 0x7f) | 0x80, len >> 7];
      check(Uint8Array.from([...hdr, ...rest]), v);
    }), { numRuns: 5000 });
  });

  it('holds for mutated valid packets (bit flips and truncation)', () => {
    const bases = VECTORS.map(([, v, h]) => [hex(h), v] as const);
    fc.assert(fc.property(fc.integer({ min: 0, max: bases.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat(), (i, pos, bit, cut) => {
      const [base, v] = bases[i]!;
      const b = base.slice();
      if (b.length > 0) b[pos % b.length]! ^= 1 << bit;
      check(b.subarray(0, b.length - (cut % 3)), v);
    }), { numRuns: 5000 });
  });

  it('does not hang on a huge claimed length or a long property block', () => {
    const t0 = Date.now();
    check(hex('30 ff ff ff 7f 00 01 61'), 5);
    const big = new Uint8Array(200_000);
    big.set([0x30, 0x8a, 0x9a, 0x0c, 0x00, 0x01, 0x61, 0x80, 0x9a, 0x0c]);
    check(big, 5);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
