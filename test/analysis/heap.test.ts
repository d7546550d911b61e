import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type HeapEntry } from '../../src/analysis/heap.js';

interface Item extends HeapEntry { id: number }
const item = (id: number): Item => ({ id, heapKey: 0, heapSeq: 0, heapIndex: -1 });

/** A seeded pseudo-random source in [0, 1], so failures repeat. */
function seeded(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

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
    const rnd = seeded(7);
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

describe('DeadlineHeap in-order lane', () => {
  it('mixes lane and heap entries correctly (mostly increasing keys, removals, re-pushes)', () => {
    const rnd = seeded(11);
    const h = new DeadlineHeap<Item>();
    const ref: { key: number; seq: number; it: Item }[] = [];
    let seq = 0;
    let clock = 0;
    const popped: Item[] = [];
    for (let step = 0; step < 30_000; step++) {
      const r = rnd();
      if (r < 0.5) {
        // Time moves forward; one push in ten goes back (an extended or late window).
        clock += Math.floor(rnd() * 3);
        const key = rnd() < 0.1 ? clock - Math.floor(rnd() * 20) : clock;
        const it = popped.length && rnd() < 0.2 ? popped.pop()! : item(step);
        h.push(key, it);
        ref.push({ key, seq: seq++, it });
      } else if (r < 0.8 && ref.length) {
        // Removals favour the oldest entries, as deliveries do.
        const i = rnd() < 0.7 ? Math.floor(rnd() * Math.min(3, ref.length)) : Math.floor(rnd() * ref.length);
        const sorted = [...ref].sort((a, b) => a.key - b.key || a.seq - b.seq);
        const victim = sorted[i]!;
        expect(h.remove(victim.it)).toBe(true);
        expect(h.remove(victim.it)).toBe(false);
        ref.splice(ref.indexOf(victim), 1);
      } else {
        ref.sort((a, b) => a.key - b.key || a.seq - b.seq);
        expect(h.peekKey()).toBe(ref[0]?.key);
        const x = h.pop();
        expect(x).toBe(ref.shift()?.it);
        if (x) popped.push(x);
      }
      expect(h.size).toBe(ref.length);
    }
    expect(popped.length).toBeGreaterThan(100);
  });

  it('keeps no removed entries once the lane is drained, so they can be collected', () => {
    const h = new DeadlineHeap<Item>();
    const items = Array.from({ length: 1000 }, (_, i) => item(i));
    items.forEach((it, i) => h.push(i, it));
    // Remove all but the first in reverse order: the lane compacts as it goes.
    for (let i = items.length - 1; i >= 1; i--) h.remove(items[i]!);
    expect(h.size).toBe(1);
    expect((h as unknown as { lane: unknown[] }).lane.length).toBeLessThanOrEqual(130);
    expect(h.pop()).toBe(items[0]);
    expect((h as unknown as { lane: unknown[] }).lane.length).toBe(0);
  });
});
