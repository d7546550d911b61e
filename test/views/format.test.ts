import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { payloadBytes, publishPreview } from '../../src/views/format.js';
import {
  byteSize, clockTime, duration, isoMicros, payloadPreview, reasonText, reasonWords, shouldColor, palette,
} from '../../src/views/index.js';

/** The preview as first written (decoder, control-character check, split into characters): the oracle for the fast path. */
function referencePreview(p: Uint8Array, max = 32): string {
  if (p.length === 0) return '';
  const dec = new TextDecoder('utf-8', { fatal: true });
  const slice = p.subarray(0, Math.min(p.length, max * 4));
  let text: string | null;
  try {
    text = dec.decode(slice);
  } catch {
    try { text = slice.length < p.length ? dec.decode(slice.subarray(0, slice.length - 3)) : null; } catch { text = null; }
  }
  // eslint-disable-next-line no-control-regex
  if (text !== null && !/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/.test(text)) {
    const chars = [...text];
    const cut = chars.length > max || slice.length < p.length;
    return JSON.stringify(chars.slice(0, max).join('')) + (cut ? '…' : '');
  }
  const n = Math.min(p.length, Math.floor(max / 2));
  return `0x${Buffer.from(p.subarray(0, n)).toString('hex')}${n < p.length ? '…' : ''}`;
}

/** Bytes that are mostly printable ASCII, with tabs, line ends, controls, DEL, UTF-8 and invalid bytes mixed in. */
const payloadBytesArb = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constantFrom(0x09, 0x0a, 0x0d, 0x0b, 0x0c, 0x00, 0x1b, 0x7f) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  ),
  { maxLength: 300 },
).map((a) => Uint8Array.from(a));

