// The warm-up scheduler (src/proxy/warm-up.ts): runs in slices between turns of
// the event loop, and gives up as soon as the proxy is busy.
import { describe, expect, it } from 'vitest';
import { startWarmUp } from '../../src/proxy/warm-up.js';

describe('warm-up scheduler', () => {
  it('runs to its end in slices, letting other work of the event loop through between them', async () => {
    // Another chain of immediates: it only advances while the warm-up yields.
    let turns = 0;
    let stop = false;
    const spin = (): void => { turns++; if (!stop) setImmediate(spin); };
    setImmediate(spin);
    const w = startWarmUp({ keepRecords: false, keepFlows: 0 }, { sliceMs: 1 });
    const ran = await w.done;
    stop = true;
    expect(ran).toBe(true);
    // Run in one go, the whole warm-up would let the chain advance once or twice.
    expect(turns).toBeGreaterThan(10);
  });

  it('gives up before its first slice when the proxy is already busy, and when cancelled', async () => {
    let polled = 0;
    const busy = startWarmUp({}, { busy: () => { polled++; return true; } });
    expect(await busy.done).toBe(false);
    expect(polled).toBe(1);
    const c = startWarmUp({});
    c.cancel();
    expect(await c.done).toBe(false);
  });

  it('stops at the next slice once a client connects', async () => {
    let accepted = 0;
    let slices = 0;
    const w = startWarmUp({}, { sliceMs: 1, busy: () => { slices++; if (slices === 3) accepted = 1; return accepted > 0; } });
    expect(await w.done).toBe(false);
    expect(slices).toBe(3);
  });

  it('a busy check that throws gives the warm-up up instead of throwing out of the timer', async () => {
    const w = startWarmUp({}, { busy: () => { throw new Error('no stats here'); } });
    expect(await w.done).toBe(false);
  });
});
