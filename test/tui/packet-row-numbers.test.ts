// The packet list never cuts a number: No. widens to the largest packet number,
// and a Remaining Length too long for its column is shown in k or M, not as
// `2050…` (which reads as 2,050 for 205,008).
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import type { ConnMeta } from '../../src/model/types.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { headerRow, lengthCell, packetRow } from '../../src/views/tui/packet-row.js';
import { conn as makeConn, real } from '../filter/records.js';

const conn: ConnMeta = makeConn(50001);

function publish(payloadBytes: number): Uint8Array {
  const topic = Buffer.from('a/b');
  const rl = 2 + topic.length + payloadBytes;
  const len: number[] = [];
  let x = rl;
  do { let b = x % 128; x = Math.floor(x / 128); if (x > 0) b |= 0x80; len.push(b); } while (x > 0);
  return Buffer.concat([
    Buffer.from([0x30]), // PUBLISH, QoS 0
    Buffer.from(len), // Remaining Length (variable byte integer)
    Buffer.from([0x00, topic.length]), // Topic Name length
    topic, // Topic Name
    Buffer.alloc(payloadBytes, 0x41), // payload
  ]);
}

/** A record shown as number `no` (the frame number, which the list shows). */
const rec = (bytes: Uint8Array, no: number): PacketRecord => real(bytes, { frame: no, time: no * 50, conn });

const plain = (s: string): string => blessed.stripTags(s);

describe('packet list numbers', () => {
  it('shows packet numbers past 99,999 whole at 80 columns', () => {
    for (const seq of [100_000, 100_042, 1_234_567]) {
      const row = plain(packetRow(rec(publish(1), seq), { width: 80, baseTime: 0, selected: false, maxNo: 1_234_567 }));
      expect(row).toHaveLength(80);
      expect(row.trimStart().startsWith(`${seq} `)).toBe(true);
    }
    const head = plain(headerRow(80, 1_234_567));
    expect(head).toHaveLength(80);
    // The header's columns line up with the rows': Topic starts where the topic does.
    const row = plain(packetRow(rec(publish(1), 100_000), { width: 80, baseTime: 0, selected: false, maxNo: 1_234_567 }));
    expect(row.indexOf('a/b')).toBe(head.indexOf('Topic'));
  });
  it('shows a long Remaining Length in k or M instead of cutting it', () => {
    const row = plain(packetRow(rec(publish(205_003), 1), { width: 80, baseTime: 0, selected: false }));
    expect(row).toHaveLength(80);
    expect(row).toMatch(/ 205k [ !]$/);
    expect(row).not.toContain('…');
    expect(lengthCell(99_999, 5)).toBe('99999');
    expect(lengthCell(268_435_455, 5)).toBe('268M');
    expect(lengthCell(268_435_455, 9)).toBe('268435455');
  });
});
