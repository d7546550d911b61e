// HoldBack: records wait the delivery window (+1.5 s) so that a `finding` filter
// sees each packet's findings, in order, within a record cap and a byte budget;
// the first early release is reported once.
import { describe, expect, it } from 'vitest';
import type { OutputRecord } from '../../src/model/packet.js';
import { HoldBack, holdBackWarning } from '../../src/views/hold-back.js';
import { finding, gen, T0 } from '../filter/records.js';

const pub = (time: number, size: number): OutputRecord => gen({ cmd: 'publish', topic: 't', payload: Buffer.alloc(size), qos: 0 }, { time });

describe('HoldBack', () => {
  it('lets records out in order once the span has passed, and everything on flush', () => {
    const out: number[] = [];
    const h = new HoldBack((r) => out.push(r.time), 1000);
    h.push(pub(T0, 10));
    h.push(finding({ code: 'stream-gap', time: T0 + 500 }));
    h.push(pub(T0 + 999, 10));
    expect(out).toEqual([]);
    h.push(pub(T0 + 1001, 10)); // T0 is now more than the span ago
    expect(out).toEqual([T0]);
    h.release(T0 + 1600);
    expect(out).toEqual([T0, T0 + 500]);
    h.flush();
    expect(out).toEqual([T0, T0 + 500, T0 + 999, T0 + 1001]);
    expect(h.early).toBe(0);
  });

  it('holds at most maxBytes of packets: a burst of large messages is let out early, reported once', () => {
    const out: OutputRecord[] = [];
    const warnings: string[] = [];
    const h = new HoldBack((r) => out.push(r), 6_500_000, { maxBytes: 4 << 20, onEarly: (w) => warnings.push(w) });
    for (let i = 0; i < 10; i++) h.push(pub(T0 + i, (1 << 20) - 10)); // 10 packets just under 1 MiB within 10 µs
    expect(out).toHaveLength(6); // 4 MiB are still held
    expect(h.early).toBe(6);
    expect(warnings).toEqual(['4 MiB of packets']);
    // Once time moves on, what is released frees the budget: no more early releases.
    h.release(T0 + 10_000_000);
    expect(out).toHaveLength(10);
    for (let i = 0; i < 3; i++) h.push(pub(T0 + 20_000_000 + i, 1 << 20));
    expect(out).toHaveLength(10);
    expect(warnings).toHaveLength(1);
  });

  it('holds at most maxRecords records', () => {
    const out: OutputRecord[] = [];
    const warnings: string[] = [];
    const h = new HoldBack((r) => out.push(r), 6_500_000, { maxRecords: 100, onEarly: (w) => warnings.push(w) });
    for (let i = 0; i < 250; i++) h.push(pub(T0 + i, 8));
    expect(out).toHaveLength(150);
    expect(out.map((r) => r.time)).toEqual(Array.from({ length: 150 }, (_, i) => T0 + i));
    expect(warnings).toEqual(['100 records']);
    expect(holdBackWarning(warnings[0]!, 6_500_000)).toContain('more than 100 records arrived within that time');
  });
});
