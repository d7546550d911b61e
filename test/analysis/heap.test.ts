import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type HeapEntry } from '../../src/analysis/heap.js';

interface Item extends HeapEntry { id: number }
const item = (id: number): Item => ({ id, heapKey: 0, heapSeq: 0, heapIndex: -1 });

describe('DeadlineHeap', () => {
  it('pops by deadline, equal deadlines in the order they were pushed', () => {
    const h = new DeadlineHeap<Item>();
    const keys = [5, 3, 5, 1, 5, 3, 9, 1];
    keys.forEach((k, i) => h.push(k, item(i)));
    const out: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.id);
    expect(out).toEqual([3, 7, 1, 5, 0, 2, 4, 6]);
  });

  it('removes entries anywhere and stays ordered (random operations against a sorted list)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const h = new DeadlineHeap<Item>();
    const ref: { key: number; seq: number; it: Item }[] = [];
    let seq = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = rnd();
      if (r < 0.45) {
        const it = item(step);
        const key = Math.floor(rnd() * 50);
        h.push(key, it);
        ref.push({ key, seq: seq++, it });
      } else if (r < 0.75 && ref.length) {
        const i = Math.floor(rnd() * ref.length);
        expect(h.remove(ref[i]!.it)).toBe(true);
        expect(h.remove(ref[i]!.it)).toBe(false);
        ref.splice(i, 1);
      } else {
        ref.sort((a, b) => a.key - b.key || a.seq - b.seq);
        expect(h.peekKey()).toBe(ref[0]?.key);
        expect(h.pop()).toBe(ref.shift()?.it);
      }
      expect(h.size).toBe(ref.length);
    }
  });
});
