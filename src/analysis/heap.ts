// A small binary min-heap of deadlines used for delivery windows. Entries carry
// their own position, so one can be removed as soon as it is settled (a delivered
// message leaves at once instead of waiting out its window). Equal deadlines come
// out in the order they went in.

/** What an entry of the heap carries (set by the heap). */
export interface HeapEntry {
  heapKey: number;
  heapSeq: number;
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
}

export class DeadlineHeap<T extends HeapEntry> {
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekKey(): number | undefined {
    return this.items.length > 0 ? this.items[0]!.heapKey : undefined;
  }

  push(key: number, item: T): void {
    item.heapKey = key;
    item.heapSeq = this.seq++;
    const i = this.items.length;
    this.items.push(item);
    item.heapIndex = i;
    this.up(i);
  }

  pop(): T | undefined {
    const items = this.items;
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

  /** Take `item` out wherever it is; false when it is not in the heap. */
  remove(item: T): boolean {
    const i = item.heapIndex;
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
