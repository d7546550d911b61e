// An MQTT 5 CONNECT answered by a 3.1.1-only broker (aedes, the bundled broker): the
// broker sends its own 2-byte CONNACK with return code 1 and closes [3.1.1 MQTT-3.1.2-2].
// mqttscope reads it as that, with one warning, not as an MQTT 5 CONNACK with an invalid
// reason code and a missing Property Length (two errors). One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, holder } from './helpers.js';
import { reasonWords } from '../../src/views/format.js';
import { codeName, codeString } from '../../src/analysis/reasons.js';

describe('a 3.1.1 CONNACK answering an MQTT 5 CONNECT', () => {
  it('is one connack-v311-format warning on the Return Code, named with its 3.1.1 meaning', () => {
    const d = decodeBoth(`
      20 02        # CONNACK, Remaining Length 2 (no Property Length: 3.1.1 format)
      00           # Connect Acknowledge Flags: Session Present 0
      01           # Return Code 1: unacceptable protocol version
    `, 5);
    expect(d.codes).toEqual(['connack-v311-format MQTT-3.1.2-2']);
    expect(d.notes[0]!.severity).toBe('warn');
    expect(d.s.reasonCodes).toEqual([1]);
    const rc = holder(d.f, 'connack-v311-format')!;
    expect(rc.label).toBe('Return Code');
    expect(rc.display).toBe('0x01 (Connection Refused, unacceptable protocol version)');
  });

  it('names it so in the views and findings', () => {
    expect(reasonWords(2, 1, 5)).toBe('Unacceptable protocol version');
    expect(codeName(2, 5, 5)).toBe('Connection Refused, not authorized');
    expect(codeString(2, 1, 5)).toBe('1');
  });

  it('a real MQTT 5 CONNACK is unchanged: 0x87 with its Property Length, and 0x01 with one is still an invalid reason code', () => {
    expect(decodeBoth(`
      20 03        # CONNACK, Remaining Length 3
      00           # flags
      87           # Reason Code 0x87 Not authorized
      00           # Property Length 0
    `, 5).codes).toEqual([]);
    expect(decodeBoth(`
      20 03        # CONNACK, Remaining Length 3
      00           # flags
      01           # 0x01: not an MQTT 5 CONNACK reason code
      00           # Property Length 0
    `, 5).codes).toEqual(['invalid-reason-code MQTT-3.2.2-8']);
  });
});
