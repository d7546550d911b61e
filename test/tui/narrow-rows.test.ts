// Under 80 columns (a split tmux pane, a 40-column terminal) the packet list drops
// its least useful columns instead of running off the right edge: the topic stays
// readable and the `!` marker of a packet with a problem stays on screen.
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../src/model/packet.js';
import { columns, hasProblem, headerRow, packetRow } from '../../src/views/tui/packet-row.js';
import { conn, real } from '../filter/records.js';

function publish(topic: string): Uint8Array {
  const t = Buffer.from(topic);
  return Buffer.concat([
    Buffer.from([0x30]), // PUBLISH, DUP 0, QoS 0, RETAIN 0
    Buffer.from([2 + t.length + 2]), // Remaining Length: topic length field + topic + payload
    Buffer.from([0x00, t.length]), // Topic Name length
    t, // Topic Name
    Buffer.from('on'), // payload
  ]);
}

const rec = (topic: string): PacketRecord => real(publish(topic), { frame: 7, time: 0, conn: conn(50001) });
const plain = (s: string): string => blessed.stripTags(s);

describe('packet list under 80 columns', () => {
  it('keeps every row exactly as wide as the terminal', () => {
    for (const w of [40, 45, 50, 60, 70, 79, 80]) {
      expect(plain(headerRow(w)).length).toBe(w);
      expect(plain(packetRow(rec('Room1/Light'), { width: w, baseTime: 0, selected: false })).length).toBe(w);
    }
  });

  it('at 40 columns shows the whole topic and the ! marker', () => {
    const bad = rec('Room1/#'); // a wildcard in a PUBLISH topic is a protocol error
    expect(hasProblem(bad)).toBe(true);
    const row = plain(packetRow(bad, { width: 40, baseTime: 0, selected: false }));
    expect(row).toContain('Room1/#');
    expect(row.endsWith('!')).toBe(true);
    expect(plain(headerRow(40))).toMatch(/Topic +!$/);
  });

  it('drops the time first and leaves 80 columns as they were', () => {
    expect(columns(60).time).toBe(0);
    expect(columns(60).len).toBeGreaterThan(0);
    const c = columns(80);
    expect([c.time, c.id, c.flags, c.len, c.client, c.topic]).toEqual([8, 5, 3, 5, 9, 23]);
  });
});
