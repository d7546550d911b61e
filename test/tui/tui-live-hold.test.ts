// Live, following: Enter (or Tab) into the field tree stops following, so that the packet
// being read stays in the tree and hex panes. Following moved the selection to every new
// packet whatever pane had the focus, and the next packet (a keep-alive PINGREQ) replaced
// the tree a teacher was explaining.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, removeDist, ROOT } from './build.js';
import { requireTmux, TmuxSession } from './tmux.js';

let dist = '';
const sessions: TmuxSession[] = [];

beforeAll(() => {
  requireTmux();
  dist = buildDist('tui-live-hold');
});

afterAll(() => {
  for (const s of sessions) s.kill();
  removeDist(dist);
});

describe('TUI live: reading a packet holds it (tmux)', () => {
  it('Enter into the tree stops following; f follows again', async () => {
    const s = new TmuxSession(`node ${JSON.stringify(join(ROOT, 'test/tui/harness.mjs'))} ${JSON.stringify(dist)} --live 5000`, 80, 24, ROOT);
    sessions.push(s);
    await s.waitText('live/40');
    expect(s.capture()).toContain('| FOLLOW |');
    s.send('Enter');
    const screen = await s.waitText('NOT FOLLOWING (f)');
    const held = /Packet (\d+) \(frame/.exec(screen)?.[1];
    expect(held).toBeDefined();
    // Packets go on arriving (5 every 20 ms): the tree keeps the one being read.
    await new Promise((r) => setTimeout(r, 600));
    const later = s.capture();
    expect(/Packet (\d+) \(frame/.exec(later)?.[1], later).toBe(held);
    expect(later).toMatch(/\d+ pkts/);
    s.send('f');
    await s.waitFor((x) => /Packet (\d+) \(frame/.exec(x)?.[1] !== held && x.includes('| FOLLOW |'), 'following again');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);

  it('Tab before the first packet does not stop following', async () => {
    const s = new TmuxSession(`node ${JSON.stringify(join(ROOT, 'test/tui/harness.mjs'))} ${JSON.stringify(dist)} --live 0`, 80, 24, ROOT);
    sessions.push(s);
    // The harness sends a CONNECT and a CONNACK, then nothing: filter them out to have an empty list.
    await s.waitText('2 pkts');
    s.send('/');
    s.send('publish', true);
    s.send('Enter');
    await s.waitText('no packet matches the filter');
    s.send('Tab');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.capture()).toContain('| FOLLOW |');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
