// One test per protocol violation: note code, severity and spec reference.
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { decodeBoth, hex } from './helpers.js';

function notesOf(h: string, version: ProtocolVersion = 4) {
  return decodeBoth(h, version).codes;
}

describe('notes', () => {
  it('reserved flag bits: SUBSCRIBE not 0010', () => {
    expect(notesOf('80 06 00 01 00 01 61 00')).toContain('reserved-flags MQTT-3.8.1-1');
  });
  it('reserved flag bits: PUBREL, UNSUBSCRIBE, PUBACK', () => {
    expect(notesOf('60 02 00 01')).toContain('reserved-flags MQTT-3.6.1-1');
    expect(notesOf('a0 05 00 01 00 01 61')).toContain('reserved-flags MQTT-3.10.1-1');
    expect(notesOf('41 02 00 01')).toContain('reserved-flags MQTT-2.2.2-1');
  });
  it('QoS 3', () => {
    expect(notesOf('36 05 00 01 61 00 01')).toContain('qos-3 MQTT-3.3.1-4');
  });
  it('DUP on QoS 0', () => {
    expect(notesOf('38 03 00 01 61')).toContain('dup-on-qos0 MQTT-3.3.1-2');
  });
  it('wildcard in a PUBLISH topic', () => {
    expect(notesOf('30 05 00 03 61 2f 23')).toContain('wildcard-in-topic MQTT-3.3.2-2');
    expect(notesOf('30 05 00 03 61 2f 2b')).toContain('wildcard-in-topic MQTT-3.3.2-2');
  });
  it('invalid UTF-8, U+0000 and surrogates', () => {
    expect(notesOf('30 04 00 02 c3 28')).toContain('invalid-utf8 MQTT-1.5.3-1');
    expect(notesOf('30 04 00 02 c0 80')).toContain('invalid-utf8 MQTT-1.5.3-1'); // overlong NUL
    expect(notesOf('30 05 00 03 ed a0 80')).toContain('invalid-utf8 MQTT-1.5.3-1'); // U+D800
    expect(notesOf('30 04 00 02 61 00')).toContain('utf8-null MQTT-1.5.3-2');
    expect(notesOf('30 05 00 02 c3 28 00', 5)).toContain('invalid-utf8 MQTT-1.5.4-1'); // 5.0 numbering
    expect(notesOf('30 05 00 02 61 00 00', 5)).toContain('utf8-null MQTT-1.5.4-2');
    expect(notesOf('30 06 00 04 f0 9f 98 80')).toEqual([]); // U+1F600 is fine
  });
  it('Remaining Length longer than 4 bytes', () => {
    expect(notesOf('30 ff ff ff ff 01')).toContain('remaining-length-too-long MQTT-2.2.3'); // 3.1.1 §2.2.3
    expect(notesOf('30 ff ff ff ff 01', 5)).toContain('remaining-length-too-long MQTT-1.5.5');
  });
  it('Remaining Length not minimally encoded (80 00)', () => {
    expect(notesOf('c0 80 00')).toContain('remaining-length-not-minimal MQTT-2.2.3');
    expect(notesOf('c0 80 00', 5)).toContain('remaining-length-not-minimal MQTT-1.5.5-1');
  });
  it('Remaining Length bytes are quoted one by one (80 00, not the number 8000)', () => {
    const text = (h: string, code: string) => summarize(hex(h), { version: 4 }).notes.find((n) => n.code === code)?.text;
    expect(text('c0 80 00', 'remaining-length-not-minimal')).toMatch(/^Remaining Length 0 is encoded in 2 bytes \(80 00\) where 1 would do;/);
    expect(text('30 ff ff ff ff 01', 'remaining-length-too-long')).toMatch(/^Remaining Length ff ff ff ff has its continuation bit set in the 4th byte/);
    expect(text('30 ff ff', 'field-past-end')).toBe('Remaining Length ff ff is cut off by the end of the packet');
  });
  it('a field running past the packet end', () => {
    expect(notesOf('30 05 00 09 61 62 63')).toContain('field-past-end MQTT-2.1');
    expect(notesOf('30 0a 00 01')).toContain('remaining-length-mismatch MQTT-2.2.3');
    expect(notesOf('30 0a 00 01', 5)).toContain('remaining-length-mismatch MQTT-2.1.4');
  });
  it('trailing bytes, inside and after the Remaining Length', () => {
    expect(notesOf('40 03 00 01 ff')).toContain('trailing-bytes MQTT-2.1');
    expect(notesOf('c0 00 aa bb')).toContain('trailing-bytes MQTT-2.2.3');
    expect(notesOf('c0 00 aa bb', 5)).toContain('trailing-bytes MQTT-2.1.4');
    const t = dissect(hex('c0 00 aa bb'), { version: 4 });
    expect(t.fields.at(-1)).toMatchObject({ id: 'mqtt.trailing', offset: 2, length: 2 });
  });
  it('unknown protocol name or level', () => {
    expect(notesOf('10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 63')).toContain('unknown-protocol-name MQTT-3.1.2-1');
    expect(notesOf('10 0d 00 04 4d 51 54 54 07 02 00 3c 00 01 63')).toContain('unknown-protocol-level MQTT-3.1.2-2');
  });
  it('unknown, duplicated and not-allowed properties', () => {
    // PUBACK v5 with property 0x7f (unknown)
    expect(notesOf('40 06 00 01 00 02 7f 00', 5)).toContain('unknown-property MQTT-2.2.2.2');
    // PUBLISH v5 with topic alias twice
    expect(notesOf('30 0b 00 01 61 06 23 00 01 23 00 02', 5)).toContain('duplicate-property MQTT-3.3.2.3.4');
    // PUBLISH v5 with session expiry interval (CONNECT/CONNACK/DISCONNECT only)
    expect(notesOf('30 09 00 01 61 05 11 00 00 00 01', 5)).toContain('property-not-allowed MQTT-2.2.2.2');
  });
  it('reason code not valid for the packet', () => {
    expect(notesOf('40 03 00 01 8e', 5)).toContain('invalid-reason-code MQTT-3.4.2-1'); // Session taken over in PUBACK
    expect(notesOf('20 02 00 06', 4)).toContain('invalid-reason-code MQTT-3.2.2-6'); // CONNACK 6 in 3.1.1
    expect(notesOf('90 03 00 01 03', 4)).toContain('invalid-reason-code MQTT-3.9.3-2');
  });
  it('packet id 0 where one is required', () => {
    // An ack repeats the id of the PUBLISH: 3.1.1 MQTT-2.3.1-6, 5.0 MQTT-2.2.1-5.
    expect(notesOf('40 02 00 00')).toContain('packet-id-zero MQTT-2.3.1-6');
    expect(notesOf('40 02 00 00', 5)).toContain('packet-id-zero MQTT-2.2.1-5');
    expect(notesOf('32 05 00 01 61 00 00')).toContain('packet-id-zero MQTT-2.3.1-1');
    expect(notesOf('82 06 00 00 00 01 61 00')).toContain('packet-id-zero MQTT-2.3.1-1');
  });
  it('AUTH in a v3/v4 connection', () => {
    expect(notesOf('f0 00', 4)).toContain('auth-not-v5 MQTT-2.2.1');
    expect(notesOf('f0 00', 3)).toContain('auth-not-v5 MQTT-2.2.1');
    expect(notesOf('f0 00', 5)).toEqual([]);
  });
  it('reserved packet type 0', () => {
    expect(notesOf('00 02 ab cd')).toContain('reserved-packet-type MQTT-2.2.1');
  });
  it('CONNECT flags: reserved bit, will flags, password without user name', () => {
    expect(notesOf('10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 63')).toContain('connect-reserved-flag MQTT-3.1.2-3');
    expect(notesOf('10 0d 00 04 4d 51 54 54 04 0a 00 3c 00 01 63')).toContain('will-flags MQTT-3.1.2-13');
    expect(notesOf('10 0d 00 04 4d 51 54 54 04 42 00 3c 00 01 63')).toContain('password-without-username MQTT-3.1.2-22');
  });
  it('SUBSCRIBE: no topic filters, QoS 3', () => {
    expect(notesOf('82 02 00 01')).toContain('no-topic-filters MQTT-3.8.3-3');
    expect(notesOf('82 03 00 01 00', 5)).toContain('no-topic-filters MQTT-3.8.3-2');
    expect(notesOf('82 06 00 01 00 01 61 03')).toContain('subscribe-options MQTT-3.8.3-4');
  });
  it('every note has severity, code, text and an offset inside the packet', () => {
    const b = hex('36 0a 00 03 61 2b 00 00 00 ff ff ff');
    for (const n of summarize(b, { version: 4 }).notes) {
      expect(['info', 'warn', 'error']).toContain(n.severity);
      expect(n.code).toMatch(/^[a-z0-9-]+$/);
      expect(n.text.length).toBeGreaterThan(10);
      expect(n.offset).toBeGreaterThanOrEqual(0);
      expect(n.offset).toBeLessThanOrEqual(b.length);
    }
  });
});

describe('MQTT 3.1 (MQIsdp, level 3)', () => {
  it('decodes a 3.1 CONNECT and treats the CONNACK byte 1 as reserved', () => {
    // 10 RL, 00 06 "MQIsdp", 03, flags 02, keep alive 60, client id "c"
    const b = hex('10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 63');
    const s = summarize(b, { version: 4 });
    expect(s.notes).toEqual([]);
    expect(s.connect).toMatchObject({ protocolName: 'MQIsdp', protocolLevel: 3, clientId: 'c', keepAlive: 60 });
    expect(summarize(hex('20 02 00 00'), { version: 3 }).connack).toEqual({ sessionPresent: false, returnCode: 0 });
    expect(notesOf('10 0f 00 06 4d 51 49 73 64 70 04 02 00 3c 00 01 63')).toContain('unknown-protocol-name MQTT-3.1.2-1');
  });
});
