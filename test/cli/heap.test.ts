import { describe, expect, it } from 'vitest';
import { getGc, HeapGuard } from '../../src/cli/heap.js';

describe('HeapGuard', () => {
  it('reaches V8 gc() without the --expose-gc flag on this Node', () => {
    const gc = getGc();
    expect(typeof gc).toBe('function');
    gc!(); // a full collection must not throw
  });

  it('collects once per step of consumed bytes', () => {
    let calls = 0;
    const g = new HeapGuard(100, () => { calls++; });
    for (let done = 10; done <= 1000; done += 10) g.consumed(done);
    expect(calls).toBe(10);
  });
});
