// In the side views `g` and `G` go to the first and last row, as they do in the packet
// list, the tree and the hex pane (the help and docs/tui.md say so); they did nothing
// there while `k` and `j` worked.
import { describe, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-side-keys');

describe('TUI side-view keys (tmux)', () => {
  it('G selects the last client and g the first', async () => {
    const s = suite.open(80, 24);
    await s.waitText('FILE (end)');
    s.send('2');
    await s.waitText('client id "sub1"');
    s.send('G', true);
    await s.waitText('client id "intruder"');
    s.send('g', true);
    await s.waitText('client id "sub1"');
    s.send('q');
  }, 30_000);
});
