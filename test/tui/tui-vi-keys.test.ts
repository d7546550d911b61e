// The vi keys the help lists work in every pane that has them: in the field
// tree, `l` expands a node and `h` collapses it again (before, `l` worked and
// `h` did nothing there), and the `?` overlay lists them.
import { describe, expect, it } from 'vitest';
import { PACKET_KEYS } from '../../src/views/tui/keymap.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-vi-keys');

describe('TUI vi keys (tmux)', () => {
  it('h collapses the tree node that l expanded', async () => {
    const s = suite.open(80, 40);
    await s.waitText('FILE (end)');
    s.send('Enter');
    await s.waitText('▸ Header Flags');
    s.send('l', true);
    await s.waitText('▾ Header Flags');
    s.send('h', true);
    await s.waitText('▸ Header Flags');
    expect(s.capture()).not.toContain('▾ Header Flags');
    s.send('q');
  }, 30_000);
  it('the key help names them', () => {
    const text = PACKET_KEYS.map((k) => `${k.keys} ${k.what}`).join('\n');
    expect(text).toContain('also k j');
    expect(text).toContain('also l h');
  });
});
