// Bounded memory for long reads. V8 grows its heap lazily: reading a large
// capture allocates far more short-lived garbage (records, views, strings) than
// it keeps (the analysis state stays in the tens of MiB), and peak RSS follows
// the garbage, not the live set. A full collection every so many bytes of input
// keeps RSS near the live set at a cost of a few milliseconds per collection.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | null | undefined;

/** The engine's `gc()`, made reachable without the --expose-gc command-line flag. */
export function getGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

/** Calls a full collection each time `step` more bytes have been consumed. */
export class HeapGuard {
  private next: number;
  /**
   * 12 MiB of capture between collections: on a 1 GiB capture this kept peak RSS at
   * about 210 MiB (--summary) and 265 MiB (--format json) instead of 380 MiB, with no
   * measurable slowdown (docs/benchmarks.md).
   */
  constructor(private readonly step = 12 << 20, private readonly gc: (() => void) | null = getGc()) {
    this.next = step;
  }

  consumed(bytes: number): void {
    if (bytes < this.next) return;
    this.next = bytes + this.step;
    this.gc?.();
  }
}
