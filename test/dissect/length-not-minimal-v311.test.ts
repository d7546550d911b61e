// A Remaining Length in more bytes than needed: MQTT 5 forbids it [MQTT-1.5.5-1];
// MQTT 3.1 and 3.1.1 state no rule on it (§2.2.3 describes the encoding, and
// its table of sizes, a non-normative comment, lists each value in its shortest
// form only). The 3.x note must say that, not quote a "should" the spec lacks.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { hex } from './helpers.js';

const note = (h: string, version: ProtocolVersion) =>
  summarize(hex(h), { version }).notes.find((n) => n.code === 'remaining-length-not-minimal');

describe('remaining-length-not-minimal says what each version says', () => {
  it('3.1.1: no rule against it, a warning, and how many bytes would do', () => {
    const n = note(`
      c0           # PINGREQ
      80 00        # Remaining Length 0 in two bytes (shortest is 00)
    `, 4);
    expect(n).toMatchObject({ severity: 'warn', spec: 'MQTT-2.2.3' });
    expect(n!.text).toBe('Remaining Length 0 is encoded in 2 bytes (80 00) where 1 would do; MQTT 3.1.1 states no rule against this (its table of Remaining Length sizes lists each value in its shortest form only), MQTT 5 forbids it');
    expect(n!.text).not.toContain('should');
  });
  it('3.1: the same, naming MQTT 3.1; a 2-byte value in 3 bytes', () => {
    const n = note(`
      30           # PUBLISH QoS 0
      80 81 00     # Remaining Length 128 in three bytes (shortest is 80 01)
    `, 3);
    expect(n!.text).toBe('Remaining Length 128 is encoded in 3 bytes (80 81 00) where 2 would do; MQTT 3.1 states no rule against this (its table of Remaining Length sizes lists each value in its shortest form only), MQTT 5 forbids it');
  });
  it('5.0: the shortest encoding must be used [MQTT-1.5.5-1]', () => {
    const n = note(`
      c0           # PINGREQ
      80 00        # Remaining Length 0 in two bytes (shortest is 00)
    `, 5);
    expect(n).toMatchObject({ spec: 'MQTT-1.5.5-1', text: 'Remaining Length 0 is encoded in 2 bytes (80 00); the shortest encoding must be used' });
  });
});
