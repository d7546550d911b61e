// The side views' details area, in a real terminal: every line is wrapped to the width
// and the area grows into the table for a long text. At 80 columns the clients view cut
// `user user1` and `packets N` off its first two lines, and a finding's explanation (the
// reason a refused login or an ACL drop happened) was cut below the area's last row with
// no mark that anything was missing.
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

describe('TUI side-view details (tmux)', () => {
  const suite = demoCaptureSuite('tui-side-details');

  it('wraps the client details at 80 columns instead of cutting the user and packet count', async () => {
    const s = suite.open(80, 24);
    await s.waitText('FILE (end)');
    s.send('2');
    await s.waitText('Clients / sessions');
    s.send('Down');
    s.send('Down');
    const screen = await s.waitText('client id "intruder"');
    const details = screen.slice(screen.indexOf(' Details'));
    expect(details).toContain('user user1');
    expect(details).toMatch(/packets 2\b/);
    s.send('q');
  }, 30_000);

  it('shows a finding explanation to its last word on a 60-column terminal', async () => {
    const s = suite.open(60, 24);
    await s.waitText('FILE (end)');
    s.send('5');
    const screen = await s.waitText('connect-refused  client');
    const details = screen.slice(screen.indexOf(' Details'));
    // The finding text ends with the mosquitto setting that explains the refusal.
    expect(details.replace(/\s+/g, ' ')).toContain('(allow_anonymous false).');
    // The table keeps its one row above the details.
    expect(screen).toMatch(/error\s+connect-refused/);
    s.send('q');
  }, 30_000);

  it('ends a details text that does not fit with an ellipsis', async () => {
    const s = suite.open(40, 14);
    await s.waitText('FILE (end)');
    s.send('5');
    const screen = await s.waitText(' Details');
    const lines = screen.split('\n');
    // The last non-blank line between the Details header and the key bar (the message line is blank).
    const body = lines.slice(lines.findIndex((l) => l.startsWith(' Details')) + 1, lines.findIndex((l) => l.startsWith('? keys')));
    const last = body.filter((l) => l.trim()).pop() ?? '';
    expect(body.length).toBeGreaterThan(2);
    expect(last.trimEnd().endsWith('…'), screen).toBe(true);
    s.send('q');
  }, 30_000);
});
