// Below about 55 columns the packet list has no room for its dqr column, yet the qos
// and retained labs tell students to read the flags there. A PUBLISH row then gives
// them after its name in the type cell, and the header says so.
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../src/model/packet.js';
import { columns, headerRow, packetRow } from '../../src/views/tui/packet-row.js';
import { conn, real } from '../filter/records.js';
import { demoCaptureSuite } from './suite.js';

const retainedQos1 = Buffer.from([
  0x33, // PUBLISH, DUP 0, QoS 1, RETAIN 1
  0x0b, // Remaining Length 11
  0x00, 0x05, // Topic Name length 5
  0x61, 0x2f, 0x62, 0x2f, 0x63, // Topic Name "a/b/c"
  0x00, 0x07, // Packet Identifier 7
  0x6f, 0x6e, // payload "on"
]);

const rec = (): PacketRecord => real(retainedQos1, { frame: 3, time: 0, conn: conn(50001) });
const plain = (s: string): string => blessed.stripTags(s);

describe('PUBLISH flags on a narrow packet list', () => {
  it('at 50 columns the dqr column is gone but the row still shows .1r', () => {
    expect(columns(50).flags).toBe(0);
    const row = plain(packetRow(rec(), { width: 50, baseTime: 0, selected: false }));
    expect(row).toContain('PUBLISH .1r');
    expect(row.length).toBe(50);
    expect(plain(headerRow(50))).toContain('Type    dqr');
  });

  it('with the dqr column on screen the type cell is the name alone', () => {
    expect(columns(80).flags).toBe(3);
    const row = plain(packetRow(rec(), { width: 80, baseTime: 0, selected: true }));
    expect(row).toMatch(/PUBLISH {5}\.1r/);
    expect(plain(headerRow(80))).toMatch(/Type {8}dqr/);
  });
});

const suite = demoCaptureSuite('tui-narrow-flags');

describe('TUI at 50 columns', () => {
  it('shows the QoS 1 retained publish as PUBLISH .1r', async () => {
    const s = suite.open(50, 24);
    const screen = await s.waitText('FILE (end)');
    expect(screen).toContain('Type    dqr');
    expect(screen).toMatch(/PUBLISH \.0\. Room1\/Light/);
    s.send('End'); // the retained QoS 1 publish is further down
    await s.waitFor((x) => /PUBLISH \.1r home\/kitche/.test(x), 'PUBLISH .1r on screen');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
