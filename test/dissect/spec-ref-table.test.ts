// Each (note code, protocol level) → the spec reference the note cites, checked
// against the normative statement of that number: MQTT 3.1.1 (OASIS 2014) on a
// 3.1.1 connection, MQTT 5.0 (OASIS 2019) on a 5.0 one. MQTT 3.1 has no numbered
// statements; where 3.1 differs from 3.1.1 its own section is cited (MQTT-3.6 is
// 3.1 §3.6). `says` holds the key words of the statement, so a reader can check
// the number without the spec at hand. One comment per field in each vector.
import { describe, expect, it } from 'vitest';
import type { ProtocolVersion } from '../../src/model/types.js';
import { decodeBoth } from './helpers.js';

interface Row {
  code: string;
  v: ProtocolVersion;
  what: string;
  bytes: string;
  spec: string;
  says: string;
}

const ROWS: Row[] = [
  // ---- fixed header -------------------------------------------------------
  { code: 'reserved-flags', v: 4, what: 'PUBACK flags 0001', spec: 'MQTT-2.2.2-1',
    says: 'Where a flag bit is marked as Reserved ... MUST be set to the value listed', bytes: `
      41           # PUBACK, flags 0001
      02           # Remaining Length 2
      00 01        # Packet Identifier 1
    ` },
  { code: 'reserved-flags', v: 5, what: 'PUBACK flags 0001', spec: 'MQTT-2.1.3-1',
    says: 'Where a flag bit is marked as Reserved, it is reserved for future use and MUST be set to the value listed', bytes: `
      41           # PUBACK, flags 0001
      02           # Remaining Length 2
      00 01        # Packet Identifier 1
    ` },
  { code: 'reserved-flags', v: 4, what: 'PUBREL flags 0000', spec: 'MQTT-3.6.1-1',
    says: 'Bits 3,2,1 and 0 of the fixed header in the PUBREL ... MUST be set to 0,0,1 and 0', bytes: `
      60           # PUBREL, flags 0000
      02           # Remaining Length 2
      00 07        # Packet Identifier 7
    ` },
  { code: 'reserved-flags', v: 3, what: '3.1 PUBREL flags 0000 (QoS 0)', spec: 'MQTT-3.6',
    says: '3.1 §3.6: PUBREL messages use QoS level 1 (3.1.1 MQTT-3.6.1-1 would also forbid the DUP 3.1 allows)', bytes: `
      60           # PUBREL, flags 0000
      02           # Remaining Length 2
      00 07        # Message ID 7
    ` },
  { code: 'reserved-flags', v: 3, what: '3.1 SUBSCRIBE flags 0011 (RETAIN set)', spec: 'MQTT-3.8',
    says: '3.1 §3.8: SUBSCRIBE uses QoS level 1', bytes: `
      83           # SUBSCRIBE, flags 0011
      06           # Remaining Length 6
      00 01        # Message ID 1
      00 01 61     # Topic "a"
      00           # Requested QoS 0
    ` },
  { code: 'reserved-flags', v: 3, what: '3.1 UNSUBSCRIBE flags 0000', spec: 'MQTT-3.10',
    says: '3.1 §3.10: UNSUBSCRIBE uses QoS level 1', bytes: `
      a0           # UNSUBSCRIBE, flags 0000
      05           # Remaining Length 5
      00 01        # Message ID 1
      00 01 61     # Topic "a"
    ` },
  // ---- PUBLISH ------------------------------------------------------------
  { code: 'qos-3', v: 4, what: 'PUBLISH QoS 3', spec: 'MQTT-3.3.1-4',
    says: 'A PUBLISH Packet MUST NOT have both QoS bits set to 1', bytes: `
      36           # PUBLISH, flags 0110: QoS 3
      05           # Remaining Length 5
      00 01 61     # Topic "a"
      00 01        # Packet Identifier 1
    ` },
  { code: 'dup-on-qos0', v: 5, what: 'PUBLISH DUP with QoS 0', spec: 'MQTT-3.3.1-2',
    says: 'The DUP flag MUST be set to 0 for all QoS 0 messages', bytes: `
      38           # PUBLISH, flags 1000: DUP, QoS 0
      04           # Remaining Length 4
      00 01 61     # Topic "a"
      00           # Property Length 0
    ` },
  { code: 'wildcard-in-topic', v: 4, what: 'PUBLISH topic "#"', spec: 'MQTT-3.3.2-2',
    says: 'The Topic Name in the PUBLISH Packet MUST NOT contain wildcard characters', bytes: `
      30           # PUBLISH, QoS 0
      03           # Remaining Length 3
      00 01 23     # Topic "#"
    ` },
  { code: 'wildcard-in-topic', v: 4, what: 'Will Topic "#"', spec: 'MQTT-4.7.1-1',
    says: 'The wildcard characters can be used in Topic Filters, but MUST NOT be used within a Topic Name', bytes: `
      10           # CONNECT
      12           # Remaining Length 18
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      04           # Protocol Level 4
      06           # Connect Flags: Will Flag, CleanSession
      00 3c        # Keep Alive 60
      00 01 61     # Client Identifier "a"
      00 01 23     # Will Topic "#"
      00 00        # Will Message, empty
    ` },
  { code: 'wildcard-in-topic', v: 5, what: 'Will Topic "#"', spec: 'MQTT-4.7.0-1',
    says: 'The wildcard characters can be used in Topic Filters, but MUST NOT be used within a Topic Name', bytes: `
      10           # CONNECT
      14           # Remaining Length 20
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      05           # Protocol Version 5
      06           # Connect Flags: Will Flag, Clean Start
      00 3c        # Keep Alive 60
      00           # Property Length 0
      00 01 61     # Client Identifier "a"
      00           # Will Property Length 0
      00 01 23     # Will Topic "#"
      00 00        # Will Payload, empty
    ` },
  { code: 'wildcard-in-topic', v: 5, what: 'PUBLISH Response Topic "#"', spec: 'MQTT-3.3.2-14',
    says: 'The Response Topic MUST NOT contain wildcard characters', bytes: `
      30           # PUBLISH, QoS 0
      08           # Remaining Length 8
      00 01 61     # Topic "a"
      04           # Property Length 4
      08 00 01 23  # Response Topic "#"
    ` },
  { code: 'wildcard-in-topic', v: 5, what: 'Will Response Topic "#"', spec: 'MQTT-4.7.0-1',
    says: 'MUST NOT be used within a Topic Name (3.1.3.2.6, the Will Response Topic, has no wildcard statement of its own)', bytes: `
      10           # CONNECT
      18           # Remaining Length 24
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      05           # Protocol Version 5
      06           # Connect Flags: Will Flag, Clean Start
      00 3c        # Keep Alive 60
      00           # Property Length 0
      00 01 61     # Client Identifier "a"
      04           # Will Property Length 4
      08 00 01 23  # Response Topic "#"
      00 01 74     # Will Topic "t"
      00 00        # Will Payload, empty
    ` },
  { code: 'empty-topic', v: 4, what: 'PUBLISH topic ""', spec: 'MQTT-4.7.3-1',
    says: 'All Topic Names and Topic Filters MUST be at least one character long', bytes: `
      30           # PUBLISH, QoS 0
      02           # Remaining Length 2
      00 00        # Topic ""
    ` },
  { code: 'empty-topic', v: 5, what: 'PUBLISH topic "" without Topic Alias', spec: 'MQTT-3.3.2.1',
    says: 'It is a Protocol Error if the Topic Name is zero length and there is no Topic Alias', bytes: `
      30           # PUBLISH, QoS 0
      03           # Remaining Length 3
      00 00        # Topic ""
      00           # Property Length 0
    ` },
  // ---- Packet Identifier --------------------------------------------------
  { code: 'packet-id-zero', v: 4, what: 'PUBLISH QoS 1 id 0', spec: 'MQTT-2.3.1-1',
    says: 'SUBSCRIBE, UNSUBSCRIBE, and PUBLISH (in cases where QoS > 0) ... MUST contain a non-zero 16-bit Packet Identifier', bytes: `
      32           # PUBLISH, QoS 1
      05           # Remaining Length 5
      00 01 61     # Topic "a"
      00 00        # Packet Identifier 0
    ` },
  { code: 'packet-id-zero', v: 5, what: 'SUBSCRIBE id 0', spec: 'MQTT-2.2.1-3',
    says: 'Each time a Client sends a new SUBSCRIBE, UNSUBSCRIBE, or PUBLISH (where QoS > 0) ... MUST assign it a non-zero Packet Identifier', bytes: `
      82           # SUBSCRIBE
      07           # Remaining Length 7
      00 00        # Packet Identifier 0
      00           # Property Length 0
      00 01 61     # Topic Filter "a"
      00           # Subscription Options
    ` },
  { code: 'packet-id-zero', v: 4, what: 'PUBACK id 0', spec: 'MQTT-2.3.1-6',
    says: 'A PUBACK, PUBREC or PUBREL Packet MUST contain the same Packet Identifier as the PUBLISH Packet that was originally sent', bytes: `
      40           # PUBACK
      02           # Remaining Length 2
      00 00        # Packet Identifier 0
    ` },
  { code: 'packet-id-zero', v: 4, what: 'PUBREL id 0', spec: 'MQTT-2.3.1-6',
    says: 'A PUBACK, PUBREC or PUBREL Packet MUST contain the same Packet Identifier as the PUBLISH Packet', bytes: `
      62           # PUBREL, flags 0010
      02           # Remaining Length 2
      00 00        # Packet Identifier 0
    ` },
  { code: 'packet-id-zero', v: 4, what: 'PUBCOMP id 0', spec: 'MQTT-3.7.2',
    says: '3.1.1 §3.7.2: the variable header contains the same Packet Identifier as the PUBREL Packet (no numbered statement)', bytes: `
      70           # PUBCOMP
      02           # Remaining Length 2
      00 00        # Packet Identifier 0
    ` },
  { code: 'packet-id-zero', v: 4, what: 'SUBACK id 0', spec: 'MQTT-2.3.1-7',
    says: 'SUBACK and UNSUBACK MUST contain the Packet Identifier that was used in the corresponding SUBSCRIBE and UNSUBSCRIBE', bytes: `
      90           # SUBACK
      03           # Remaining Length 3
      00 00        # Packet Identifier 0
      00           # Return Code 0x00
    ` },
  { code: 'packet-id-zero', v: 5, what: 'PUBREC id 0', spec: 'MQTT-2.2.1-5',
    says: 'A PUBACK, PUBREC, PUBREL, or PUBCOMP packet MUST contain the same Packet Identifier as the PUBLISH packet', bytes: `
      50           # PUBREC
      02           # Remaining Length 2
      00 00        # Packet Identifier 0
    ` },
  { code: 'packet-id-zero', v: 5, what: 'UNSUBACK id 0', spec: 'MQTT-2.2.1-6',
    says: 'A SUBACK and UNSUBACK MUST contain the Packet Identifier that was used in the corresponding SUBSCRIBE and UNSUBSCRIBE', bytes: `
      b0           # UNSUBACK
      04           # Remaining Length 4
      00 00        # Packet Identifier 0
      00           # Property Length 0
      00           # Reason Code 0x00
    ` },
  // ---- reason / return codes ----------------------------------------------
  { code: 'invalid-reason-code', v: 4, what: 'CONNACK return code 6', spec: 'MQTT-3.2.2-6',
    says: 'If none of the return codes listed in Table 3.1 ... are deemed applicable, the Server MUST close the Network Connection without sending a CONNACK', bytes: `
      20           # CONNACK
      02           # Remaining Length 2
      00           # Acknowledge Flags
      06           # Return Code 6
    ` },
  { code: 'invalid-reason-code', v: 4, what: 'SUBACK return code 3', spec: 'MQTT-3.9.3-2',
    says: 'SUBACK return codes other than 0x00, 0x01, 0x02 and 0x80 are reserved and MUST NOT be used', bytes: `
      90           # SUBACK
      03           # Remaining Length 3
      00 01        # Packet Identifier 1
      03           # Return Code 3
    ` },
  { code: 'invalid-reason-code', v: 3, what: '3.1 SUBACK 0x80', spec: 'MQTT-3.9',
    says: '3.1 §3.9: the payload is a vector of granted QoS levels (0x80 came with 3.1.1, whose MQTT-3.9.3-2 allows it)', bytes: `
      90           # SUBACK
      03           # Remaining Length 3
      00 01        # Message ID 1
      80           # Granted QoS 0x80
    ` },
  { code: 'invalid-reason-code', v: 5, what: 'PUBCOMP reason 0x10', spec: 'MQTT-3.7.2-1',
    says: 'The Client or Server sending the PUBCOMP packet MUST use one of the PUBCOMP Reason Code values', bytes: `
      70           # PUBCOMP
      03           # Remaining Length 3
      00 01        # Packet Identifier 1
      10           # Reason Code 0x10 (a PUBACK/PUBREC code)
    ` },
  // ---- SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK -------------------------
  { code: 'no-topic-filters', v: 4, what: 'SUBSCRIBE without filters', spec: 'MQTT-3.8.3-3',
    says: 'The payload of a SUBSCRIBE packet MUST contain at least one Topic Filter / QoS pair', bytes: `
      82           # SUBSCRIBE
      02           # Remaining Length 2
      00 01        # Packet Identifier 1
    ` },
  { code: 'no-topic-filters', v: 5, what: 'SUBSCRIBE without filters', spec: 'MQTT-3.8.3-2',
    says: 'The Payload MUST contain at least one Topic Filter and Subscription Options pair', bytes: `
      82           # SUBSCRIBE
      03           # Remaining Length 3
      00 01        # Packet Identifier 1
      00           # Property Length 0
    ` },
  { code: 'no-topic-filters', v: 4, what: 'UNSUBSCRIBE without filters', spec: 'MQTT-3.10.3-2',
    says: 'The Payload of an UNSUBSCRIBE packet MUST contain at least one Topic Filter', bytes: `
      a2           # UNSUBSCRIBE
      02           # Remaining Length 2
      00 01        # Packet Identifier 1
    ` },
  { code: 'no-topic-filters', v: 4, what: 'SUBACK without return codes', spec: 'MQTT-3.8.4-5',
    says: 'The SUBACK Packet ... MUST contain a return code for each Topic Filter/QoS pair', bytes: `
      90           # SUBACK
      02           # Remaining Length 2
      00 01        # Packet Identifier 1
    ` },
  { code: 'no-topic-filters', v: 5, what: 'SUBACK without reason codes', spec: 'MQTT-3.8.4-6',
    says: 'The SUBACK packet sent by the Server to the Client MUST contain a Reason Code for each Topic Filter/Subscription Option pair', bytes: `
      90           # SUBACK
      03           # Remaining Length 3
      00 01        # Packet Identifier 1
      00           # Property Length 0
    ` },
  { code: 'no-topic-filters', v: 5, what: 'UNSUBACK without reason codes', spec: 'MQTT-3.11.3-2',
    says: 'The Server sending an UNSUBACK packet MUST use one of the Unsubscribe Reason Code values for each Topic Filter received', bytes: `
      b0           # UNSUBACK
      03           # Remaining Length 3
      00 01        # Packet Identifier 1
      00           # Property Length 0
    ` },
  { code: 'subscribe-options', v: 4, what: 'requested QoS 3', spec: 'MQTT-3.8.3-4',
    says: 'The Server MUST treat a SUBSCRIBE packet as malformed ... if any of Reserved bits in the payload are non-zero, or QoS is not 0,1 or 2', bytes: `
      82           # SUBSCRIBE
      06           # Remaining Length 6
      00 01        # Packet Identifier 1
      00 01 61     # Topic Filter "a"
      03           # Requested QoS 3
    ` },
  { code: 'subscribe-options', v: 5, what: 'reserved option bit 6', spec: 'MQTT-3.8.3-5',
    says: 'The Server MUST treat a SUBSCRIBE packet as malformed if any of Reserved bits in the Payload are non-zero', bytes: `
      82           # SUBSCRIBE
      07           # Remaining Length 7
      00 01        # Packet Identifier 1
      00           # Property Length 0
      00 01 61     # Topic Filter "a"
      40           # Subscription Options: reserved bit 6
    ` },
  { code: 'no-local-shared', v: 5, what: 'No Local on $share/g/a', spec: 'MQTT-3.8.3-4',
    says: 'It is a Protocol Error to set the No Local bit to 1 on a Shared Subscription', bytes: `
      82           # SUBSCRIBE
      10           # Remaining Length 16
      00 01        # Packet Identifier 1
      00           # Property Length 0
      00 0a 24 73 68 61 72 65 2f 67 2f 61  # Topic Filter "$share/g/a"
      04           # Subscription Options: No Local
    ` },
  { code: 'invalid-topic-filter', v: 4, what: 'filter "a/#/b"', spec: 'MQTT-4.7.1-2',
    says: 'The multi-level wildcard character MUST be specified either on its own or following a topic level separator ... MUST be the last character', bytes: `
      82           # SUBSCRIBE
      0a           # Remaining Length 10
      00 01        # Packet Identifier 1
      00 05 61 2f 23 2f 62  # Topic Filter "a/#/b"
      00           # Requested QoS 0
    ` },
  { code: 'invalid-topic-filter', v: 5, what: 'filter "a/#/b"', spec: 'MQTT-4.7.1-1',
    says: 'The multi-level wildcard character MUST be specified either on its own or following a topic level separator ... MUST be the last character', bytes: `
      82           # SUBSCRIBE
      0b           # Remaining Length 11
      00 01        # Packet Identifier 1
      00           # Property Length 0
      00 05 61 2f 23 2f 62  # Topic Filter "a/#/b"
      00           # Subscription Options
    ` },
  // ---- CONNECT / CONNACK --------------------------------------------------
  { code: 'connect-reserved-flag', v: 4, what: 'Connect Flags bit 0', spec: 'MQTT-3.1.2-3',
    says: 'The Server MUST validate that the reserved flag in the CONNECT Control Packet is set to zero', bytes: `
      10           # CONNECT
      0d           # Remaining Length 13
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      04           # Protocol Level 4
      03           # Connect Flags: CleanSession, reserved bit 0
      00 3c        # Keep Alive 60
      00 01 61     # Client Identifier "a"
    ` },
  { code: 'will-flags', v: 4, what: 'Will QoS 1 without Will Flag', spec: 'MQTT-3.1.2-13',
    says: 'If the Will Flag is set to 0, then the Will QoS MUST be set to 0 (0x00)', bytes: `
      10           # CONNECT
      0d           # Remaining Length 13
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      04           # Protocol Level 4
      0a           # Connect Flags: Will QoS 1, CleanSession
      00 3c        # Keep Alive 60
      00 01 61     # Client Identifier "a"
    ` },
  { code: 'will-flags', v: 5, what: 'Will QoS 1 without Will Flag', spec: 'MQTT-3.1.2-11',
    says: 'If the Will Flag is set to 0, then the Will QoS MUST be set to 0 (0x00)', bytes: `
      10           # CONNECT
      0e           # Remaining Length 14
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      05           # Protocol Version 5
      0a           # Connect Flags: Will QoS 1, Clean Start
      00 3c        # Keep Alive 60
      00           # Property Length 0
      00 01 61     # Client Identifier "a"
    ` },
  { code: 'password-without-username', v: 4, what: 'Password Flag alone', spec: 'MQTT-3.1.2-22',
    says: 'If the User Name Flag is set to 0, the Password Flag MUST be set to 0', bytes: `
      10           # CONNECT
      10           # Remaining Length 16
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      04           # Protocol Level 4
      42           # Connect Flags: Password, CleanSession
      00 3c        # Keep Alive 60
      00 01 61     # Client Identifier "a"
      00 01 70     # Password "p"
    ` },
  { code: 'empty-client-id', v: 4, what: 'empty ClientId, CleanSession 0', spec: 'MQTT-3.1.3-7',
    says: 'If the Client supplies a zero-byte ClientId, the Client MUST also set CleanSession to 1', bytes: `
      10           # CONNECT
      0c           # Remaining Length 12
      00 04 4d 51 54 54  # Protocol Name "MQTT"
      04           # Protocol Level 4
      00           # Connect Flags: none
      00 3c        # Keep Alive 60
      00 00        # Client Identifier ""
    ` },
  { code: 'connack-reserved-flags', v: 5, what: 'acknowledge flags 0x02', spec: 'MQTT-3.2.2-1',
    says: 'Byte 1 is the Connect Acknowledge Flags. Bits 7-1 are reserved and MUST be set to 0', bytes: `
      20           # CONNACK
      03           # Remaining Length 3
      02           # Connect Acknowledge Flags 0x02
      00           # Reason Code 0x00
      00           # Property Length 0
    ` },
  { code: 'session-present-on-refusal', v: 4, what: 'SP 1 with return code 5', spec: 'MQTT-3.2.2-4',
    says: 'If a server sends a CONNACK packet containing a non-zero return code it MUST set Session Present to 0', bytes: `
      20           # CONNACK
      02           # Remaining Length 2
      01           # Acknowledge Flags: Session Present
      05           # Return Code 5 (not authorized)
    ` },
  { code: 'session-present-on-refusal', v: 5, what: 'SP 1 with reason 0x87', spec: 'MQTT-3.2.2-6',
    says: 'If a Server sends a CONNACK packet containing a non-zero Reason Code it MUST set Session Present to 0', bytes: `
      20           # CONNACK
      03           # Remaining Length 3
      01           # Connect Acknowledge Flags: Session Present
      87           # Reason Code 0x87 (Not authorized)
      00           # Property Length 0
    ` },
];

