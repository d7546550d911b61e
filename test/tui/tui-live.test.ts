// The real TUI in tmux, live: a synthetic feed (follow, pause, ring buffer)
// and the acl and remaining-length labs through the bundled broker and proxy.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, removeDist, ROOT } from './build.js';
import { requireTmux, TmuxSession } from './tmux.js';

let dist = '';
const sessions: TmuxSession[] = [];

beforeAll(() => {
  requireTmux();
  dist = buildDist('tui-live');
});

afterAll(() => {
  for (const s of sessions) s.kill();
  TmuxSession.killServer();
  removeDist(dist);
});

function start(cmd: string, w = 80, h = 24): TmuxSession {
  const s = new TmuxSession(cmd, w, h, ROOT);
  sessions.push(s);
  return s;
}

function lab(name: string, w = 80, h = 24): TmuxSession {
  const script = `import(${JSON.stringify(join(dist, 'cli/main.js'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  return start(`node --input-type=module -e '${script}' lab ${name} --fast`, w, h);
}

describe('TUI live (tmux)', () => {
  it('follows new packets, stops following on scroll, f resumes, space pauses; the ring keeps the newest', async () => {
    const s = start(`RING=100 node ${JSON.stringify(join(ROOT, 'test/tui/harness.mjs'))} ${JSON.stringify(dist)} --live 300`);
    let screen = await s.waitText('live/299');
    expect(screen).toContain('| FOLLOW |');
    expect(screen).toMatch(/302 pkts \(202 older not kept\)/);
    // The newest packet is the selected one (its tree is shown).
    expect(screen).toContain('Packet 302 (frame');
    s.send('Up');
    screen = await s.waitText('NOT FOLLOWING (f)');
    expect(screen).toContain('Packet 301 (frame');
    s.send('f');
    screen = await s.waitText('| FOLLOW |');
    expect(screen).toContain('Packet 302 (frame');
    s.send('Space');
    screen = await s.waitText('PAUSED');
    s.send('Space');
    await s.waitFor((x) => !x.includes('PAUSED'), 'resumed');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  });

  it('acl lab: the findings view lists the silent drop and jumps to its PUBLISH', async () => {
    const s = lab('acl');
    let screen = await s.waitText('lab script finished', 30_000);
    expect(screen).toContain('LIVE');
    s.send('5');
    screen = await s.waitText('undelivered-publish');
    expect(screen).toContain('connect-refused');
    // Select the undelivered-publish row and read its details.
    const rows = screen.split('\n');
    const idx = rows.findIndex((l) => l.includes('undelivered-publish'));
    const first = rows.findIndex((l) => /^(warn|error|info)\s/.test(l));
    for (let i = first; i < idx; i++) s.send('Down');
    screen = await s.waitFor((x) => /Details[\s\S]*undelivered-publish[\s\S]*panama\/colon\/user1/.test(x), 'details of the drop');
    s.send('Enter');
    screen = await s.waitFor((x) => /p-deny\s+→ PUBLISH .*panama\/colon\/user1/.test(x) && x.includes('(frame'), 'jump to the dropped PUBLISH');
    expect(screen).toMatch(/Packet \d+ \(frame \d+\) PUBLISH/);
    s.send('h');
    await s.waitText('What to look at');
    await s.sendEscape();
    await s.waitFor((x) => !x.includes('What to look at'), 'help closed');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q', 20_000);
  }, 60_000);

  it('remaining-length lab at 200×50: the 4-byte Remaining Length has one node per byte', async () => {
    const s = lab('remaining-length', 200, 50);
    await s.waitText('lab script finished', 30_000);
    s.send('/');
    s.send('mqtt.len > 1000000', true);
    s.send('Enter');
    let screen = await s.waitText('filter: mqtt.len > 1000000');
    expect(screen).toMatch(/Remaining Length: 2,?097,?152 \(4 bytes\)/);
    s.send('Tab');
    s.send('Down');
    s.send('Enter');
    screen = await s.waitText('byte 4: 0x01');
    for (const b of ['byte 1: 0x80', 'byte 2: 0x80', 'byte 3: 0x80']) expect(screen).toContain(b);
    expect(screen).toContain('Bytes 1–4 of 2097157 (4): Remaining Length');
    // The hex pane highlights exactly bytes 1..4 (80 80 80 01), not byte 0 (30) or 5.
    const esc = s.capture(true);
    const line = esc.split('\n').find((l) => l.includes('0000') && l.includes('lab/len'));
    expect(line, esc).toBeDefined();
    expect(line).toMatch(/\x1b\[7m80/);
    expect(line).not.toMatch(/\x1b\[7m30/);
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q', 20_000);
  }, 60_000);
});
