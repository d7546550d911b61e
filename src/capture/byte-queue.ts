// A FIFO of Buffer chunks with contiguous peeks. Keeps push parsers linear:
// chunks are only concatenated when a record straddles them.
/** Buffers the queue allocated itself (safe to keep across pushes). */
const OWNED = new WeakSet<Buffer>();

export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  private avail = 0;

  get length(): number {
    return this.avail;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.avail += chunk.length;
  }

  /** The next `n` bytes as one contiguous view (valid until the next consume/push), or null. */
  peek(n: number): Buffer | null {
    if (n > this.avail) return null;
    const first = this.chunks[0];
    if (!first) return n === 0 ? Buffer.alloc(0) : null;
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    // Merge just enough chunks to cover n bytes.
    const merged = Buffer.allocUnsafe(Math.max(n, 0));
    OWNED.add(merged);
    let off = 0;
    let i = 0;
    let start = this.head;
    while (off < n) {
      const c = this.chunks[i]!;
      const take = Math.min(c.length - start, n - off);
      c.copy(merged, off, start, start + take);
      off += take;
      if (start + take < c.length) {
        // Partially used chunk: keep its remainder.
        const rest = c.subarray(start + take);
        this.chunks.splice(0, i + 1, merged, rest);
        this.head = 0;
        return merged;
      }
      i++;
      start = 0;
    }
    this.chunks.splice(0, i, merged);
    this.head = 0;
    return merged;
  }

  /** The first queued chunk (read from firstOffset()), or null when empty. */
  firstChunk(): Buffer | null {
    return this.chunks[0] ?? null;
  }

  /** Where the unconsumed bytes of firstChunk() start. */
  firstOffset(): number {
    return this.head;
  }

  consume(n: number): void {
    if (n > this.avail) throw new RangeError('ByteQueue: consume past end');
    this.avail -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
    if (this.chunks[0] && this.head === this.chunks[0].length) {
      this.chunks.shift();
      this.head = 0;
    }
  }

  /**
   * Copy whatever is still held of chunks the caller lent us, so the caller may
   * reuse its buffer after push() returns. Only the unconsumed tail is copied.
   */
  own(): void {
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      const start = i === 0 ? this.head : 0;
      if (OWNED.has(c)) continue;
      const copy = Buffer.from(c.subarray(start));
      OWNED.add(copy);
      this.chunks[i] = copy;
      if (i === 0) this.head = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.avail = 0;
  }
}
