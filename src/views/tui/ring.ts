// A bounded ring buffer addressed by absolute index: item i (0-based, counted
// since the start) stays readable until `capacity` newer items push it out.
// Older items are counted (`dropped`), not kept, so memory stays bounded.
export class Ring<T> {
  private readonly buf: (T | undefined)[];
  private head = 0; // absolute index of the next push
  readonly capacity: number;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be >= 1, got ${capacity}`);
    this.capacity = Math.floor(capacity);
    this.buf = new Array<T | undefined>(Math.min(this.capacity, 1024));
  }

  push(item: T): number {
    const i = this.head++;
    const slot = i % this.capacity;
    if (slot >= this.buf.length) this.buf.length = Math.min(this.capacity, Math.max(slot + 1, this.buf.length * 2));
    this.buf[slot] = item;
    return i;
  }

  /** Absolute index of the oldest item still kept. */
  get first(): number {
    return Math.max(0, this.head - this.capacity);
  }

  /** One past the absolute index of the newest item (= items ever pushed). */
  get end(): number {
    return this.head;
  }

  /** Items pushed out by newer ones. */
  get dropped(): number {
    return this.first;
  }

  get size(): number {
    return this.head - this.first;
  }

  get(abs: number): T | undefined {
    if (abs < this.first || abs >= this.head) return undefined;
    return this.buf[abs % this.capacity];
  }

  /** Forget the items from absolute index `end` on (end ≥ first), to push others. */
  truncate(end: number): void {
    if (end < this.first || end > this.head) throw new RangeError(`cannot truncate to ${end}`);
    this.head = end;
  }

  clear(): void {
    this.head = 0;
    this.buf.length = Math.min(this.capacity, 1024);
    this.buf.fill(undefined);
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.first; i < this.head; i++) yield this.buf[i % this.capacity] as T;
  }
}
