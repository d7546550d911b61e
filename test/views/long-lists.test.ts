// A SUBSCRIBE with many filters, and its SUBACK, stay one readable line: the line
// view and the TUI row show 20 entries and count the rest, including those the
// summary counted without listing (filtersNotListed, past 10,000). The json view
// reports that count as filters_not_listed.
import { describe, expect, it } from 'vitest';
import { formatPacketLine, stripAnsi } from '../../src/views/index.js';
import { packetToJson as packetJson } from '../../src/views/packet-json.js';
import { packetRow } from '../../src/views/tui/packet-row.js';
import { gen } from '../filter/records.js';

const filters = (n: number): Array<{ topic: string; qos: number }> => Array.from({ length: n }, (_, i) => ({ topic: `f/${i}`, qos: 1 }));

describe('long filter and reason-code lists', () => {
  it('line view: 20 filters, then how many more', () => {
    const line = stripAnsi(formatPacketLine(gen({ cmd: 'subscribe', messageId: 3, subscriptions: filters(25) }), { utc: true }));
    expect(line).toContain('f/0 q1, f/1 q1');
    expect(line).toContain('f/19 q1, … +5 more');
    expect(line).not.toContain('f/20');
  });

  it('line view: exactly 20 filters are all shown, with no count', () => {
    const line = stripAnsi(formatPacketLine(gen({ cmd: 'subscribe', messageId: 3, subscriptions: filters(20) }), { utc: true }));
    expect(line).toContain('f/19 q1');
    expect(line).not.toContain('more');
  });

  it('line view: an UNSUBSCRIBE and a SUBACK are cut the same way', () => {
    const unsub = stripAnsi(formatPacketLine(gen({ cmd: 'unsubscribe', messageId: 4, unsubscriptions: filters(30).map((f) => f.topic) }), { utc: true }));
    expect(unsub).toContain('f/19, … +10 more');
    const suback = stripAnsi(formatPacketLine(gen({ cmd: 'suback', messageId: 3, granted: Array(23).fill(1) }), { utc: true }));
    expect(suback.match(/Granted QoS 1/g)).toHaveLength(20);
    expect(suback).toContain('… +3 more');
  });

  it('counts the entries the summary did not list', () => {
    const rec = gen({ cmd: 'subscribe', messageId: 3, subscriptions: filters(25) });
    rec.summary.filtersNotListed = 100;
    expect(stripAnsi(formatPacketLine(rec, { utc: true }))).toContain('… +105 more');
    expect(packetJson(rec, { showSecrets: false })['filters_not_listed']).toBe(100);
    expect(packetJson(gen({ cmd: 'subscribe', messageId: 3, subscriptions: filters(2) }), { showSecrets: false })).not.toHaveProperty('filters_not_listed');
  });

  it('TUI row: the topic column is built from 20 filters, not all of them', () => {
    const rec = gen({ cmd: 'subscribe', messageId: 3, subscriptions: filters(5000) });
    const row = packetRow(rec, { width: 400, baseTime: rec.time, selected: false });
    expect(row).toContain('f/0, f/1');
    expect(row).not.toContain('f/20,');
  });
});

describe('failures among the codes a line does not show', () => {
  it('a SUBACK whose refusals come after code 20 says how many were refused', () => {
    const granted = Array.from({ length: 1500 }, (_, i) => (i >= 1400 ? 0x80 : 1)); // 100 refusals, codes 1401-1500
    const line = stripAnsi(formatPacketLine(gen({ cmd: 'suback', messageId: 3, granted }), { utc: true }));
    expect(line).toContain('… +1480 more (100 of them refused)');
    const shown = stripAnsi(formatPacketLine(gen({ cmd: 'suback', messageId: 3, granted: granted.map((c, i) => (i === 3 ? 0x80 : i >= 1400 ? 1 : c)) }), { utc: true }));
    expect(shown).toContain('0x80 Failure');
    expect(shown).not.toContain('of them refused');
  });

  it('an MQTT 5 UNSUBACK: failures past the shown codes, at least that many when codes were not listed', () => {
    const rec = gen({ cmd: 'unsuback', messageId: 4, granted: Array.from({ length: 30 }, (_, i) => (i === 25 ? 0x87 : 0x00)) }, { version: 5 });
    expect(stripAnsi(formatPacketLine(rec, { utc: true }))).toContain('… +10 more (1 of them failed)');
    rec.summary.filtersNotListed = 5;
    expect(stripAnsi(formatPacketLine(rec, { utc: true }))).toContain('… +15 more (at least 1 of them failed)');
  });
});
