// The packet table's renderer. cli-table3 draws the tables of the table view,
// but it spends close to 300 µs per row (every cell merges some twenty options
// and measures its text with a freshly compiled ANSI regex several times), so a
// live table view topped out near 3,400 packets/s (bench/views.bench.mjs). Packet rows are simple: one
// line per cell, left-aligned, no spans, no wrapping. For exactly that shape this
// draws the same bytes as cli-table3 with the view's options (the compact border
// set, cyan+bold headings and grey borders when coloured); a property test holds
// it to cli-table3's output. Finding tables, which wrap text, still use cli-table3.
import stringWidth from 'string-width';

const GREY = ['\x1b[90m', '\x1b[39m'] as const;

/** Widths of texts that are not plain ASCII (arrows, colour codes, wide characters), which repeat from row to row. */
const wideCache = new Map<string, number>();
const WIDE_CACHE_MAX = 4096;

/** Display width as cli-table3 measures it: ANSI colour codes stripped, wide characters 2. */
export function cellWidth(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      let w = wideCache.get(s);
      if (w === undefined) {
        // string-width compiles its ANSI and emoji patterns on every call: measure each text once.
        w = stringWidth(s.replace(/\u001b\[(?:\d*;){0,5}\d*m/g, ''));
        if (wideCache.size >= WIDE_CACHE_MAX) wideCache.clear();
        wideCache.set(s, w);
      }
      return w;
    }
  }
  return s.length;
}

/**
 * A table of single-line cells with a heading row, drawn as cli-table3 draws
 * `new Table({ head, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
 * style: coloured ? { head: ['cyan', 'bold'], border: ['grey'] } : { head: [], border: [] } })`.
 * Cells must not contain line breaks (the views' texts never do: control characters are escaped).
 */
export function renderGrid(head: readonly string[], rows: readonly (readonly string[])[], coloured: boolean): string {
  const n = head.length;
  const headWidths = head.map(cellWidth);
  const widths = headWidths.slice();
  const rowWidths: number[][] = [];
  for (const r of rows) {
    const ws = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      const w = cellWidth(r[j] ?? '');
      ws[j] = w;
      if (w > widths[j]!) widths[j] = w;
    }
    rowWidths.push(ws);
  }
  const border = coloured ? (s: string): string => GREY[0] + s + GREY[1] : (s: string): string => s;
  const rule = (left: string, joint: string, right: string): string => {
    let out = '';
    for (let j = 0; j < n; j++) {
      const seg = (j === 0 ? left : joint) + '─'.repeat(widths[j]! + 2) + (j === n - 1 ? right : '');
      out += border(seg);
    }
    return out;
  };
  const bar = border('│');
  const line = (cells: readonly string[], ws: readonly number[], isHead: boolean): string => {
    let out = '';
    for (let j = 0; j < n; j++) {
      const text = ' ' + (cells[j] ?? '') + ' '.repeat(widths[j]! - ws[j]! + 1);
      out += bar + (isHead && coloured ? `\x1b[1m\x1b[36m${text}\x1b[39m\x1b[22m` : text);
    }
    return out + bar;
  };
  const lines = [rule('┌', '┬', '┐'), line(head, headWidths, true)];
  rows.forEach((r, i) => lines.push(line(r, rowWidths[i]!, false)));
  lines.push(rule('└', '┴', '┘'));
  return lines.join('\n');
}
