import { describe, expect, it } from 'vitest';
import { IntMap } from '../../src/analysis/intmap.js';

describe('IntMap', () => {
  it('behaves like a Map under random set/delete/get (packet-id-like keys, growth, wrap-around)', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const range of [4, 40, 300, 0x20000]) {
      const m = new IntMap<number>();
      const ref = new Map<number, number>();
      for (let step = 0; step < 20_000; step++) {
        const k = Math.floor(rnd() * range);
        const r = rnd();
        if (r < 0.45) { m.set(k, step); ref.set(k, step); }
        else if (r < 0.8) expect(m.delete(k)).toBe(ref.delete(k));
        else expect(m.get(k)).toBe(ref.get(k));
        expect(m.size).toBe(ref.size);
      }
      for (const [k, v] of ref) { expect(m.get(k)).toBe(v); expect(m.has(k)).toBe(true); }
      expect([...m.values()].sort((a, b) => a - b)).toEqual([...ref.values()].sort((a, b) => a - b));
      m.clear();
      expect(m.size).toBe(0);
      expect([...m.values()]).toEqual([]);
    }
  });
});
