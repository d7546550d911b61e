// The title bar on a narrow terminal: at 40 columns the packet and finding counts
// were cut off behind "mqttscope | FILE (end) | …"; when the usual title does not
// fit they come first. At 80 columns the title is as it was.
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-title-narrow');

describe('title bar width (tmux)', () => {
  it('puts the counts first at 40 columns and keeps the usual order at 80', async () => {
    const s = suite.open(40, 12);
    let screen = await s.waitText('FILE (end)');
    expect(screen.split('\n')[0]).toMatch(/^ 15 pkts \| 1 findings \| FILE \(end\)/);
    s.resize(80, 24);
    screen = await s.waitText('mqttscope | FILE (end) | 15 pkts | 1 findings');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
