// A small binary min-heap of deadlines used for delivery windows. Entries carry
// their own position, so one can be removed as soon as it is settled (a delivered
// message leaves at once instead of waiting out its window). Equal deadlines come
// out in the order they went in. Deadlines mostly arrive in time order, so those
// skip the heap: they queue in an in-order lane that costs O(1) each way.

/** What an entry of the heap carries (set by the heap). */
export interface HeapEntry {
  /** The key while in the heap part (lane entries keep theirs in the lane, unboxed). */
  heapKey: number;
  heapSeq: number;
  /** Position in the heap; -2 in the in-order lane, -1 when in neither. */
  heapIndex: number;
}

/** heapIndex of an entry held by the in-order lane. */
const IN_LANE = -2;

export class DeadlineHeap<T extends HeapEntry> {
  private readonly items: T[] = [];
  private seq = 0;
  /**
   * The in-order lane: entries pushed with a key no smaller than the previous
   * lane entry's (delivery windows opened in time order, the usual case) are
   * appended here instead of being sifted into the heap, and leave from the
   * front in O(1). An entry removed elsewhere in the lane is only marked (its
   * heapIndex reset); the lane skips it at the front and is compacted when
   * mostly made of such entries. A slot is live while its entry's heapIndex is
   * IN_LANE and its heapSeq equals the slot's. Keys are kept in `laneKey`, an
   * array of doubles, rather than on the entries (a double field costs each
   * entry a boxed number, and lane entries can be held by the hundred thousand).
   */
  private lane: (T | undefined)[] = [];
  private laneSeq: number[] = [];
  private laneKey: number[] = [];
  private laneHead = 0;
  /** Removed entries at or after laneHead. */
  private laneDead = 0;
  private laneLastKey = -Infinity;

  get size(): number {
    return this.items.length + this.lane.length - this.laneHead - this.laneDead;
  }

  peekKey(): number | undefined {
    const h = this.items.length > 0 ? this.items[0]! : undefined;
    if (this.laneHead === this.lane.length) return h?.heapKey;
    const lk = this.laneKey[this.laneHead]!;
    if (h === undefined) return lk;
    return this.laneFirst(h) ? lk : h.heapKey;
  }

  /** The lane's front comes out before heap entry `h` (the lane is not empty). */
  private laneFirst(h: T): boolean {
    const lk = this.laneKey[this.laneHead]!;
    return lk < h.heapKey || (lk === h.heapKey && this.laneSeq[this.laneHead]! < h.heapSeq);
  }

  push(key: number, item: T): void {
    item.heapSeq = this.seq++;
    if (key >= this.laneLastKey || this.laneHead === this.lane.length) {
      this.laneLastKey = key;
      item.heapIndex = IN_LANE;
      this.lane.push(item);
      this.laneSeq.push(item.heapSeq);
      this.laneKey.push(key);
      return;
    }
    item.heapKey = key;
    const i = this.items.length;
    this.items.push(item);
    item.heapIndex = i;
    this.up(i);
  }

  pop(): T | undefined {
    const items = this.items;
    const l = this.laneHead < this.lane.length ? this.lane[this.laneHead]! : undefined;
    if (l !== undefined && (items.length === 0 || this.laneFirst(items[0]!))) {
      l.heapIndex = -1;
      this.lane[this.laneHead++] = undefined;
      this.settleLane();
      return l;
    }
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    top.heapIndex = -1;
    if (last !== top) {
      items[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    return top;
  }

  /**
   * Every entry, those of the in-order lane first in the order they were pushed,
   * then the others in no particular order. Not for the hot path.
   */
  *entries(): IterableIterator<T> {
    for (let i = this.laneHead; i < this.lane.length; i++) if (this.laneLive(i)) yield this.lane[i]!;
    yield* this.items;
  }

  /** Take `item` out wherever it is; false when it is not in the heap. */
  remove(item: T): boolean {
    const i = item.heapIndex;
    if (i === IN_LANE) {
      item.heapIndex = -1;
      this.laneDead++;
      this.settleLane();
      return true;
    }
    const items = this.items;
    if (i < 0 || items[i] !== item) return false;
    item.heapIndex = -1;
    const last = items.pop()!;
    if (last === item) return true; // it was the last one (the usual case: the newest message)
    items[i] = last;
    last.heapIndex = i;
    if (i > 0 && before(last, items[(i - 1) >> 1]!)) this.up(i); else this.down(i);
    return true;
  }

  /** Skip removed entries at the lane's front; compact the lane when mostly removed. */
  private settleLane(): void {
    const lane = this.lane, seqs = this.laneSeq, keys = this.laneKey;
    while (this.laneHead < lane.length && !this.laneLive(this.laneHead)) {
      lane[this.laneHead++] = undefined;
      this.laneDead--;
    }
    const n = lane.length;
    if (this.laneHead === n) {
      // Drained (with one message in flight, after every message): pop() is much
      // cheaper than setting the length.
      if (n === 1) { lane.pop(); seqs.pop(); keys.pop(); } else { lane.length = 0; seqs.length = 0; keys.length = 0; }
      this.laneHead = 0;
      this.laneDead = 0;
      this.laneLastKey = -Infinity;
    } else if (this.laneHead + this.laneDead > 64 && 2 * (this.laneHead + this.laneDead) > n) {
      let w = 0;
      for (let r = this.laneHead; r < n; r++) {
        if (!this.laneLive(r)) continue;
        lane[w] = lane[r];
        keys[w] = keys[r]!;
        seqs[w++] = seqs[r]!;
      }
      lane.length = w;
      seqs.length = w;
      keys.length = w;
      this.laneHead = 0;
      this.laneDead = 0;
    }
  }

  private laneLive(i: number): boolean {
    const x = this.lane[i];
    return x !== undefined && x.heapIndex === IN_LANE && x.heapSeq === this.laneSeq[i];
  }

  private up(i: number): void {
    const items = this.items;
    const x = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = items[p]!;
      if (!before(x, y)) break;
      items[i] = y; y.heapIndex = i;
      i = p;
    }
    items[i] = x; x.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const x = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(items[r]!, items[l]!) ? r : l;
      const y = items[c]!;
      if (!before(y, x)) break;
      items[i] = y; y.heapIndex = i;
      i = c;
    }
    items[i] = x; x.heapIndex = i;
  }
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.heapKey < b.heapKey || (a.heapKey === b.heapKey && a.heapSeq < b.heapSeq);
}
