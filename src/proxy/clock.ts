// Wall-clock microseconds with sub-millisecond resolution, monotonic within
// the process: performance.timeOrigin + performance.now().
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

/** Microseconds since the Unix epoch. */
export function nowUs(): number {
  return Math.round((origin + performance.now()) * 1000);
}

/** performance.now() (ms) at a time nowUs() gave: the decoder's time box reads chunk timestamps with it. */
export function clockAtUs(us: number): number {
  return us / 1000 - origin;
}
