import { describe, expect, it } from 'vitest';
import {
  byteSize, clockTime, duration, isoMicros, payloadPreview, reasonText, reasonWords, shouldColor, palette,
} from '../../src/views/index.js';

describe('time formatting', () => {
  it('ISO 8601 with microseconds', () => {
    expect(isoMicros(Date.UTC(2026, 10, 23, 18, 0, 1) * 1000 + 512_913)).toBe('2026-11-23T18:00:01.512913Z');
    expect(isoMicros(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(isoMicros(1)).toBe('1970-01-01T00:00:00.000001Z');
    expect(isoMicros(999_999)).toBe('1970-01-01T00:00:00.999999Z');
    expect(isoMicros(1_000_000.7)).toBe('1970-01-01T00:00:01.000000Z');
    expect(isoMicros(Number.NaN)).toBe('1970-01-01T00:00:00.000000Z');
    expect(isoMicros(1e20)).toBe('1970-01-01T00:00:00.000000Z'); // out of Date's range: still valid output
  });
  it('clock time, UTC or relative', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 678_901;
    expect(clockTime(t, { utc: true })).toBe('03:04:05.678');
    expect(clockTime(t, { utc: true, digits: 6 })).toBe('03:04:05.678901');
    expect(clockTime(t, { relativeTo: t - 2_500_000 })).toBe('+2.500');
    expect(clockTime(t, { relativeTo: t + 1000 })).toBe('-0.001');
    expect(clockTime(t)).toMatch(/^\d\d:\d\d:\d\d\.678$/);
  });
  it('durations and sizes', () => {
    expect(duration(850)).toBe('850µs');
    expect(duration(1500)).toBe('1.50ms');
    expect(duration(12_345)).toBe('12.3ms');
    expect(duration(4_200_000)).toBe('4.20s');
    expect(duration(125_000_000)).toBe('2m5s');
    expect(byteSize(512)).toBe('512 B');
    expect(byteSize(1500)).toBe('1.5 kB');
  });
});

describe('reason codes in words', () => {
  it('MQTT 5 and 3.1.1', () => {
    expect(reasonText(4, 0x87, 5)).toBe('rc=0x87 Not authorized');
    expect(reasonText(2, 5, 4)).toBe('rc=5 Not authorized');
    expect(reasonText(2, 4, 4)).toBe('rc=4 Bad user name or password');
    expect(reasonText(2, 0, 4)).toBe('rc=0 Connection Accepted');
    expect(reasonText(2, 0x87, 5)).toBe('rc=0x87 Not authorized');
    expect(reasonWords(9, 1, 4)).toBe('Granted QoS 1');
    expect(reasonWords(9, 0x80, 4)).toBe('Failure');
    expect(reasonWords(4, 0xfe, 5)).toBe('unknown failure');
  });
});

describe('payload preview', () => {
  it('text quoted, binary as hex, long cut with …', () => {
    expect(payloadPreview(Buffer.from('Turn On'))).toBe('"Turn On"');
    expect(payloadPreview(new Uint8Array([0, 1, 0xff]))).toBe('0x0001ff');
    expect(payloadPreview(Buffer.from('x'.repeat(40)), 8)).toBe('"xxxxxxxx"…');
    expect(payloadPreview(Buffer.from('é'.repeat(40)), 4)).toBe('"éééé"…');
    expect(payloadPreview(Buffer.from('a\u0000b'))).toBe('0x610062');
    expect(payloadPreview(new Uint8Array(0))).toBe('');
  });
});

describe('colour policy', () => {
  it('TTY, NO_COLOR, FORCE_COLOR', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(palette(false).red('x')).toBe('x');
    expect(palette(true).red('x')).toBe('\x1b[31mx\x1b[39m');
  });
});
