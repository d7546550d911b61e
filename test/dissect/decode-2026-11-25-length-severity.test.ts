// A Remaining Length in more bytes than needed breaks a MUST in MQTT 5
// [MQTT-1.5.5-1]: an error there, as varint-not-minimal is for a Property Length.
// MQTT 3.1/3.1.1 state no rule on it: a warning.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { hex } from './helpers.js';

const PINGREQ = `
  c0     # PINGREQ
  80 00  # Remaining Length 0 in two bytes (shortest is 00)
`;
const note = (version: ProtocolVersion) =>
  summarize(hex(PINGREQ), { version }).notes.find((n) => n.code === 'remaining-length-not-minimal');

describe('remaining-length-not-minimal severity', () => {
  it('is an error in MQTT 5', () => {
    expect(note(5)).toMatchObject({ severity: 'error', spec: 'MQTT-1.5.5-1' });
  });

  it('is a warning in MQTT 3.1 and 3.1.1', () => {
    expect(note(4)).toMatchObject({ severity: 'warn', spec: 'MQTT-2.2.3' });
    expect(note(3)).toMatchObject({ severity: 'warn', spec: 'MQTT-2.2.3' });
  });

  it('matches the severity of a non-minimal Property Length in MQTT 5', () => {
    const puback = `
      40     # PUBACK
      05     # Remaining Length 5
      00 01  # Packet Identifier 1
      00     # Reason Code 0x00 Success
      80 00  # Property Length 0 in two bytes
    `;
    const n = summarize(hex(puback), { version: 5 }).notes.find((x) => x.code === 'varint-not-minimal');
    expect(n?.severity).toBe(note(5)?.severity);
  });
});
