// Bytes that end before the Remaining Length does (a capture cut by its snap length,
// a partial paste) were sent but not seen: the packet is not blamed for lacking them.
// SUBSCRIBE/UNSUBSCRIBE without a Topic Filter, SUBACK/UNSUBACK without codes and a
// CONNECT field its flags announce are noted only when the Remaining Length ends there.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { hex } from './helpers.js';

const notes = (h: string, version: ProtocolVersion) => summarize(hex(h), { version }).notes;
const codes = (h: string, version: ProtocolVersion) => notes(h, version).map((n) => n.code);

describe('packets cut short of their Remaining Length', () => {
  it('SUBSCRIBE and UNSUBSCRIBE are not said to have no Topic Filter', () => {
    const sub = `
      82     # SUBSCRIBE, flags 0010
      08     # Remaining Length 8: the filter after the Packet Identifier is not in the bytes
      00 01  # Packet Identifier 1
    `;
    expect(codes(sub, 4)).toEqual(['remaining-length-mismatch']);
    const unsub = `
      a2     # UNSUBSCRIBE, flags 0010
      07     # Remaining Length 7
      00 01  # Packet Identifier 1
    `;
    expect(codes(unsub, 4)).toEqual(['remaining-length-mismatch']);
  });

  it('SUBACK is not said to have no codes', () => {
    const v311 = `
      90     # SUBACK
      03     # Remaining Length 3: the return code is not in the bytes
      00 01  # Packet Identifier 1
    `;
    expect(codes(v311, 4)).toEqual(['remaining-length-mismatch']);
    const v5 = `
      90     # SUBACK
      05     # Remaining Length 5
      00 01  # Packet Identifier 1
      00     # Property Length 0
    `;
    expect(codes(v5, 5)).toEqual(['remaining-length-mismatch']);
  });

  it('a CONNECT cut before its Will Topic gets the ordinary note, not the Will Flag rule', () => {
    const connect = `
      10           # CONNECT
      14           # Remaining Length 20: Will Topic and Will Message are not in the bytes
      00 04        # Protocol Name Length 4
      4d 51 54 54  # Protocol Name "MQTT"
      04           # Protocol Level 4
      06           # Connect Flags: Will Flag, Clean Session
      00 3c        # Keep Alive 60
      00 01        # Client ID Length 1
      63           # Client ID "c"
    `;
    const ns = notes(connect, 4);
    expect(ns.map((n) => n.code)).toEqual(['remaining-length-mismatch', 'field-past-end']);
    expect(ns[1]!.spec).toBe('MQTT-2.1');
    expect(ns[1]!.text).toMatch(/^Will Topic Length needs 2 byte/);
  });

  it('the same packets ending at their Remaining Length keep their notes', () => {
    // SUBSCRIBE: 82 flags 0010; 02 Remaining Length; 00 01 Packet Identifier
    expect(codes('82 02 00 01', 4)).toEqual(['no-topic-filters']);
    // UNSUBSCRIBE: a2 flags 0010; 02 Remaining Length; 00 01 Packet Identifier
    expect(codes('a2 02 00 01', 4)).toEqual(['no-topic-filters']);
    // SUBACK: 90; 02 Remaining Length; 00 01 Packet Identifier
    expect(codes('90 02 00 01', 4)).toEqual(['no-topic-filters']);
    // CONNECT: 10; 0d Remaining Length 13; 00 04 "MQTT"; 04 level; 06 Will Flag + Clean Session; 00 3c Keep Alive; 00 01 "c"
    const ns = notes('10 0d 00 04 4d 51 54 54 04 06 00 3c 00 01 63', 4);
    expect(ns.map((n) => [n.code, n.spec])).toEqual([['field-past-end', 'MQTT-3.1.2-9']]);
  });

  it('a UTF-8 payload cut inside a character is not called ill-formed', () => {
    const publish = `
      30        # PUBLISH, QoS 0
      0c        # Remaining Length 12: the payload's last byte is not in the bytes
      00 01     # Topic Length 1
      61        # Topic "a"
      02        # Property Length 2
      01 01     # Payload Format Indicator 1 (UTF-8)
      e2 82 ac  # payload: "€"
      e2 82     # the next "€", cut before its third byte
    `;
    expect(codes(publish, 5)).toEqual(['remaining-length-mismatch']);
    const bad = `
      30        # PUBLISH, QoS 0
      0d        # Remaining Length 13
      00 01     # Topic Length 1
      61        # Topic "a"
      02        # Property Length 2
      01 01     # Payload Format Indicator 1 (UTF-8)
      ff        # payload: a byte UTF-8 never has
      e2 82 ac  # "€"
      e2 82     # the next "€", cut before its third byte
    `;
    expect(codes(bad, 5)).toEqual(['remaining-length-mismatch', 'payload-format-invalid']);
  });

  it('an MQTT 5 ack cut before its Reason Code has no code, not an implied 0x00', () => {
    const cut = `
      40     # PUBACK
      04     # Remaining Length 4: Reason Code and Property Length are not in the bytes
      00 01  # Packet Identifier 1
    `;
    expect(summarize(hex(cut), { version: 5 }).reasonCodes).toBeNull();
    // PUBACK: 40; 02 Remaining Length 2 (Reason Code left out: 0x00 Success); 00 01 Packet Identifier
    expect(summarize(hex('40 02 00 01'), { version: 5 }).reasonCodes).toEqual([0]);
    // DISCONNECT: e0; 01 Remaining Length 1: the Reason Code is not in the bytes
    expect(summarize(hex('e0 01'), { version: 5 }).reasonCodes).toBeNull();
  });

  it('an MQTT 5 AUTH cut before its Reason Code is not said to lack an Authentication Method', () => {
    // AUTH: f0; 01 Remaining Length 1: the Reason Code is not in the bytes
    const ns = notes('f0 01', 5);
    expect(ns.map((n) => n.code)).toEqual(['remaining-length-mismatch']);
    expect(ns[0]!.text).toBe('Remaining Length says 1 byte follows the fixed header but only 0 are present');
    // AUTH: f0; 01 Remaining Length 1; 18 Reason Code 0x18, and no properties: the method is missing
    expect(codes('f0 01 18', 5)).toEqual(['auth-method-missing']);
  });
});
