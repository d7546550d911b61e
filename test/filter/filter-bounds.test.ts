// Bounds of the filter comparisons: a byte string found at the very end of a binary
// field, <= and >= at equality, and the upper end of an `in {a..b}` range (inclusive,
// as in Wireshark).
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { gen } from './records.js';

const m = (expr: string, rec: PacketRecord): boolean => compileFilter(expr)(rec);

const corr = gen({ cmd: 'publish', topic: 'v5/props', payload: Buffer.from('{}'), qos: 1, messageId: 7,
  properties: { correlationData: Buffer.from('req-1') } }, { version: 5 });

describe('filter bounds', () => {
  it('contains finds bytes that end a binary field, and the whole field', () => {
    expect(m('mqtt.property.correlation_data contains "-1"', corr)).toBe(true);
    expect(m('mqtt.property.correlation_data contains "req-1"', corr)).toBe(true);
    expect(m('mqtt.property.correlation_data contains "req-12"', corr)).toBe(false);
  });

  it('<= and >= hold at equality, < and > do not', () => {
    expect(m('mqtt.qos <= 1', corr)).toBe(true);
    expect(m('mqtt.qos >= 1', corr)).toBe(true);
    expect(m('mqtt.qos < 1', corr)).toBe(false);
    expect(m('mqtt.qos > 1', corr)).toBe(false);
  });

  it('a range includes both its ends', () => {
    expect(m('mqtt.msgid in {1..7}', corr)).toBe(true);
    expect(m('mqtt.msgid in {7..9}', corr)).toBe(true);
    expect(m('mqtt.msgid in {8..9}', corr)).toBe(false);
  });

  it('== on a binary field is the whole value, not a prefix', () => {
    expect(m('mqtt.property.correlation_data == "req"', corr)).toBe(false);
    expect(m('mqtt.property.correlation_data == "req-12"', corr)).toBe(false);
  });
});
