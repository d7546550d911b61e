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
    // 40 packets kept; 3,000 arrive (5 every 20 ms), so the ring is full within a second.
    const s = new TmuxSession(`RING=40 node ${JSON.stringify(join(ROOT, 'test/tui/harness.mjs'))} ${JSON.stringify(dist)} --live 3000`, 80, 24, ROOT);
    sessions.push(s);
    // The list shows a packet for a few tens of ms at this rate: wait for the flood to be under
    // way (past the 40 kept) and far from its end, not for one packet to be on screen.
    const under = (x: string): boolean => [...x.matchAll(/live\/(\d+)/g)].some((m) => Number(m[1]) >= 50 && Number(m[1]) < 2000);
    await s.waitFor(under, 'packets past the 40 kept arriving');
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
    // A move in the list lets go of it: the list's top row is selected. (While the flood goes
    // on, that row is the next to be pushed out, and is then held in its turn.)
    s.send('Down');
    await s.waitFor((x) => packetNo(x) !== undefined && packetNo(x) !== held, 'the tree to show another packet');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
