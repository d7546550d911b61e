import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTableView, createView, renderFindingTable, renderPacketTable, stripAnsi } from '../../src/views/index.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { sampleRecords } from './sample.js';

function sink(): { out: { write(s: string): void }; text: () => string; writes: string[] } {
  const writes: string[] = [];
  return { out: { write: (s: string) => { writes.push(s); } }, text: () => writes.join(''), writes };
}

const packets = (): PacketRecord[] => sampleRecords().filter((r): r is PacketRecord => r.kind === 'packet');
const findings = (): Finding[] => sampleRecords().filter((r): r is Finding => r.kind === 'finding');

describe('table view', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('one row per packet with the line view columns', () => {
    const t = renderPacketTable(packets(), { utc: true });
    const rows = t.split('\n');
    expect(rows[1]).toMatch(/│ # +│ Time +│ Client +│ +│ Type +│ Flags +│ Id +│ Topic +│ Len +│ Payload +│ Details +│ Notes +│/);
    const pub = rows.find((r) => r.includes('panama/colon/user1'))!;
    expect(pub).toMatch(/│ 7 +│ 18:00:01\.524 │ p-deny +│ → │ PUBLISH +│ d0 q0 r0 │ +│ panama\/colon\/user1 │ 25 +│ 5 "hello" +│/);
    expect(rows.find((r) => r.includes('PUBACK'))).toContain('rc=0x87 Not authorized');
    expect(rows.find((r) => r.includes('intruder'))).toContain('rc=5 Not authorized');
    expect(rows.find((r) => r.includes('user=user1'))).toContain('pw=********');
    expect(t).not.toContain('s3cret');
    expect(rows.find((r) => r.includes('#11') || r.includes('│ 11 '))).toContain('✖ qos-3');
    expect(rows).toHaveLength(packets().length + 3); // top, head, rows, bottom
  });

  it('findings go into their own table with wrapped text', () => {
    const t = renderFindingTable(findings(), { utc: true });
    expect(t).toContain('undelivered-publish');
    expect(t).toContain('connect-refused');
    expect(t).toContain('│ error');
    for (const line of t.split('\n')) expect([...line].length).toBeLessThan(160);
  });

  it('streams: a table per batch, the rest at end, findings after their batch', () => {
    const s = sink();
    const v = createTableView({ out: s.out, batchSize: 4, flushMs: 0 });
    const recs = sampleRecords();
    v.record(recs[0]!); v.record(recs[1]!); v.record(recs[2]!);
    expect(s.writes).toHaveLength(0);
    v.record(recs[3]!);
    expect(s.writes).toHaveLength(1);
    for (const r of recs.slice(4)) v.record(r);
    v.end();
    const text = s.text();
    expect(text.match(/┌/g)!.length).toBeGreaterThanOrEqual(4);
    for (const r of recs) if (r.kind === 'packet') expect(text).toContain(`│ ${r.frame} `);
    expect(text.indexOf('undelivered-publish')).toBeGreaterThan(text.indexOf('panama/colon/user1'));
  });

  it('prints what is pending after an idle pause (live use)', () => {
    vi.useFakeTimers();
    const s = sink();
    const v = createTableView({ out: s.out, flushMs: 200 });
    v.record(sampleRecords()[0]!);
    expect(s.writes).toHaveLength(0);
    vi.advanceTimersByTime(250);
    expect(s.writes).toHaveLength(1);
    v.end();
    expect(s.writes).toHaveLength(1);
  });

  it('colour only when asked', () => {
    const recs: OutputRecord[] = sampleRecords();
    const plain = sink();
    const a = createView('table', { out: plain.out });
    recs.forEach((r) => a.record(r)); a.end();
    expect(plain.text()).not.toContain('\x1b[');
    const col = sink();
    const b = createView('table', { out: col.out, color: true });
    recs.forEach((r) => b.record(r)); b.end();
    expect(col.text()).toContain('\x1b[31m');
    expect(stripAnsi(col.text()).replace(/\s+/g, ' ')).toContain('rc=0x87 Not authorized');
  });
});
