// Boundaries of the fixed-header checks that the other dissector tests leave open:
// one trailing byte after the Remaining Length, and the 5.0 wording of the
// not-minimal note (the 3.1.1 "should" is covered in notes.test.ts).
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import { hex } from './helpers.js';

describe('fixed header bounds', () => {
  it('a single byte past the Remaining Length is trailing, not part of the PUBLISH payload', () => {
    const b = hex(
      '30' + // PUBLISH, QoS 0
      '03' + // Remaining Length 3
      '00 01' + // Topic Name length 1
      '61' + // Topic Name "a"; the payload is empty
      'ff', // one byte the Remaining Length does not cover
    );
    const d = dissect(b, { version: 4 });
    expect(d.notes.find((n) => n.code === 'trailing-bytes')?.offset).toBe(5);
    expect(summarize(b, { version: 4 }).payloadLength).toBe(0);
  });

  it('an MQTT 5 Remaining Length in more bytes than needed: the shortest encoding must be used', () => {
    const b = hex(
      'c0' + // PINGREQ, flags 0000
      '80 00', // Remaining Length 0 written in 2 bytes
    );
    const d = dissect(b, { version: 5 });
    const n = d.notes.find((x) => x.code === 'remaining-length-not-minimal');
    expect(n?.text).toBe('Remaining Length 0 is encoded in 2 bytes (80 00); the shortest encoding must be used');
  });
});
