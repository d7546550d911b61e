// The analysis warm-up (src/analysis/warm-up.ts): synthetic traffic through a
// private Engine + Analyzer. It must be clean traffic (no finding: otherwise it
// warms the wrong paths), cover what it says, and leave no trace in a real run.
import { describe, expect, it } from 'vitest';
import { WarmUp } from '../../src/analysis/warm-up.js';
import { Analyzer } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';

function runAll(w: WarmUp): number {
  let steps = 0;
  while (w.step()) steps++;
  return steps;
}

describe('analysis warm-up', () => {
  it('is clean MQTT 3.1.1 and 5.0 traffic: every packet decodes without notes and analysis finds nothing', () => {
    const recs: OutputRecord[] = [];
    const w = new WarmUp({ keepRecords: false, keepFlows: 0 }, (r) => recs.push(r));
    const steps = runAll(w);
    expect(w.done).toBe(true);
    expect(w.step()).toBe(false);
    // Yields between bursts: many small steps, not one long one.
    expect(steps).toBeGreaterThan(50);
    const findings = recs.filter((r) => r.kind === 'finding');
    expect(findings.map((f) => (f as { text: string }).text)).toEqual([]);
    const packets = recs.filter((r): r is PacketRecord => r.kind === 'packet');
    expect(packets.filter((p) => p.notes.length > 0).map((p) => p.notes)).toEqual([]);
    // Both versions, every packet type of a QoS 0/1/2 exchange, bursts of many packets a chunk.
    expect(new Set(packets.map((p) => p.version))).toEqual(new Set([4, 5]));
    const types = new Set(packets.map((p) => p.summary.type));
    for (const t of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14]) expect(types.has(t), `type ${t}`).toBe(true);
    for (const q of [0, 1, 2]) expect(packets.some((p) => p.summary.type === 3 && p.summary.qos === q && p.dir === 's2c'), `QoS ${q} delivery`).toBe(true);
    expect(packets.some((p) => p.summary.type === 3 && p.summary.retain)).toBe(true);
    const perChunk = new Map<Uint8Array, number>();
    // (PUBLISHes only: the ping packets are shared constants, fed many times.)
    for (const p of packets) if (p.summary.type === 3) perChunk.set(p.chunk, (perChunk.get(p.chunk) ?? 0) + 1);
    expect(Math.max(...perChunk.values())).toBe(100);
    expect([...perChunk.values()].filter((n) => n === 1).length).toBeGreaterThan(500);
    expect(packets.length).toBeGreaterThan(40_000);
  });

  it('leaves no trace: a real run after a warm-up gives the same records as one without', () => {
    const realRun = (): string[] => {
      const out: string[] = [];
      const sink = (r: OutputRecord): void => {
        out.push(r.kind === 'packet' ? `p ${r.seq} ${r.frame} ${r.clientId} ${r.summary.type} ${r.topic}` : `f ${r.code} ${r.text}`);
      };
      const e = new Engine({ onRecord: sink, observers: [new Analyzer(sink)] });
      const meta = { id: '10.0.0.1:5000-10.0.0.2:1883', client: { host: '10.0.0.1', port: 5000 }, server: { host: '10.0.0.2', port: 1883 }, transport: 'tcp' as const };
      e.open(meta, 1_000_000);
      // CONNECT 3.1.1, client id "a", keep alive 60
      e.data(meta.id, 'c2s', Uint8Array.of(0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x61), 1_000_010);
      // CONNACK accepted
      e.data(meta.id, 's2c', Uint8Array.of(0x20, 2, 0, 0), 1_000_020);
      // PUBLISH QoS 1 topic "t" packet id 1, payload "x", never acknowledged
      e.data(meta.id, 'c2s', Uint8Array.of(0x32, 6, 0, 1, 0x74, 0, 1, 0x78), 1_000_030);
      e.end(60_000_000);
      return out;
    };
    const before = realRun();
    runAll(new WarmUp());
    const after = realRun();
    expect(after).toEqual(before);
    // The run has findings of its own (the unacknowledged PUBLISH): the comparison covers them.
    expect(before.some((l) => l.startsWith('f '))).toBe(true);
  });
});
