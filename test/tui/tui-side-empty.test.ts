// A side view with no rows said "(nothing yet)" also for a capture read to its end,
// where nothing more will come: a student waited for findings that could not appear.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-side-empty');

describe('TUI empty side view on a whole capture (tmux)', () => {
  it('says there are none in the capture, not nothing yet', async () => {
    const s = suite.open(80, 24, { file: join(ROOT, 'captures/keepalive.pcap') });
    await s.waitText('FILE (end)');
    s.send('5');
    const screen = await s.waitText('Findings (0)');
    expect(screen).toContain('(none in this capture)');
    expect(screen).not.toContain('nothing yet');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