describe('spec reference per note code and protocol level', () => {
  it.each(ROWS.map((r) => [`${r.code}, level ${r.v}, ${r.what} → ${r.spec}`, r] as const))('%s', (_title, r) => {
    const { codes } = decodeBoth(r.bytes, r.v);
    const mine = codes.filter((c) => c.startsWith(`${r.code} `));
    expect(mine.length, `${r.code} not noted; notes: ${codes.join(', ')}`).toBeGreaterThan(0);
    expect(mine, r.says).toEqual(mine.map(() => `${r.code} ${r.spec}`));
  });
});

describe('connack-v311-format: a 3.1.1 statement on an MQTT 5 connection', () => {
  // 3.1.1 MQTT-3.1.2-2: "The Server MUST respond to the CONNECT Packet with a CONNACK return
  // code 0x01 (unacceptable protocol level) and then disconnect the Client if the Protocol
  // Level is not supported". 5.0 MQTT-3.1.2-2 is about a CONNECT whose version is not 5.
  it('return code 1: the text says which version the reference is from', () => {
    const { codes, notes } = decodeBoth(`
      20           # CONNACK
      02           # Remaining Length 2
      00           # Acknowledge Flags
      01           # Return Code 1 (3.1.1: unacceptable protocol version)
    `, 5);
    expect(codes).toEqual(['connack-v311-format MQTT-3.1.2-2']);
    expect(notes[0]!.text).toContain('(the MQTT 3.1.1 statement MQTT-3.1.2-2, not the 5.0 one of that number)');
  });
  it('return code 5: not what a 3.1.1 server must answer to a level it does not support', () => {
    const { codes, notes } = decodeBoth(`
      20           # CONNACK
      02           # Remaining Length 2
      00           # Acknowledge Flags
      05           # Return Code 5 (3.1.1: not authorized)
    `, 5);
    expect(codes).toEqual(['connack-v311-format MQTT-3.1.2-2']);
    expect(notes[0]!.text).toBe('a 2-byte MQTT 3.1.1 CONNACK (return code 0x05, Connection Refused, not authorized) answering an MQTT 5 CONNECT: '
      + 'the server does not speak MQTT 5; a 3.1.1 server that does not support the protocol level must answer 0x01 (unacceptable protocol version) instead '
      + '(the MQTT 3.1.1 statement MQTT-3.1.2-2, not the 5.0 one of that number)');
  });
});

describe('packet-id-zero texts', () => {
  it('an acknowledgement names the packet whose identifier it repeats', () => {
    const { notes } = decodeBoth(`
      40           # PUBACK
      02           # Remaining Length 2
      00 00        # Packet Identifier 0
    `, 4);
    expect(notes[0]!.text).toBe('PUBACK has Packet Identifier 0; it must repeat the Packet Identifier of the PUBLISH it acknowledges, which is never 0');
  });
  it('PUBLISH, SUBSCRIBE and UNSUBSCRIBE keep the plain rule', () => {
    const { notes } = decodeBoth(`
      a2           # UNSUBSCRIBE
      05           # Remaining Length 5
      00 00        # Packet Identifier 0
      00 01 61     # Topic Filter "a"
    `, 4);
    expect(notes.map((n) => [n.spec, n.text])).toEqual([['MQTT-2.3.1-1', 'UNSUBSCRIBE has Packet Identifier 0; it must be non-zero']]);
  });
});
