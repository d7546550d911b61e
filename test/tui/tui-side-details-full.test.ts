// A side view's details that do not fit their area (a finding's explanation on a small
// terminal) ended in `…` with no way to read the rest. The Details header now says the
// text is cut, and `d` opens it in full in the overlay, which scrolls.
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

describe('TUI side-view details in full (tmux)', () => {
  const suite = demoCaptureSuite('tui-side-details-full');

  it('d shows the whole finding text, to its last word, on a 40x14 terminal', async () => {
    const s = suite.open(40, 14);
    await s.waitText('FILE (end)');
    s.send('5');
    const cut = await s.waitText(' Details');
    expect(cut).toContain('Details (cut: d shows all)');
    expect(cut).not.toContain('false).');
    s.send('d');
    const top = await s.waitText('↑↓ scroll, other key closes');
    expect(top).toContain('connect-refused');
    s.send('End');
    // The finding text ends with the mosquitto setting that explains the refusal.
    await s.waitText('false).');
    s.send('x'); // any other key closes the overlay
    await s.waitFor((x) => x.includes('Details (cut: d shows all)') && !x.includes('false).'), 'overlay closed');
    s.send('q');
  }, 30_000);

  it('Enter in the clients view opens the selected client in full', async () => {
    const s = suite.open(40, 14);
    await s.waitText('FILE (end)');
    s.send('2');
    await s.waitText(' Details');
    s.send('Enter');
    const screen = await s.waitText('other key closes');
    expect(screen).toContain('client id "sub1"');
    expect(screen).toContain('127.0.0.1:50002-127.0.0.1:1883');
    s.send('q');
  }, 30_000);
});

describe('TUI side view too short for its details area (tmux)', () => {
  const suite = demoCaptureSuite('tui-side-details-short');

  it('at 80x10 the title points at d, which shows the details', async () => {
    const s = suite.open(80, 10);
    await s.waitText('FILE (end)');
    s.send('2');
    const screen = await s.waitText('Clients / sessions (3)');
    expect(screen).not.toContain(' Details');
    expect(screen).toContain('Clients / sessions (3)  d: details');
    s.send('d');
    await s.waitText('client id "sub1"');
    s.send('q');
  }, 30_000);
});
