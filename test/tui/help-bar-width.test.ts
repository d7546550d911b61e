// The key bar at 80 columns: with the views named `1 p pkts … 5 x findings` it
// stopped at `4 o flows`, so a student at 80×24 never saw the findings view's key.
// The bar names the views by their digits; the letters stay in the `?` overlay.
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import { GLOBAL_KEYS } from '../../src/views/tui/keymap.js';
import { helpBar, helpLines } from '../../src/views/tui/widgets/help-bar.js';

describe('key bar', () => {
  it('reaches the findings view at 80 columns', () => {
    const bar = blessed.stripTags(helpBar(GLOBAL_KEYS, 80));
    expect(bar.length).toBeLessThanOrEqual(80);
    expect(bar).toContain('1 pkts');
    expect(bar).toContain('5 findings');
  });

  it('keeps both keys of each view in the overlay', () => {
    const text = helpLines([{ title: 'Everywhere', items: GLOBAL_KEYS }]).map((l) => l.text).join('\n');
    expect(text).toMatch(/5 x\s+findings/);
    expect(text).toMatch(/1 p\s+packets/);
  });
});
