// The packet table's own renderer must draw exactly what cli-table3 draws for
// the same rows and options: cli-table3 is the oracle here.
import Table from 'cli-table3';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { palette } from '../../src/views/color.js';
import { cellWidth, renderGrid } from '../../src/views/grid.js';
import { PACKET_COLUMNS, renderPacketTable } from '../../src/views/table.js';
import { sampleRecords } from './sample.js';

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/**
 * cli-table3 colours through @colors/colors, which decides at load time from the
 * terminal and the environment (CI=true without a TTY turns it off): switch it on
 * for the coloured oracle, so the comparison does not depend on where tests run.
 */
const colors = createRequire(import.meta.url)('@colors/colors/safe') as { enabled: boolean };

function oracle(head: string[], rows: string[][], coloured: boolean): string {
  const was = colors.enabled;
  colors.enabled = coloured;
  try {
    const t = new Table({ head, chars: COMPACT, style: coloured ? { head: ['cyan', 'bold'], border: ['grey'] } : { head: [], border: [] } });
    for (const r of rows) t.push(r);
    return t.toString();
  } finally {
    colors.enabled = was;
  }
}

const P = palette(true);
/** Cell texts like the views make: ASCII, arrows, ellipses, accented and wide characters, emoji, colour codes. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom('→', '←', '…', 'é', 'ü', '漢字', 'ｱ', '😀', 'e\u0301', '⚠ qos-3', '✖ bad', '"x"…', '\\x1b') },
);
const cell = fc.tuple(fc.array(piece, { maxLength: 3 }), fc.constantFrom('none', 'red', 'yellow', 'cyan', 'bold', 'dim'))
  .map(([parts, colour]) => {
    const s = parts.join('');
    return colour === 'none' ? s : P[colour as 'red'](s);
  });

describe('packet grid renderer', () => {
  it('draws what cli-table3 draws, plain and coloured', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(
        fc.array(fc.string({ maxLength: 8 }).map((s) => s.replace(/[^ -~]/g, 'x')), { minLength: n, maxLength: n }),
        fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 6 }),
      )),
      fc.boolean(),
      ([head, rows], coloured) => {
        expect(renderGrid(head, rows, coloured)).toBe(oracle(head, rows, coloured));
      },
    ), { numRuns: 1500 });
  });

  it('measures widths as cli-table3 does', () => {
    expect(cellWidth('abc')).toBe(3);
    expect(cellWidth('漢字')).toBe(4);
    expect(cellWidth(P.red('abc'))).toBe(3);
    expect(cellWidth('é')).toBe(1);
    expect(cellWidth('')).toBe(0);
  });

  it('the packet table of the sample records is cli-table3\'s, with and without colour', () => {
    const recs = sampleRecords().filter((r) => r.kind === 'packet');
    for (const color of [false, true]) {
      const ours = renderPacketTable(recs, { color });
      expect(ours.split('\n')).toHaveLength(recs.length + 3);
      if (!color) expect(ours.split('\n')[1]).toMatch(/^│ #  +│ Time +│/);
      // Rebuild the same rows through cli-table3 from the rendered cells: split on the column bars.
      const bar = color ? '\x1b[90m│\x1b[39m' : '│';
      const rows = ours.split('\n').slice(2, -1).map((l) => l.split(bar).slice(1, -1).map((c) => c.replace(/^ /, '').replace(/ +$/, '')));
      expect(rows).toHaveLength(recs.length);
      expect(ours).toBe(oracle([...PACKET_COLUMNS], rows, color));
    }
  });
});
