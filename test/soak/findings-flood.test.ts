// A client that earns a finding with every packet, at full speed: the analysis
// and the summary must count the findings, not keep them.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { SummaryCounter } from '../../src/views/summary.js';
import { budget } from './churn.js';
import { connack, connect, MiB, retainedHeap, Rig } from './wire.js';

describe('a finding with every packet', () => {
  it('500,000 PUBACKs for packet ids never used: counted, not kept', () => {
    const rig = new Rig();
    const summary = new SummaryCounter();
    rig.tap = (r) => summary.record(r);
    const id = rig.open();
    rig.c(id, connect('liar'));
    rig.s(id, connack());
    const per = 16_384; // 64 KiB of PUBACKs a read
    const chunk = new Uint8Array(per * 4);
    const t0 = performance.now();
    let half = 0;
    for (let n = 0; n < 500_000; n += per) {
      for (let i = 0; i < per; i++) {
        const pid = ((n + i) % 65_535) + 1;
        chunk.set([0x40, 2, pid >> 8, pid & 0xff], i * 4);
      }
      rig.c(id, chunk.slice());
      rig.time += 10_000;
      budget(t0, 10_000, `${n} PUBACKs`);
      if (half === 0 && n >= 250_000) half = retainedHeap();
    }
    const total = Math.ceil(500_000 / per) * per;
    expect(rig.byCode.get('protocol-violation')).toBe(total);
    expect(rig.analyzer.snapshot().findings['protocol-violation']).toBe(total);
    const rec = summary.toRecord();
    expect(rec.findings['protocol-violation']).toBe(total);
    // The summary lists the first 1,000 with their text; the rest are counted.
    expect(summary.findings.length).toBe(1000);
    expect((retainedHeap() - half) / MiB).toBeLessThan(8);
  });

  it('2.5 MiB of Remaining Lengths with 5 bytes: reported per resync, not per byte; nothing piles up; decoding resumes', () => {
    const rig = new Rig();
    const first: Finding[] = [];
    rig.tap = (r) => { if (r.kind === 'finding' && first.length < 3) first.push(r); };
    const id = rig.open();
    rig.c(id, connect('garbler'));
    rig.s(id, connack());
    // 30 ff ff ff ff: a PUBLISH whose length never ends; the framer resyncs at the next byte.
    const bad = new Uint8Array(65_535);
    for (let i = 0; i < bad.length; i += 5) bad.set([0x30, 0xff, 0xff, 0xff, 0xff].slice(0, bad.length - i), i);
    const before = retainedHeap();
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) {
      rig.c(id, bad.slice());
      rig.time += 10_000;
      budget(t0, 10_000, `garbage chunk ${i}`);
    }
    expect(first[0]?.extra['note']).toBe('remaining-length-too-long');
    // The framer reports a bad length and then skips to the next plausible boundary:
    // about one finding per read here, not one per bad header (524,280 of them).
    expect(rig.findings).toBeGreaterThan(0);
    expect(rig.findings).toBeLessThanOrEqual(2 * 40);
    expect((retainedHeap() - before) / MiB).toBeLessThan(8);
    // A good packet after the garbage is decoded again.
    const packets = rig.packets;
    rig.c(id, new Uint8Array([0xc0, 0]));
    expect(rig.packets).toBe(packets + 1);
  });
});
