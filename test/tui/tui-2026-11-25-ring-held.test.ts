// Live, not following, with the ring full: the packet being read leaves the kept list
// (the oldest are pushed out). The tree and hex panes keep it, and the title says it is
// no longer in the list. They fell to the oldest kept packet instead, pushed out in turn
// at the next render, so the panes ran through packets as fast as they arrived.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, removeDist, ROOT } from './build.js';
import { requireTmux, TmuxSession } from './tmux.js';

let dist = '';
const sessions: TmuxSession[] = [];

beforeAll(() => {
  requireTmux();
  dist = buildDist('tui-ring-held');
});

afterAll(() => {
  for (const s of sessions) s.kill();
  removeDist(dist);
});

const packetNo = (screen: string): string | undefined => /Packet (\d+) \(frame/.exec(screen)?.[1];

describe('TUI live: a packet read while the ring drops it (tmux)', () => {
  it('keeps the packet in the panes, says so, and lets go on a move in the list', async () => {
    // 40 packets kept; 1,500 arrive (5 every 20 ms), so the ring is full within a second.
    const s = new TmuxSession(`RING=40 node ${JSON.stringify(join(ROOT, 'test/tui/harness.mjs'))} ${JSON.stringify(dist)} --live 1500`, 80, 24, ROOT);
    sessions.push(s);
    await s.waitText('live/60');
    s.send('Up');
    const first = await s.waitText('NOT FOLLOWING (f)');
    const held = packetNo(first);
    expect(held, first).toBeDefined();
    const gone = await s.waitText('no longer listed)');
    expect(packetNo(gone), gone).toBe(held);
    // Packets go on arriving and being dropped: the panes stay on the one being read.
    await new Promise((r) => setTimeout(r, 700));
    const later = s.capture();
    expect(packetNo(later), later).toBe(held);
    expect(later).toContain('NOT FOLLOWING (f)');
    // A move in the list lets go of it: the list top row is selected.
    s.send('Down');
    await s.waitFor((x) => packetNo(x) !== held && !x.includes('no longer listed)'), 'the tree to show a kept packet');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
