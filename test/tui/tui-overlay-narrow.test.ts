// The keys overlay at 40×12: the hint "any other key closes" was cut off the end of
// the title line, so a student did not learn how to leave it. Too narrow for both,
// the hint goes, shorter, on the line under the title.
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-overlay-narrow');

describe('keys overlay at 40×12 (tmux)', () => {
  it('says how to scroll and close it', async () => {
    const s = suite.open(40, 12);
    await s.waitText('FILE (end)');
    s.send('?');
    let screen = await s.waitText('mqttscope keys');
    expect(screen).toMatch(/1–\d+\/\d+ ↑↓ scroll, other key closes/);
    s.send('Down');
    screen = await s.waitText('2–');
    expect(screen).toMatch(/2–\d+\/\d+ ↑↓ scroll, other key closes/);
    s.send('x');
    await s.waitFor((x) => !x.includes('mqttscope keys'), 'overlay closed');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
