// The `?` keys overlay in a real terminal (tmux 80×24, the default size): it has
// its border, and what does not fit scrolls, so the packet-view and prompt keys
// at its end can be read (they were cut off below the screen).
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-overlay');

/** The overlay's body rows: between its left and right border (tmux shows the ACS line as `x` or `│`). */
function overlayRows(screen: string): string[] {
  return screen.split('\n').map((l) => /^.?[x│](.*)[x│]/.exec(l)?.[1]?.trimEnd()).filter((l): l is string => l !== undefined);
}

describe('keys overlay (tmux 80×24)', () => {
  it('is framed and scrolls to its last key', async () => {
    const s = suite.open(80, 24);
    await s.waitText('FILE (end)');
    s.send('?');
    let screen = await s.waitText('mqttscope keys');
    const lines = screen.split('\n');
    const title = lines.findIndex((l) => l.includes('mqttscope keys'));
    // The top border right above the title row.
    expect(lines[title - 1], screen).toMatch(/[q─]{20}/);
    expect(screen).toMatch(/scroll \(1–\d+ of \d+\)/);
    expect(overlayRows(screen).some((l) => l.includes('clear to the start'))).toBe(false);
    // A long description wraps under its own column instead of being cut at the border.
    expect(screen).toMatch(/display filter \(Wireshark-style, e\.g\. publish && topic\s*[x│]\n.?[x│]\s+matches "home\/#"\)/);
    s.send('End');
    screen = await s.waitText('clear to the start');
    expect(screen).toContain('Tab / S-Tab');
    expect(screen).toContain('mqttscope keys');
    // PgUp scrolls back; a key that does not scroll closes it.
    s.send('PageUp');
    s.send('Home');
    screen = await s.waitFor((x) => x.includes('Everywhere'), 'back at the top');
    s.send('x');
    await s.waitFor((x) => !x.includes('mqttscope keys') && x.includes('Packet 1 (frame'), 'overlay closed');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);

  it('closes on any key when it fits (200×60)', async () => {
    const s = suite.open(200, 60);
    await s.waitText('FILE (end)');
    s.send('?');
    const screen = await s.waitText('clear to the start');
    expect(screen).toContain('any key closes');
    s.send('Down');
    await s.waitFor((x) => !x.includes('mqttscope keys'), 'overlay closed by Down');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
