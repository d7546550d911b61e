// Holding records back for a filter on `finding`: analysis raises a packet's
// findings up to the delivery window after the packet, so a filter that asks
// for "packets involved in a finding" can only decide once that time has passed.
import type { OutputRecord } from '../model/packet.js';

export interface HoldBackOptions {
  /** Most records held (default 500,000). */
  maxRecords?: number;
  /** Most packet bytes held, counting each packet's size (default 64 MiB). */
  maxBytes?: number;
  /**
   * Called once, the first time a record is let out before its span has passed
   * because a cap was reached: from then on some packets are filtered before
   * their findings can arrive. `why` names the cap.
   */
  onEarly?: (why: string) => void;
}

/** Delays records by a time span (record time), in order, holding at most `maxRecords` of them and `maxBytes` of packets. */
export class HoldBack {
  private readonly q: OutputRecord[] = [];
  private head = 0;
  private bytes = 0;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly onEarly: ((why: string) => void) | undefined;
  /** Records let out early because a cap was reached. */
  early = 0;

  constructor(private readonly emit: (r: OutputRecord) => void, private readonly spanUs: number, opts: HoldBackOptions = {}) {
    this.maxRecords = opts.maxRecords ?? 500_000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.onEarly = opts.onEarly;
  }

  /** Hold `r`; let out what is older than its time minus the span (or over a cap). */
  push(r: OutputRecord): void {
    this.q.push(r);
    if (r.kind === 'packet') this.bytes += r.size;
    this.release(r.time);
  }

  /** Let out what is older than `now` minus the span (live: called on the clock tick, when traffic pauses). */
  release(now: number): void {
    const limit = now - this.spanUs;
    const q = this.q;
    while (this.head < q.length) {
      const r = q[this.head]!;
      if (r.time >= limit) {
        const overCount = q.length - this.head > this.maxRecords;
        if (!overCount && this.bytes <= this.maxBytes) break;
        if (this.early++ === 0) {
          this.onEarly?.(overCount ? `${this.maxRecords.toLocaleString('en-US')} records` : `${Math.round(this.maxBytes / 1048576)} MiB of packets`);
        }
      }
      this.head++;
      if (r.kind === 'packet') this.bytes -= r.size;
      this.emit(r);
    }
    if (this.head > 4096 && this.head * 2 > q.length) { q.splice(0, this.head); this.head = 0; }
  }

  /** Let everything out (end of input). */
  flush(): void {
    while (this.head < this.q.length) this.emit(this.q[this.head++]!);
    this.q.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}

/** The warning printed when a HoldBack first lets records out early. */
export function holdBackWarning(why: string, spanUs: number): string {
  return `the filter uses \`finding\`, so packets wait ${(spanUs / 1e6).toFixed(1)} s for their findings, but more than ${why} arrived within that time: `
    + 'from now on some packets are filtered before their findings arrive, and a packet a later finding names may be missing';
}
