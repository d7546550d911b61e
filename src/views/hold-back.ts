// Holding records back for a filter on `finding`: analysis raises a packet's
// findings up to the delivery window after the packet, so a filter that asks
// for "packets involved in a finding" can only decide once that time has passed.
import type { OutputRecord } from '../model/packet.js';

/** Delays records by a time span (record time), in order, holding at most `max` of them. */
export class HoldBack {
  private readonly q: OutputRecord[] = [];
  private head = 0;
  constructor(private readonly emit: (r: OutputRecord) => void, private readonly spanUs: number, private readonly max = 500_000) {}

  /** Hold `r`; let out what is older than its time minus the span (or over the cap). */
  push(r: OutputRecord): void {
    this.q.push(r);
    this.release(r.time);
  }

  /** Let out what is older than `now` minus the span (live: called on the clock tick, when traffic pauses). */
  release(now: number): void {
    const limit = now - this.spanUs;
    while (this.head < this.q.length && (this.q[this.head]!.time < limit || this.q.length - this.head > this.max)) {
      this.emit(this.q[this.head++]!);
    }
    if (this.head > 4096 && this.head * 2 > this.q.length) { this.q.splice(0, this.head); this.head = 0; }
  }

  /** Let everything out (end of input). */
  flush(): void {
    while (this.head < this.q.length) this.emit(this.q[this.head++]!);
    this.q.length = 0;
    this.head = 0;
  }
}
