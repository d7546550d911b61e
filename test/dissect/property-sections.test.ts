// MQTT 5 property notes cite the section that states the rule: each packet's
// property list has one subsection per property ("It is a Protocol Error to
// include the Receive Maximum value more than once or for it to have the value
// 0", MQTT 5.0 §3.2.2.3.3), not the generic property table (§2.2.2.2), which
// says nothing about values or repeats. An invalid value is also not explained
// as if it were valid. One comment per field.
import { describe, expect, it } from 'vitest';
import { propertySection, WILL_PLACE } from '../../src/protocol/properties.js';
import { decodeBoth, find, holder } from './helpers.js';

describe('property-value and duplicate-property cite the property section of their packet', () => {
  it('Receive Maximum 0 in CONNACK cites MQTT-3.2.2.3.3 and is not explained as a limit of 0', () => {
    const { f, codes, notes } = decodeBoth(`
      20 06        # CONNACK, Remaining Length 6
      00           # acknowledge flags: Session Present 0
      00           # reason code 0x00 Success
      03           # property length 3
      21 00 00     # Receive Maximum (0x21) = 0: a Protocol Error
    `, 5);
    expect(codes).toEqual(['property-value MQTT-3.2.2.3.3']);
    expect(notes[0]!.text).toBe('Receive Maximum has the value 0; it must be non-zero');
    const v = find(f, 'mqtt.property.receive_maximum.value')!;
    expect(v.display).toBe('0 (invalid: must be 1 to 65535)');
    expect(holder(f, 'property-value')?.id).toBe('mqtt.property.receive_maximum.value');
  });

  it('Receive Maximum 0 in CONNECT cites MQTT-3.1.2.11.3, Maximum Packet Size 0 MQTT-3.1.2.11.4', () => {
    const { f, codes } = decodeBoth(`
      10 17        # CONNECT, Remaining Length 23
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # protocol version 5
      02           # connect flags: Clean Start
      00 3c        # keep alive 60 s
      08           # property length 8
      21 00 00     # Receive Maximum (0x21) = 0
      27 00 00 00 00  # Maximum Packet Size (0x27) = 0
      00 02 70 31  # client id "p1"
    `, 5);
    expect(codes).toEqual(['property-value MQTT-3.1.2.11.3', 'property-value MQTT-3.1.2.11.4']);
    expect(find(f, 'mqtt.property.maximum_packet_size.value')!.display).toBe('0 bytes (invalid: must be non-zero)');
  });

  it('Maximum QoS 2 and Retain Available 2 in CONNACK: their own sections, and the display says invalid', () => {
    const { f, codes } = decodeBoth(`
      20 07        # CONNACK, Remaining Length 7
      00           # acknowledge flags
      00           # reason code Success
      04           # property length 4
      24 02        # Maximum QoS (0x24) = 2: only 0 or 1 may be sent
      25 02        # Retain Available (0x25) = 2: only 0 or 1
    `, 5);
    expect(codes).toEqual(['property-value MQTT-3.2.2.3.4', 'property-value MQTT-3.2.2.3.5']);
    expect(find(f, 'mqtt.property.maximum_qos.value')!.display).toBe('2 (invalid: must be 0 or 1)');
    expect(find(f, 'mqtt.property.retain_available.value')!.display).toBe('2 (invalid: must be 0 or 1)');
  });

  it('Subscription Identifier 0 in SUBSCRIBE cites MQTT-3.8.2.1.2; twice in SUBSCRIBE is a duplicate of the same section', () => {
    const { codes } = decodeBoth(`
      82 0b        # SUBSCRIBE (flags 0010), Remaining Length 11
      00 01        # packet identifier 1
      04           # property length 4
      0b 00        # Subscription Identifier (0x0b) = 0: a Protocol Error
      0b 01        # Subscription Identifier again = 1: only one is allowed in SUBSCRIBE
      00 01 61     # topic filter "a"
      00           # subscription options: QoS 0
    `, 5);
    expect(codes).toEqual(['property-value MQTT-3.8.2.1.2', 'duplicate-property MQTT-3.8.2.1.2']);
  });

  it('Payload Format Indicator 2 in the Will Properties cites MQTT-3.1.3.2.3; Will Delay Interval twice MQTT-3.1.3.2.2', () => {
    const { f, codes } = decodeBoth(`
      10 21        # CONNECT, Remaining Length 33
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # protocol version 5
      06           # connect flags: Will Flag, Clean Start
      00 00        # keep alive 0
      00           # property length 0
      00 01 63     # client id "c"
      0c           # will property length 12
      01 02        # Payload Format Indicator (0x01) = 2: only 0 or 1
      18 00 00 00 05  # Will Delay Interval (0x18) = 5 s
      18 00 00 00 06  # Will Delay Interval again = 6 s
      00 01 77     # will topic "w"
      00 01 78     # will message "x"
    `, 5);
    expect(codes).toEqual(['property-value MQTT-3.1.3.2.3', 'duplicate-property MQTT-3.1.3.2.2']);
    expect(find(f, 'mqtt.property.payload_format_indicator.value')!.display).toBe('2 (invalid: must be 0 or 1)');
  });

  it('a property not allowed in the packet keeps the table reference MQTT-2.2.2.2 for its value too', () => {
    const { codes } = decodeBoth(`
      30 07        # PUBLISH QoS 0, Remaining Length 7
      00 01 61     # topic "a"
      03           # property length 3
      21 00 00     # Receive Maximum (0x21) = 0: not a PUBLISH property at all
    `, 5);
    expect(codes).toEqual(['property-not-allowed MQTT-2.2.2.2', 'property-value MQTT-2.2.2.2']);
  });

  it('the section table follows the MQTT 5.0 subsections', () => {
    // Spot checks against the 5.0 table of contents (subsection .1 is the Property Length).
    expect(propertySection(0x11, 1)).toBe('MQTT-3.1.2.11.2'); // CONNECT Session Expiry Interval
    expect(propertySection(0x16, 1)).toBe('MQTT-3.1.2.11.10'); // CONNECT Authentication Data
    expect(propertySection(0x16, 2)).toBe('MQTT-3.2.2.3.18'); // CONNACK Authentication Data
    expect(propertySection(0x13, 2)).toBe('MQTT-3.2.2.3.14'); // CONNACK Server Keep Alive
    expect(propertySection(0x23, 3)).toBe('MQTT-3.3.2.3.4'); // PUBLISH Topic Alias
    expect(propertySection(0x0b, 3)).toBe('MQTT-3.3.2.3.8'); // PUBLISH Subscription Identifier
    expect(propertySection(0x03, 3)).toBe('MQTT-3.3.2.3.9'); // PUBLISH Content Type
    expect(propertySection(0x1f, 4)).toBe('MQTT-3.4.2.2.2'); // PUBACK Reason String
    expect(propertySection(0x26, 10)).toBe('MQTT-3.10.2.1.2'); // UNSUBSCRIBE User Property
    expect(propertySection(0x1c, 14)).toBe('MQTT-3.14.2.2.5'); // DISCONNECT Server Reference
    expect(propertySection(0x15, 15)).toBe('MQTT-3.15.2.2.2'); // AUTH Authentication Method
    expect(propertySection(0x09, WILL_PLACE)).toBe('MQTT-3.1.3.2.7'); // Will Correlation Data
    expect(propertySection(0x21, 3)).toBeUndefined(); // Receive Maximum is not a PUBLISH property
  });
});