describe('time formatting', () => {
  it('ISO 8601 with microseconds', () => {
    expect(isoMicros(Date.UTC(2026, 10, 23, 18, 0, 1) * 1000 + 512_913)).toBe('2026-11-23T18:00:01.512913Z');
    expect(isoMicros(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(isoMicros(1)).toBe('1970-01-01T00:00:00.000001Z');
    expect(isoMicros(999_999)).toBe('1970-01-01T00:00:00.999999Z');
    expect(isoMicros(1_000_000.7)).toBe('1970-01-01T00:00:01.000000Z');
    expect(isoMicros(Number.NaN)).toBe('1970-01-01T00:00:00.000000Z');
    // Outside the years 0000-9999: clamped, so the string keeps the contract's 4-digit year.
    expect(isoMicros(1e20)).toBe('9999-12-31T23:59:59.999999Z');
    expect(isoMicros(Infinity)).toBe('9999-12-31T23:59:59.999999Z');
    expect(isoMicros(-1e20)).toBe('0000-01-01T00:00:00.000000Z');
  });

  it('isoMicros: times before 1970, and far from it, keep the contract\'s form', () => {
    expect(isoMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoMicros(-1_500_000)).toBe('1969-12-31T23:59:58.500000Z');
    expect(isoMicros(Date.UTC(1900, 0, 1) * 1000 + 7)).toBe('1900-01-01T00:00:00.000007Z');
    expect(isoMicros(Date.UTC(9999, 11, 31, 23, 59, 59) * 1000 + 5)).toMatch(/^9999-12-31T23:59:59\.\d{6}Z$/);
    // A pcapng if_tsoffset of -2^40 s (the QA capture, year -32819) was printed as "-032819-09-25T21:37:003968Z".
    const t = -1_097_811_627_776_001_000;
    expect(isoMicros(t)).toBe('0000-01-01T00:00:00.000000Z');
    const form = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
    for (const us of [t, -1, 0, 1e15, 1e17, 2.5e17, 1e18, 8.64e18, -8.64e18]) expect(isoMicros(us)).toMatch(form);
  });
  it('clock time, UTC or relative', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 678_901;
    expect(clockTime(t, { utc: true })).toBe('03:04:05.678');
    expect(clockTime(t, { utc: true, digits: 6 })).toBe('03:04:05.678901');
    expect(clockTime(t, { relativeTo: t - 2_500_000 })).toBe('+2.500');
    expect(clockTime(t, { relativeTo: t + 1000 })).toBe('-0.001');
    expect(clockTime(t)).toMatch(/^\d\d:\d\d:\d\d\.678$/);
  });
  it('clock time across seconds, and switching between UTC and local time, agrees with Date', () => {
    const t0 = Date.UTC(2026, 0, 2, 3, 4, 59) * 1000 + 999_000;
    expect(clockTime(t0, { utc: true })).toBe('03:04:59.999');
    expect(clockTime(t0 + 1000, { utc: true })).toBe('03:05:00.000'); // the next second
    expect(clockTime(t0 + 1000, { utc: true, digits: 6 })).toBe('03:05:00.000000');
    const d = new Date((t0 + 1000) / 1000);
    const local = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}.000`;
    expect(clockTime(t0 + 1000)).toBe(local); // same second, local time
    expect(clockTime(t0 + 1000, { utc: true })).toBe('03:05:00.000'); // and back
    expect(clockTime(t0, { utc: true })).toBe('03:04:59.999'); // going back in time
  });
  it('durations and sizes', () => {
    expect(duration(850)).toBe('850µs');
    expect(duration(1500)).toBe('1.50ms');
    expect(duration(12_345)).toBe('12.3ms');
    expect(duration(4_200_000)).toBe('4.20s');
    expect(duration(125_000_000)).toBe('2m5s');
  });

  it('durations near unit boundaries and over an hour', () => {
    expect(duration(999.4)).toBe('999µs');
    expect(duration(999.6)).toBe('1.00ms');
    expect(duration(999_960)).toBe('1.00s');
    expect(duration(59_994_000)).toBe('59.99s');
    expect(duration(119_999_000)).toBe('2m0s'); // was 1m60s
    expect(duration(59_999_000)).toBe('1m0s');
    expect(duration(180 * 60e6)).toBe('3h0m0s'); // was 180m0s
    expect(duration(3_723_000_000)).toBe('1h2m3s');
    expect(duration(100 * 3600e6 + 59_600_000)).toBe('100h1m0s');
    expect(duration(-1500)).toBe('-1.50ms');
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
    expect(payloadPreview(Buffer.from('a\tb\r\n'))).toBe('"a\\tb\\r\\n"');
    expect(payloadPreview(Buffer.from('abc\x7f'))).toBe('0x6162637f'); // DEL is not text
    expect(payloadPreview(Buffer.from('x'.repeat(8)), 8)).toBe('"xxxxxxxx"'); // exactly max: not cut
  });

  it('matches the reference preview on random payloads and lengths', () => {
    fc.assert(fc.property(payloadBytesArb, fc.integer({ min: 1, max: 70 }), (p, max) => {
      expect(payloadPreview(p, max)).toBe(referencePreview(p, max));
    }), { numRuns: 2000 });
    // A long printable prefix followed by invalid UTF-8 within the looked-at bytes is binary.
    const p = Buffer.concat([Buffer.from('a'.repeat(40)), Buffer.from([0xff])]);
    expect(payloadPreview(p, 32)).toBe(referencePreview(p, 32));
    expect(payloadPreview(p, 32).startsWith('0x')).toBe(true);
  });

  it("a PUBLISH record's preview, read in place from its read buffer, equals the preview of its payload", () => {
    fc.assert(fc.property(fc.array(payloadBytesArb, { minLength: 1, maxLength: 4 }), (payloads) => {
      const recs: PacketRecord[] = [];
      const e = new Engine({ onRecord: (r) => { if (r.kind === 'packet' && r.summary.type === 3) recs.push(r); } });
      e.open({ id: 'c', client: { host: '127.0.0.1', port: 1 }, server: { host: '127.0.0.1', port: 2 }, transport: 'tcp' }, 0);
      const connect = Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x63]);
      const pubs = payloads.map((pl) => {
        const body = Buffer.concat([Buffer.from([0, 1, 0x74]), pl]);
        return Buffer.concat([Buffer.from([0x30, body.length & 0x7f | (body.length > 127 ? 0x80 : 0)]), body.length > 127 ? Buffer.from([body.length >> 7]) : Buffer.alloc(0), body]);
      });
      e.data('c', 'c2s', Buffer.concat([connect, ...pubs]), 1); // several packets in one read
      expect(recs).toHaveLength(payloads.length);
      recs.forEach((r, i) => {
        expect(publishPreview(r, 20)).toBe(payloadPreview(payloadBytes(r), 20));
        expect(publishPreview(r, 20)).toBe(referencePreview(payloads[i]!, 20));
      });
    }), { numRuns: 300 });
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
