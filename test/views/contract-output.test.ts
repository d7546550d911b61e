// The JSON contract (DESIGN.md) across the ways records are written: the json view,
// summaryToJson, packetToJson, and `decode --format json`.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packetToJson } from '../../src/views/packet-json.js';
import { SummaryCounter, summaryToJson } from '../../src/views/index.js';
import { fake, hex, real, T0 } from '../filter/records.js';

describe('JSON contract: record shapes', () => {
  it('decode --format json writes reserved type 0 as the same protocol-violation finding as the json view', () => {
    const r = spawnSync(process.execPath, ['bin/mqttscope', 'decode', '--format', 'json', [
      '00', // byte 1: type 0 (reserved), flags 0
      '02', // Remaining Length 2
      '00 01', // 2 bytes the dissector cannot decode
    ].join(' ')], { encoding: 'utf8' });
    const o = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(o['kind']).toBe('finding');
    expect(o['code']).toBe('protocol-violation');
    expect(o['note']).toBe('reserved-packet-type');
    expect(o['packet_type']).toBe(0);
    // No packet record with a type that is not a spec name.
    expect(o['type']).toBeUndefined();
    // Only the fixed header without --show-secrets.
    expect(o['bytes']).toBe('0002');
  });

  it('a Remaining Length that cannot be read is length null, and length_bytes shows its bytes', () => {
    const tooLong = packetToJson(real(hex(
      '30' + // PUBLISH, QoS 0
      'ff ff ff ff' + // Remaining Length: continuation bit still set in the 4th byte
      '01', // a fifth length byte
    )));
    expect(tooLong['length']).toBeNull();
    expect(tooLong['length_bytes']).toBe('ffffffff');
    const cut = packetToJson(real(hex(
      '30' + // PUBLISH, QoS 0
      '80', // Remaining Length: first byte says more follow, and the input ends
    )));
    expect(cut['length']).toBeNull();
    expect(cut['length_bytes']).toBe('80');
    const nonMinimal = packetToJson(real(hex(
      'e0' + // DISCONNECT
      '80 00', // Remaining Length 0 in two bytes (not minimal, but a value)
    )));
    expect(nonMinimal['length']).toBe(0);
    expect(nonMinimal['length_bytes']).toBe('8000');
  });

  it('every note has the contract keys severity, code, text and spec (null when no spec rule backs it)', () => {
    const rec = fake({ type: 14, notes: [{ severity: 'error', code: 'dissector-error', text: 'internal error while decoding' }] });
    const o = packetToJson(rec);
    expect(o['notes']).toEqual([{ severity: 'error', code: 'dissector-error', text: 'internal error while decoding', spec: null }]);
  });

  it('summary first_time and last_time are ISO 8601 with microseconds, like every record time', () => {
    const c = new SummaryCounter();
    c.record(real(hex(
      'e0' + // DISCONNECT, flags 0
      '00', // Remaining Length 0
    ), { time: T0 }));
    c.record(real(hex(
      'e0' + // DISCONNECT, flags 0
      '00', // Remaining Length 0
    ), { time: T0 + 1_000_001 }));
    const o = summaryToJson(c.toRecord());
    expect(o['first_time']).toBe('2026-11-23T18:00:01.512913Z');
    expect(o['last_time']).toBe('2026-11-23T18:00:02.512914Z');
  });

  it('an empty summary has null first_time and last_time', () => {
    const o = summaryToJson(new SummaryCounter().toRecord());
    expect(o['first_time']).toBeNull();
    expect(o['last_time']).toBeNull();
  });
});
