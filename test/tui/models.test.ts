// The TUI's pure parts: ring buffer, viewport, tree model (byte ↔ node),
// hex lines, line editor, layout, and the state at 20 000 packets per second.
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { hexLines, bytesPerLine } from '../../src/views/tui/hex-model.js';
import { computeLayout } from '../../src/views/tui/layout.js';
import { packetRow, headerRow } from '../../src/views/tui/packet-row.js';
import { Ring } from '../../src/views/tui/ring.js';
import { TuiState } from '../../src/views/tui/state.js';
import { nodeForByte, rowText, TreeModel } from '../../src/views/tui/tree-model.js';
import { LineEditor } from '../../src/views/tui/widgets/line-editor.js';
import { Viewport } from '../../src/views/tui/widgets/viewport.js';
import blessed from 'blessed';

const SEED = Buffer.from('3014000b526f6f6d312f4c696768745475726e204f6e', 'hex');
const conn = { id: '127.0.0.1:5-127.0.0.1:1883', client: { host: '127.0.0.1', port: 5 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' as const };

function rec(bytes: Uint8Array, seq: number): PacketRecord {
  const summary = summarize(bytes, { version: 4 });
  return {
    kind: 'packet', seq, frame: seq, time: seq * 50, conn, dir: 'c2s', clientId: 'p1', username: null, version: 4,
    versionInferred: false, bytes, size: bytes.length, summary, topic: summary.topic, notes: summary.notes, findings: [],
    tree: () => dissect(bytes, { version: 4 }),
  };
}

describe('Ring', () => {
  it('keeps the newest capacity items by absolute index and counts the rest', () => {
    const r = new Ring<number>(3);
    for (let i = 0; i < 5; i++) r.push(i);
    expect([r.first, r.end, r.size, r.dropped]).toEqual([2, 5, 3, 2]);
    expect(r.get(1)).toBeUndefined();
    expect([...r]).toEqual([2, 3, 4]);
  });
});

describe('Viewport', () => {
  it('scrolls to keep the selection visible and clamps', () => {
    const v = new Viewport();
    v.setHeight(5);
    v.setCount(100);
    v.select(50);
    expect(v.visible()).toEqual([46, 47, 48, 49, 50]);
    v.page(-1);
    expect(v.sel).toBe(46);
    v.end();
    expect(v.atEnd()).toBe(true);
    v.setCount(10);
    expect(v.sel).toBe(9);
  });
});

describe('TreeModel', () => {
  it('maps each byte to its field and shows bits Wireshark-style', () => {
    const t = new TreeModel();
    const d = dissect(SEED, { version: 4 });
    t.load(d.fields, d.notes, SEED);
    expect(t.fieldAt(nodeForByte(d.fields, 0)!)?.id).toBe('mqtt.hdrflags');
    t.selectByte(1);
    expect(t.selectedField()?.id).toBe('mqtt.len.byte');
    expect(t.rows().map((r) => r.field.id)).toContain('mqtt.len.byte');
    t.selectByte(6);
    expect(t.selectedField()?.id).toBe('mqtt.topic');
    t.expandAll(true);
    const bits = t.rows().find((r) => r.field.id === 'mqtt.msgtype')!;
    expect(rowText(bits, SEED)).toContain('0011 .... = Message Type');
  });
});

describe('hexLines', () => {
  it('reverses exactly the highlighted bytes and picks a width', () => {
    const [line] = hexLines(SEED, { width: 80, highlight: [1, 2] });
    expect(line).toContain('30 {inverse}14{/inverse} 00 0b');
    expect(bytesPerLine(80)).toBe(16);
    expect(bytesPerLine(40)).toBe(8);
    const masked = hexLines(SEED, { width: 80, masked: [[4, 15]] })[0]!;
    expect(masked).not.toContain('52 6f');
    expect(hexLines(new Uint8Array(4096), { width: 80, fromLine: 10, lines: 3 })).toHaveLength(3);
  });
});

describe('LineEditor', () => {
  it('edits, moves and submits', () => {
    const e = new LineEditor('f');
    for (const ch of 'pubish') e.key(ch, { name: ch });
    e.key(undefined, { name: 'left' }); e.key(undefined, { name: 'left' }); e.key(undefined, { name: 'left' });
    e.key('l', { name: 'l' });
    expect(e.value).toBe('publish');
    expect(e.key(undefined, { name: 'enter' })).toBe('submit');
    expect(e.key(undefined, { name: 'escape' })).toBe('cancel');
  });
});

describe('layout and rows', () => {
  it('fits 80×24 and splits at 200×50', () => {
    const a = computeLayout(80, 24);
    expect(a.split).toBe(false);
    expect(a.hex.top + a.hex.height).toBeLessThanOrEqual(22);
    expect(a.list.height).toBeGreaterThanOrEqual(5);
    const b = computeLayout(200, 50);
    expect(b.split).toBe(true);
    expect(b.tree.top).toBe(b.hex.top);
    for (const w of [80, 132, 200]) {
      expect(blessed.stripTags(headerRow(w)).length).toBe(w);
      expect(blessed.stripTags(packetRow(rec(SEED, 1), { width: w, baseTime: 0, selected: false })).length).toBe(w);
    }
  });
});

describe('TuiState', () => {
  it('takes 200 000 packets in well under a second of CPU and stays bounded', () => {
    const s = new TuiState(100_000, true);
    const recs = Array.from({ length: 1000 }, (_, i) => rec(SEED, i + 1));
    const t0 = performance.now();
    for (let i = 0; i < 200_000; i++) s.addPacket(recs[i % 1000]!);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000); // 20 000 packets/s needs < 100 ms per second of traffic
    expect(s.all.size).toBe(100_000);
    expect(s.all.dropped).toBe(100_000);
  });

  it('filters what is kept and every new packet; pause freezes the shown range', () => {
    const s = new TuiState(10, false);
    for (let i = 1; i <= 12; i++) s.addPacket(rec(i % 2 ? SEED : Buffer.from('c000', 'hex'), i));
    s.setFilter('publish', (r) => r.summary.type === 3);
    expect(s.count()).toBe(5);
    s.setPaused(true);
    s.addPacket(rec(SEED, 13));
    expect(s.count()).toBe(5);
    s.setPaused(false);
    expect(s.count()).toBe(6);
  });
});
