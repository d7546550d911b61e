// Rules and displays found missing or wrong in the second packet-structure
// review. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, holder } from './helpers.js';

describe('AUTH without an Authentication Method [MQTT 5.0 §3.15.2.2.2]', () => {
  it('is a Protocol Error when the properties leave it out; the note sits on the Reason Code', () => {
    const { f, notes } = decodeBoth(`
      f0 02        # AUTH, RL 2
      18           # reason code 0x18 Continue authentication
      00           # property length 0: no Authentication Method
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['auth-method-missing MQTT-3.15.2.2.2 2']);
    expect(notes[0]!.text).toBe('AUTH with Reason Code 0x18 has no Authentication Method (its properties do not include one); only an AUTH of Remaining Length 0 (0x00 Success) may leave it out, so this is a Protocol Error');
    expect(holder(f, 'auth-method-missing')?.id).toBe('mqtt.auth.reason_code');
  });
  it('is a Protocol Error with a Reason Code and no properties at all (Remaining Length 1)', () => {
    const { notes } = decodeBoth(`
      f0 01        # AUTH, RL 1
      19           # reason code 0x19 Re-authenticate, no Property Length
    `, 5);
    expect(notes.map((n) => n.code)).toEqual(['auth-method-missing']);
    expect(notes[0]!.text).toContain('it has a Reason Code but no Property Length or properties');
  });
  it('is fine with a method, and for the AUTH of Remaining Length 0', () => {
    expect(decodeBoth(`
      f0 09        # AUTH, RL 9
      18           # reason code 0x18
      07           # property length 7
      15 00 04 53 43 52 4d  # authentication method "SCRM"
    `, 5).notes).toEqual([]);
    expect(decodeBoth(`
      f0 00        # AUTH, RL 0: Success implied, no properties
    `, 5).notes).toEqual([]);
  });
  it('is not judged when the property block is cut off or stops at an unknown property', () => {
    const cut = decodeBoth(`
      f0 03        # AUTH, RL 3
      18           # reason code 0x18
      05           # property length 5: only 1 byte follows
      15           # authentication method, cut off
    `, 5);
    expect(cut.notes.map((n) => n.code)).not.toContain('auth-method-missing');
    const unknown = decodeBoth(`
      f0 06        # AUTH, RL 6
      18           # reason code 0x18
      04           # property length 4
      7f 00 01 61  # unknown property 0x7f: the rest cannot be decoded
    `, 5);
    expect(unknown.notes.map((n) => n.code)).toEqual(['unknown-property']);
  });
});
