// Wall-clock microseconds with sub-millisecond resolution, monotonic within
// the process: performance.timeOrigin + performance.now().
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

/** Microseconds since the Unix epoch. */
export function nowUs(): number {
  return Math.round((origin + performance.now()) * 1000);
}
