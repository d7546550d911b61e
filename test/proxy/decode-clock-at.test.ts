// The decoder's time box can read a chunk's own timestamp instead of the clock
// (DecodeScheduleOptions.clockAt): the proxy's timestamps come from the same
// clock, and reading it again cost one performance.now() per small read.
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { ConnMeta } from '../../src/model/types.js';
import { DecodeTap } from '../../src/proxy/decode-tap.js';
import { clockAtUs, nowUs } from '../../src/proxy/clock.js';

const meta: ConnMeta = { id: 'a', client: { host: '127.0.0.1', port: 1 }, server: { host: '127.0.0.1', port: 2 }, transport: 'tcp' };

describe('DecodeTap with clockAt', () => {
  it('opens and checks its window from chunk timestamps, without reading the clock', () => {
    const fed: number[] = [];
    const engine = {
      open: () => {},
      data: (_id: string, _dir: string, chunk: Uint8Array) => { fed.push(chunk[0]!); },
      close: () => {},
      tick: () => {},
    } as unknown as Engine;
    let clockReads = 0;
    const deferred: (() => void)[] = [];
    const tap = new DecodeTap(engine, () => {}, undefined, {
      sliceMs: 5,
      clock: () => { clockReads++; return 0; }, // a clock that never moves: only the timestamps can end the window
      clockAt: (us) => us / 1000,
      defer: (f) => { deferred.push(f); },
    });
    tap.open(meta, 0);
    // Chunks at 0, 1, 2, 3 and 4 ms of the window: decoded at once.
    for (let ms = 0; ms < 5; ms++) tap.data('a', 'c2s', Uint8Array.of(ms), 1_000_000 + ms * 1000);
    expect(fed).toEqual([0, 1, 2, 3, 4]);
    expect(clockReads).toBe(0);
    // 6 ms after the window opened: its slice is used up, so the chunk waits for a turn.
    tap.data('a', 'c2s', Uint8Array.of(6), 1_006_000);
    expect(fed).toEqual([0, 1, 2, 3, 4]);
    expect(tap.queuedBytes).toBe(1);
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(fed).toEqual([0, 1, 2, 3, 4, 6]);
    expect(tap.queuedBytes).toBe(0);
  });

  it('clockAtUs maps the proxy timestamps (nowUs) onto performance.now()', () => {
    const before = performance.now();
    const at = clockAtUs(nowUs());
    const after = performance.now();
    expect(at).toBeGreaterThanOrEqual(before - 0.001);
    expect(at).toBeLessThanOrEqual(after + 0.001);
  });
});
