// The tree view: one line per field, long displays cut.
import { describe, expect, it } from 'vitest';
import { dissect } from '../../src/dissect/index.js';
import { clipDisplay, renderTree } from '../../src/views/tree.js';

describe('tree view', () => {
  it('cuts the display of a large payload instead of printing a 70,000-character line', () => {
    // PUBLISH QoS 0, topic "t", 70,000 bytes of "x": Remaining Length 70,003 = f3 a2 04
    const body = new Uint8Array(3 + 70_000).fill(0x78);
    body.set([0x00, 0x01, 0x74], 0); // topic length 1, topic "t"
    const b = new Uint8Array([0x30, 0xf3, 0xa2, 0x04, ...body]);
    const lines = renderTree(b, dissect(b, { version: 4 })).split('\n');
    const msg = lines.find((l) => l.includes('Message:'))!;
    expect(msg).toBe(`[7, 70000 bytes] 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 … (+69984 bytes)  Message: "${'x'.repeat(239)}… (70000 bytes; display cut to 240 characters)`);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
  });
  it('keeps short displays whole and does not split a surrogate pair', () => {
    expect(clipDisplay('"Turn On" (7 bytes)', 240)).toBe('"Turn On" (7 bytes)');
    expect(clipDisplay('abc😀def', 4)).toBe('abc… (display cut to 4 of 8 characters)');
    expect(clipDisplay('f'.repeat(300), 10)).toBe('ffffffffff… (display cut to 10 of 300 characters)');
  });
});
