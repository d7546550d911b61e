// The progress line's byte counts: three significant digits, and a value that rounds
// up to 1024 moves to the next unit.
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/cli/progress.js';

describe('formatBytes', () => {
  it('plain values', () => {
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(1048576)).toBe('1.00 MiB');
  });
  it('a value that rounds up to the next width or unit is written in it', () => {
    expect(formatBytes(10239)).toBe('10.0 KiB'); // 9.999 KiB
    expect(formatBytes(102399)).toBe('100 KiB'); // 99.999 KiB
    expect(formatBytes(1048575)).toBe('1.00 MiB'); // 1023.999 KiB
    expect(formatBytes(1024 ** 3 - 1)).toBe('1.00 GiB');
  });
});
