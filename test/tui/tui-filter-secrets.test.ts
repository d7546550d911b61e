// The real TUI in tmux: a display filter that compares the password with a literal
// filters on the real password, but the literal is never on screen without
// --show-secrets: not in the title's `filter:` echo, not in the filter prompt
// (typed, or re-opened with `/` to edit the applied filter). With --show-secrets
// both show it. The demo capture's refused CONNECT carries the password "wrong-secret".
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-filter-secrets');
const FILTER = 'mqtt.passwd == "wrong-secret"';
const MASKED = 'mqtt.passwd == "************"';

/** Lines of the packet list (rows that start with a packet number). */
function listRows(screen: string): string[] {
  return screen.split('\n').filter((l) => /^\s*\d+\s+\d+\.\d{3}\s/.test(l));
}

describe('TUI filter on a password (tmux)', () => {
  it('masks the compared literal in the title and in the filter prompt', async () => {
    const s = suite.open(140, 30);
    await s.waitText('FILE (end)');
    s.send('/');
    s.send(FILTER, true);
    // Typed into the prompt: shown as asterisks, as in a password field.
    let screen = await s.waitText(`Filter: ${MASKED}`);
    expect(screen).not.toContain('wrong-secret');
    s.send('Enter');
    screen = await s.waitText('shown 1');
    // It filters on the real password: only the refused CONNECT matches.
    const rows = listRows(screen);
    expect(rows.length, screen).toBe(1);
    expect(rows[0]).toMatch(/intruder\s+→ CONNECT/);
    expect(screen).toContain(`filter: ${MASKED}`);
    expect(screen).not.toContain('wrong-secret');

    // `/` opens the prompt on the applied filter: still masked, and Enter applies the real one again.
    s.send('/');
    screen = await s.waitText(`Filter: ${MASKED}`);
    expect(screen).not.toContain('wrong-secret');
    s.send('Enter');
    screen = await s.waitText('filter applied: 1 of 15');
    expect(listRows(screen).length, screen).toBe(1);
    expect(screen).not.toContain('wrong-secret');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);

  it('shows the literal with --show-secrets', async () => {
    const s = suite.open(140, 30, { showSecrets: true });
    await s.waitText('FILE (end)');
    s.send('/');
    s.send(FILTER, true);
    await s.waitText(`Filter: ${FILTER}`);
    s.send('Enter');
    const screen = await s.waitText('shown 1');
    expect(screen).toContain(`filter: ${FILTER}`);
    s.send('/');
    await s.waitText(`Filter: ${FILTER}`);
    await s.sendEscape();
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
