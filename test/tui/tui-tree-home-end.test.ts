// Home and End (and g G) move to the first and last field of the tree when it has
// the focus, as the help says for the focused pane (they did nothing there).
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-tree-home-end');

describe('TUI tree Home / End (tmux)', () => {
  it('End selects the last field, Home the first', async () => {
    const s = suite.open(80, 40);
    await s.waitText('FILE (end)');
    s.send('Enter');
    await s.waitText('▸ Header Flags');
    s.send('End');
    const end = await s.waitFor((x) => !/Bytes 0–0 of \d+ \(1\): Header Flags/.test(x), 'a field other than Header Flags');
    // Packet 1 is a CONNECT: its last field is the Client ID.
    expect(end).toMatch(/ Bytes \d+–\d+ of \d+ \(\d+\): Client ID *$/m);
    s.send('Home');
    await s.waitFor((x) => /Bytes 0–0 of \d+ \(1\): Header Flags/.test(x), 'Header Flags');
    // g and G do the same, as in the list.
    s.send('G', true);
    await s.waitFor((x) => / Bytes \d+–\d+ of \d+ \(\d+\): Client ID *$/m.test(x), 'G: the last field');
    s.send('g', true);
    await s.waitFor((x) => /Bytes 0–0 of \d+ \(1\): Header Flags/.test(x), 'Header Flags');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
