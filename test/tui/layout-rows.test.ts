// Pure layout, hex and row rules: side-view headers, tiny terminals, 6-digit
// hex offsets, and the `*` mark of a finding jump on a packet with a problem.
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { bytesPerLine, hexLines, lineCount, lineOf } from '../../src/views/tui/hex-model.js';
import { computeLayout, type Rect } from '../../src/views/tui/layout.js';
import { packetRow } from '../../src/views/tui/packet-row.js';

const SEED = Buffer.from('3014000b526f6f6d312f4c696768745475726e204f6e', 'hex');

describe('computeLayout', () => {
  it('gives the side views a title line and a column-header line', () => {
    for (const [w, h] of [[80, 24], [200, 50], [40, 12]] as const) {
      const L = computeLayout(w, h);
      expect(L.sideHead.height).toBe(2);
      expect(L.side.top).toBe(L.sideHead.top + 2);
      expect(L.side.top + L.side.height).toBeLessThanOrEqual(L.sideDetail.top);
    }
  });

  it('shows side-view rows however short the terminal (a 5-row one showed a blank middle)', () => {
    for (const h of [4, 5, 6, 12, 24]) {
      const L = computeLayout(80, h);
      const middle = h - 3;
      expect(L.side.height, `rows at 80×${h}`).toBeGreaterThanOrEqual(1);
      expect(L.sideHead.height + L.side.height + L.sideDetail.height, `80×${h}`).toBe(middle);
      expect(L.side.top).toBe(L.sideHead.top + L.sideHead.height);
    }
    expect(computeLayout(80, 5).sideHead.height).toBe(1);
    expect(computeLayout(80, 4).sideHead.height).toBe(0);
  });

  it('keeps every pane inside terminals under 10 rows or 20 columns, the prompt line first', () => {
    for (const [w, h] of [[80, 24], [20, 10], [19, 9], [12, 6], [40, 4], [40, 3], [10, 2], [30, 1]] as const) {
      const L = computeLayout(w, h);
      const rects = Object.entries(L).filter(([, v]) => typeof v === 'object') as [string, Rect][];
      for (const [name, rc] of rects) {
        if (rc.height === 0) continue;
        expect(rc.top + rc.height, `${name} at ${w}×${h}`).toBeLessThanOrEqual(h);
        expect(rc.left + rc.width, `${name} at ${w}×${h}`).toBeLessThanOrEqual(w);
        expect(rc.top, `${name} at ${w}×${h}`).toBeGreaterThanOrEqual(0);
      }
      expect(L.message.height, `message at ${w}×${h}`).toBe(1);
      if (h >= 3) expect([L.title.height, L.help.height]).toEqual([1, 1]);
      // No two shown packet-view panes overlap.
      const shown = ['title', 'listHead', 'list', 'treeHead', 'tree', 'hexHead', 'hex', 'message', 'help']
        .map((k) => L[k as 'title']).filter((rc) => rc.height > 0);
      for (const a of shown) for (const b of shown) {
        if (a === b) continue;
        const overlap = a.top < b.top + b.height && b.top < a.top + a.height && a.left < b.left + b.width && b.left < a.left + a.width;
        expect(overlap, `${JSON.stringify(a)} × ${JSON.stringify(b)} at ${w}×${h}`).toBe(false);
      }
    }
  });
});

describe('hex lines past 64 KiB', () => {
  it('fits offset, hex and ASCII in the width with 6-digit offsets', () => {
    const big = new Uint8Array(0x20_0010).fill(0x41);
    for (let w = 20; w <= 120; w++) {
      const n = bytesPerLine(w, big.length);
      const [line] = hexLines(big, { width: w, fromLine: lineCount(big.length, w) - 1, lines: 1 });
      const text = blessed.stripTags(line!);
      expect(text.length, `width ${w}: ${text}`).toBeLessThanOrEqual(Math.max(w, 6 + 2 + 4 * 3 + 1 + 4));
      expect(text).toMatch(/^20000[0-9a-f] /);
      expect(lineOf(big.length - 1, w, big.length)).toBe(Math.floor((big.length - 1) / n));
    }
    expect(bytesPerLine(74, big.length)).toBe(16);
    expect(bytesPerLine(73, big.length)).toBe(8);
    expect(bytesPerLine(72, 100)).toBe(16);
  });
});

describe('packetRow marks', () => {
  it('shows * on a marked row even when the packet has a finding', () => {
    const summary = summarize(SEED, { version: 4 });
    const conn = { id: 'c', client: { host: '127.0.0.1', port: 5 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' as const };
    const rec: PacketRecord = {
      kind: 'packet', seq: 1, frame: 1, time: 0, conn, dir: 'c2s', clientId: 'p1', username: null, version: 4,
      versionInferred: false, bytes: SEED, size: SEED.length, summary, topic: summary.topic, notes: [], findings: ['undelivered-publish'],
      tree: () => { throw new Error('unused'); },
    };
    for (const selected of [false, true]) {
      const marked = blessed.stripTags(packetRow(rec, { width: 80, baseTime: 0, selected, marked: true }));
      expect(marked.endsWith('*')).toBe(true);
      const plain = blessed.stripTags(packetRow(rec, { width: 80, baseTime: 0, selected }));
      expect(plain.endsWith('!')).toBe(true);
    }
  });
});
