// A client that leaves tens of thousands of QoS flows open and closes: the one
// qos-flow-incomplete finding of its connection names the first flows and sums
// up the rest, so what a view prints and what the summary keeps (its first
// 1,000 findings) stays small. It listed every flow: 65,535 of them made a
// 3.5 MB finding, and 300 connections of 5,000 kept 309 MB in the summary.
import { describe, expect, it } from 'vitest';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { SummaryCounter } from '../../src/views/summary.js';
import { createLineView } from '../../src/views/line.js';
import { concat, connack, connect, MiB, publish, retainedHeap, Rig } from '../soak/wire.js';

/** QoS 1 publishes with packet ids from..to, back to back, cut in 64 KiB reads. */
function qos1Reads(from: number, to: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let id = from; id <= to; id++) parts.push(publish('f/x', 'xy', { qos: 1, id }));
  const all = concat(parts);
  const reads: Uint8Array[] = [];
  for (let o = 0; o < all.length; o += 65_536) reads.push(all.subarray(o, o + 65_536));
  return reads;
}

describe('qos-flow-incomplete for a connection with very many flows cut short', () => {
  it('65,535 unanswered QoS 1 publishes: 20 named, the rest summed up, 100 listed in extra, every publish marked', () => {
    const rig = new Rig();
    const findings: Finding[] = [];
    const pubs: PacketRecord[] = [];
    rig.tap = (r: OutputRecord) => {
      if (r.kind === 'finding') findings.push(r);
      else if (r.summary.type === 3) pubs.push(r);
    };
    const id = rig.open();
    rig.c(id, connect('flooder'));
    rig.s(id, connack());
    for (const read of qos1Reads(1, 65_535)) rig.c(id, read);
    rig.time += 1000;
    rig.engine.close(id, rig.time, 'fin', 'c2s');
    const cut = findings.filter((f) => f.code === 'qos-flow-incomplete');
    expect(cut).toHaveLength(1);
    const f = cut[0]!;
    expect(f.text).toMatch(/^65535 flow\(s\) of client 'flooder' were cut short when the connection closed \(fin\): QoS 1 PUBLISH id 1 from the client \(awaiting puback\); /);
    expect(f.text).toContain('QoS 1 PUBLISH id 20 from the client (awaiting puback); and 65515 more: 65515 QoS 1 PUBLISH from the client (awaiting puback) (ids 21 to 65535, frames ');
    expect(f.text).not.toContain('id 21 from the client');
    expect(f.text.length).toBeLessThan(2_000);
    const extra = f.extra as { flows: { packet_id: number }[]; awaiting: string[]; count: number; flows_not_listed: number };
    expect(extra.flows.map((x) => x.packet_id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(extra.awaiting).toHaveLength(100);
    expect([extra.count, extra.flows_not_listed]).toEqual([65_535, 65_435]);
    // The listed flows' frames, and the last flow's so the range shows.
    expect(f.frames).toHaveLength(101);
    expect(f.frames.at(-1)).toBe(pubs.at(-1)!.frame);
    expect(pubs).toHaveLength(65_535);
    expect(pubs.filter((r) => !r.findings.includes('qos-flow-incomplete'))).toEqual([]);
    expect(rig.analyzer.snapshot().flows.stats['publish-qos1'].incomplete).toBe(65_535);
  });

  it('a few flows are still all named and listed, with no count', () => {
    const rig = new Rig();
    const findings: Finding[] = [];
    rig.tap = (r) => { if (r.kind === 'finding') findings.push(r); };
    const id = rig.open();
    rig.c(id, connect('few'));
    rig.s(id, connack());
    for (const read of qos1Reads(1, 20)) rig.c(id, read);
    rig.engine.close(id, rig.time, 'fin', 'c2s');
    const f = findings.find((x) => x.code === 'qos-flow-incomplete')!;
    expect(f.text).toContain('QoS 1 PUBLISH id 20 from the client (awaiting puback).');
    expect(f.text).not.toContain('more:');
    expect(Object.keys(f.extra)).toEqual(['flows', 'awaiting']);
    expect(f.frames).toHaveLength(20);
  });

  it('300 connections of 5,000 unanswered QoS 1 publishes each: the summary and the line view keep little', () => {
    const rig = new Rig();
    const summary = new SummaryCounter();
    let printed = 0;
    const view = createLineView({ out: { write: (s: string) => { printed += s.length; return true; } }, color: false, showSecrets: false });
    rig.tap = (r) => { summary.record(r); view.record(r); };
    const reads = qos1Reads(1, 5_000);
    const before = retainedHeap();
    for (let c = 0; c < 300; c++) {
      const id = rig.open();
      rig.c(id, connect(`p${c}`));
      rig.s(id, connack());
      for (const read of reads) rig.c(id, read);
      rig.time += 1000;
      rig.engine.close(id, rig.time, 'fin', 'c2s');
    }
    const grown = (retainedHeap() - before) / MiB;
    expect(rig.byCode.get('qos-flow-incomplete')).toBe(300);
    expect(summary.findings).toHaveLength(300);
    // 309 MiB when each finding listed its 5,000 flows; a few MiB now (generous margin).
    expect(grown).toBeLessThan(40);
    expect(printed).toBeGreaterThan(0);
  }, 30_000);
});
