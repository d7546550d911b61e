// A small open-addressing hash map from non-negative integers (packet ids and
// the like, below 2^31) to values. Unlike a Map, adding and removing the same few
// keys over and over allocates nothing: a Map that keeps going from one entry to
// none and back rebuilds its table, which showed in the QoS flow tracking.
// Iteration order is not insertion order.

const EMPTY = -1;
const MIN_CAPACITY = 8;

export class IntMap<V> {
  private keys: Int32Array;
  private vals: (V | undefined)[];
  private mask: number;
  private shift: number;
  size = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  /** Home slot of a key: Fibonacci hashing spreads runs of consecutive ids. */
  private home(k: number): number {
    return Math.imul(k, 0x9e3779b1) >>> this.shift;
  }

  private find(k: number): number {
    const keys = this.keys, mask = this.mask;
    for (let i = this.home(k); ; i = (i + 1) & mask) {
      const x = keys[i]!;
      if (x === k) return i;
      if (x === EMPTY) return -1;
    }
  }

  get(k: number): V | undefined {
    const i = this.find(k);
    return i < 0 ? undefined : this.vals[i];
  }

  has(k: number): boolean {
    return this.find(k) >= 0;
  }

  set(k: number, v: V): void {
    const keys = this.keys, mask = this.mask;
    for (let i = this.home(k); ; i = (i + 1) & mask) {
      const x = keys[i]!;
      if (x === k) { this.vals[i] = v; return; }
      if (x === EMPTY) {
        keys[i] = k;
        this.vals[i] = v;
        if (++this.size * 2 > keys.length) this.grow();
        return;
      }
    }
  }

  /** Remove `k`; linear probing with backward shift, so no tombstones build up. */
  delete(k: number): boolean {
    let i = this.find(k);
    if (i < 0) return false;
    const keys = this.keys, vals = this.vals, mask = this.mask;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(keys[j]!);
      // The entry at j may move back to i unless its home lies cyclically in (i, j].
      if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) {
        keys[i] = keys[j]!;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    vals[i] = undefined;
    this.size--;
    return true;
  }

  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(EMPTY);
    this.vals.fill(undefined);
    this.size = 0;
  }

  *values(): IterableIterator<V> {
    const keys = this.keys, vals = this.vals;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield vals[i]!;
  }

  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.set(oldKeys[i]!, oldVals[i]!);
  }
}
