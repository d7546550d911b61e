// A terminal too short for the field tree and hex panes (under 11 rows) shows the
// list only; Tab and Enter then keep the focus on the list, which keeps answering
// the arrow keys (the focus went to the hidden tree and the keys did nothing), and
// a resize that drops the focused pane gives the focus back to the list.
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';
import type { TmuxSession } from './tmux.js';

const suite = demoCaptureSuite('tui-small');

/**
 * Which packet row (1-based, from the top of the list) is drawn in reverse video (the
 * selection, list focused). The rows show frame numbers, so the position is what tells.
 */
function selectedRow(s: TmuxSession): number | null {
  // eslint-disable-next-line no-control-regex
  const rows = s.capture(true).split('\n').filter((l) => /^(?:\x1b\[[\d;]*m)*\s*\d+\s+\d+\.\d{3}\s/.test(l));
  const i = rows.findIndex((l) => /^(?:\x1b\[[\d;]*m)*\x1b\[(?:[\d;]*;)?7m/.test(l));
  return i < 0 ? null : i + 1;
}

describe('TUI at 80×10 (list only)', () => {
  it('Tab and Enter leave the focus on the list, which still moves', async () => {
    const s = suite.open(80, 10);
    const screen = await s.waitText('FILE (end)');
    expect(screen).not.toContain('Packet 1 (frame');
    await s.waitFor(() => selectedRow(s) === 1, 'packet 1 selected');
    s.send('Tab');
    await s.waitText('need a terminal of 11 rows');
    s.send('Down');
    await s.waitFor(() => selectedRow(s) === 2, 'Down after Tab moves the selection');
    s.send('Enter');
    s.send('Down');
    await s.waitFor(() => selectedRow(s) === 3, 'Down after Enter moves the selection');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);

  it('a resize that hides the focused tree gives the focus back to the list', async () => {
    const s = suite.open(80, 24);
    await s.waitText('FILE (end)');
    s.send('Tab');
    await s.waitFor((x) => /\x1b\[(?:[\d;]*;)?46m/.test(s.capture(true)) && x.includes('Packet 1 (frame'), 'tree focused');
    s.resize(80, 10);
    await s.waitFor((x) => !x.includes('Packet 1 (frame'), 'tree hidden');
    s.send('Down');
    await s.waitFor(() => selectedRow(s) === 2, 'Down moves the list selection');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
