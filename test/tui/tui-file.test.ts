// The real TUI in tmux over a capture file built with the project's pcap writer.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCaptureSuite } from './suite.js';
import type { TmuxSession } from './tmux.js';

const suite = demoCaptureSuite('tui-file', { killServer: true });
const open = (w = 80, h = 24): TmuxSession => suite.open(w, h);

/** Lines of the packet list (rows that start with a packet number). */
function listRows(screen: string): string[] {
  return screen.split('\n').filter((l) => /^\s*\d+\s+\d+\.\d{3}\s/.test(l));
}

describe('TUI over a capture file (tmux 80×24)', () => {
  it('lists the packets, then shows the seed PUBLISH in tree and hex', async () => {
    const s = open();
    let screen = await s.waitText('FILE (end)');
    const rows = listRows(screen);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    // No. is the frame number (the line view's and Wireshark's), not the running packet number.
    expect(rows[0]).toMatch(/^\s*\d+\s+0\.000\s+sub1\s+→ CONNECT/);
    expect(Number(rows[0]!.trim().split(/\s+/)[0])).toBeGreaterThan(1); // the TCP handshake frames come first
    expect(screen).toContain('No.');
    expect(screen).toMatch(/\? keys/);

    // Packet 7 is `30 14 00 0b Room1/Light Turn On`.
    for (let i = 0; i < 6; i++) s.send('Down');
    screen = await s.waitText('Packet 7 (frame');
    const f7 = /Packet 7 \(frame (\d+)\)/.exec(screen)![1];
    expect(screen).toMatch(new RegExp(`^\\s*${f7}\\s+\\S+\\s+p1\\s+→ PUBLISH\\s+\\.0\\.\\s+Room1\\/Light`, 'm'));
    expect(screen).toContain('Remaining Length: 20');

    // Focus the tree, move to Remaining Length (second top-level node).
    s.send('Tab');
    s.send('Down');
    screen = await s.waitText('Bytes 1–1 of 22 (1): Remaining Length');
    const esc = s.capture(true);
    // The hex pane: byte 2 (offset 1, 0x14) in reverse video, and only that byte.
    const hexLine = esc.split('\n').find((l) => l.includes('0000') && /14/.test(l) && l.includes('Room1'));
    expect(hexLine, esc).toBeDefined();
    expect(hexLine).toMatch(/\x1b\[7m14/);
    expect(hexLine).not.toMatch(/\x1b\[7m30/);
    expect(hexLine).not.toMatch(/\x1b\[7m00/);

    // Expand it: one node per Remaining Length byte.
    s.send('Enter');
    screen = await s.waitText('byte 1: 0x14');

    // Hex cursor: move to the topic bytes, the tree follows.
    s.send('Tab');
    for (let i = 0; i < 5; i++) s.send('Right');
    // Keys are processed one by one; wait for the final selection rather than
    // the first frame that happens to show the topic line.
    screen = await s.waitText('Bytes 4–14 of 22 (11): Topic');
    expect(screen).toContain('Topic: "Room1/Light"');
    expect(screen).not.toContain('Bytes 2–3 of 22 (2): Topic Length');

    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  });

  it('narrows the list with a filter and shows an inline error for a bad one', async () => {
    const s = open();
    await s.waitText('FILE (end)');
    s.send('/');
    s.send('publish', true);
    // The prompt's key bar: one word per key.
    const bar = (await s.waitText('Filter: publish')).split('\n').at(-2)!;
    expect(bar).toMatch(/^Enter apply\s+Esc cancel\s+← → Home End move\s+Ctrl-U clear/);
    s.send('Enter');
    let screen = await s.waitText('filter: publish');
    let rows = listRows(screen);
    expect(rows.length).toBe(3);
    for (const r of rows) expect(r).toContain('PUBLISH');

    s.send('/');
    s.send('C-u');
    s.send('topic == ', true);
    screen = await s.waitText('✗');
    expect(screen).toMatch(/at position \d+/);
    s.send('Enter'); // refused: the prompt stays open with the error
    screen = await s.waitText('✗');
    expect(screen).toContain('Filter:');
    await s.sendEscape();
    screen = await s.waitFor((x) => !x.includes('✗'), 'error gone after Esc');
    rows = listRows(screen);
    expect(rows.length).toBe(3); // the old filter still applies
    s.send('q');
  });

  it('Escape and the next key read in one chunk (Meta+key to blessed) act as the two keys', async () => {
    const s = open();
    await s.waitText('FILE (end)');
    s.send('?');
    await s.waitText('mqttscope keys');
    s.sendTogether('Escape', 'Down');
    let screen = await s.waitFor((x) => !x.includes('mqttscope keys') && x.includes('Packet 2 (frame'), 'keys closed and Down moved');
    s.send('?');
    screen = await s.waitText('mqttscope keys');
    s.sendTogether('Escape', 'q');
    await s.waitFor(() => s.dead(), 'exit after Escape+q', 10_000);
    expect(screen).toContain('mqttscope keys');
  });

  it('side views: clients, topics, flows and findings (enter jumps to the packet)', async () => {
    const s = open();
    await s.waitText('FILE (end)');
    s.send('2');
    let screen = await s.waitText('Clients / sessions');
    expect(screen).toContain('sub1');
    expect(screen).toContain('intruder');
    expect(screen).toMatch(/Room1\/# q1/);
    s.send('3');
    screen = await s.waitText('Topics (');
    expect(screen).toContain('Light');
    expect(screen).toMatch(/temp\s+1\s+retained: "?21\.5/);
    s.send('4');
    screen = await s.waitText('flows (');
    expect(screen).toMatch(/publish-qos1\s+complete/);
    s.send('5');
    screen = await s.waitText('Findings (');
    expect(screen).toContain('connect-refused');
    s.send('Enter');
    // The refused login: its CONNECT is selected, and the row carries the jump's `*` mark
    // (in place of its `!`).
    screen = await s.waitText('Packet 11 (frame');
    const f11 = /Packet 11 \(frame (\d+)\)/.exec(screen)![1];
    expect(screen).toMatch(new RegExp(`^\\s*${f11}\\s+\\S+\\s+intruder\\s+→ CONNECT.*\\*\\s*$`, 'm'));
    // The findings pane named the same frame.
    expect(screen).toMatch(new RegExp(`frames ${f11}\\b|\\b${f11},`));
    expect(screen).toContain('finding: connect-refused');
    // The password is masked in the hex pane.
    expect(screen).not.toContain('wrong-secret');
    s.send('q');
  });

  it('writes the shown packets to a pcap with w', async () => {
    const s = open();
    await s.waitText('FILE (end)');
    s.send('w');
    expect(await s.waitText('Write pcap to: mqttscope-')).toMatch(/^Enter write\s+Esc cancel/m);
    s.send('C-u');
    s.send(join(suite.dir, 'out.pcap'), true);
    s.send('Enter');
    await s.waitText('wrote 15 packets');
    expect(statSync(join(suite.dir, 'out.pcap')).size).toBeGreaterThan(24);
    // A path that cannot be written: the reason in words, not Node's 'EISDIR: …, open '…''.
    s.send('w');
    await s.waitText('Write pcap to: mqttscope-');
    s.send('C-u');
    s.send(suite.dir, true);
    s.send('Enter');
    const screen = await s.waitText('could not write');
    // A long path makes the message wrap onto the key bar: read the two lines as one. The
    // path gives way from its start (the test's temporary directory is deep), the reason not.
    const bottom = screen.trimEnd().split('\n').slice(-2).map((l) => l.trim()).join(' ');
    const dirName = suite.dir.slice(suite.dir.lastIndexOf('/') + 1);
    expect(bottom, screen).toMatch(new RegExp(`could not write (…\\S*)?${dirName}: illegal operation on a directory`));
    s.send('q');
  });

  it('lays out at 200×50 and re-lays out on resize', async () => {
    const s = open(200, 50);
    let screen = await s.waitText('FILE (end)');
    expect(listRows(screen).length).toBe(15);
    // Tree and hex side by side: both pane headers on one line.
    const head = screen.split('\n').find((l) => l.includes('Packet 1 (frame') && l.includes('Bytes'));
    expect(head, screen).toBeDefined();
    s.resize(80, 24);
    screen = await s.waitFor((x) => x.split('\n').every((l) => l.length <= 80) && x.includes('No.'), 'relayout at 80 columns');
    expect(screen.split('\n').find((l) => l.includes('Packet 1 (frame') && l.includes('Bytes'))).toBeUndefined();
    s.send('?');
    screen = await s.waitText('mqttscope keys');
    s.send('x');
    s.send('C-c');
    await s.waitFor(() => s.dead(), 'exit after Ctrl-C');
  });
});
