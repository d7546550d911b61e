// An MQTT 5 CONNACK of Remaining Length 3 cut off after its second byte is not the
// 2-byte 3.1.1 CONNACK a 3.1.1-only broker sends (connack-v311-format): the Remaining
// Length says it is an MQTT 5 one, whose 0x01 is no reason code.
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import { hex } from './helpers.js';

describe('MQTT 5 CONNACK cut off after two bytes', () => {
  it('is read by its Remaining Length, not as a 3.1.1 CONNACK', () => {
    const bytes = hex(`
      20  # CONNACK, flags 0000
      03  # Remaining Length 3 (flags, Reason Code, Property Length)
      00  # Connect Acknowledge Flags: Session Present 0
      01  # Reason Code 0x01 (no MQTT 5 CONNACK code); the Property Length is cut off
    `);
    const codes = summarize(bytes, { version: 5 }).notes.map((n) => n.code);
    expect(codes).not.toContain('connack-v311-format');
    expect(codes).toEqual(expect.arrayContaining(['remaining-length-mismatch', 'invalid-reason-code']));
    const rc = dissect(bytes, { version: 5 }).fields.find((f) => f.offset === 3);
    expect(rc?.label).toBe('Reason Code');
  });

  it('still reads a whole 2-byte 3.1.1 CONNACK as one', () => {
    const bytes = hex(`
      20  # CONNACK, flags 0000
      02  # Remaining Length 2
      00  # Connect Acknowledge Flags: Session Present 0
      01  # Return Code 0x01, unacceptable protocol version
    `);
    expect(summarize(bytes, { version: 5 }).notes.map((n) => n.code)).toEqual(['connack-v311-format']);
  });
});
