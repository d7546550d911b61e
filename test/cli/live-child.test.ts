// The live-child helper itself: a child that stops before it listens is an error
// at once that quotes its stderr, not a 10 s wait for a line that never comes.
import { describe, expect, it } from 'vitest';
import { startLive } from './live-child.js';

describe('startLive', () => {
  it('a proxy that exits before it listens rejects at once, quoting its stderr', async () => {
    const t0 = Date.now();
    const err = await startLive('proxy', ['--no-such-option']).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/mqttscope proxy exited \(code \d+, signal null\) before it listened; stderr: .*no-such-option/s);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
