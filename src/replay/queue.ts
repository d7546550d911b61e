// Small containers for the streaming replay: a FIFO that releases what it
// hands out, a binary min-heap, and a list that keeps only its first N items.

/** FIFO queue; shifted items are released (the backing array is compacted). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}

/** Binary min-heap ordered by `before(a, b)` (a comes first). */
export class MinHeap<T> {
  private readonly a: T[] = [];
  constructor(private readonly before: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.a.length;
  }

  peek(): T | undefined {
    return this.a[0];
  }

  push(x: T): void {
    const a = this.a;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(x, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }

  pop(): T | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.before(a[r]!, a[l]!) ? r : l;
      if (!this.before(a[c]!, last)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Keeps the first `cap` items by `order` (ties: insertion order) and counts the
 * rest. Memory stays at most 2 × cap items whatever is added.
 */
export class FirstN<T> {
  private items: { x: T; n: number }[] = [];
  private added = 0;
  /** Items added but not kept. */
  dropped = 0;
  constructor(private readonly cap: number, private readonly order: (x: T, y: T) => number = () => 0) {}

  add(x: T): void {
    this.items.push({ x, n: this.added++ });
    if (this.items.length >= 2 * this.cap) this.trim();
  }

  private trim(): void {
    this.items.sort((p, q) => this.order(p.x, q.x) || p.n - q.n);
    if (this.items.length > this.cap) {
      this.dropped += this.items.length - this.cap;
      this.items.length = this.cap;
    }
  }

  /** The kept items, in order. */
  list(): T[] {
    this.trim();
    return this.items.map((i) => i.x);
  }
}
