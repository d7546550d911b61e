// Runs the analysis warm-up (src/analysis/warm-up.ts) while the proxy is idle:
// slices of at most a few milliseconds between turns of the event loop, given up
// as soon as the first client connects (its traffic then warms the same code).
import { WarmUp, type WarmUpOptions } from '../analysis/warm-up.js';

export interface WarmUpHandle {
  /** Stop now (a slice under way finishes first). */
  cancel(): void;
  /** True when the warm-up ran to its end, false when it was cancelled. */
  readonly done: Promise<boolean>;
}

export interface WarmUpSchedule {
  /** Longest slice, in ms (default 4). */
  sliceMs?: number;
  /** Checked before every slice: true gives the warm-up up (a client connected). */
  busy?: () => boolean;
}

export function startWarmUp(opts: WarmUpOptions, schedule: WarmUpSchedule = {}): WarmUpHandle {
  const sliceMs = schedule.sliceMs ?? 4;
  const w = new WarmUp(opts);
  let cancelled = false;
  let finish!: (ran: boolean) => void;
  const done = new Promise<boolean>((r) => { finish = r; });
  const isBusy = (): boolean => {
    try {
      return schedule.busy?.() === true;
    } catch {
      return true; // cannot tell: give up rather than throw out of a timer
    }
  };
  const slice = (): void => {
    if (cancelled || isBusy()) { finish(false); return; }
    const t0 = performance.now();
    while (w.step()) {
      if (performance.now() - t0 >= sliceMs) {
        setImmediate(slice);
        return;
      }
    }
    finish(true);
  };
  setImmediate(slice);
  return {
    cancel: () => { cancelled = true; },
    done,
  };
}
