// Second textbook review: bit breakdowns, spec names in labels, implied values
// and the wording of invalid fields. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, find } from './helpers.js';

describe('3.1/3.1.1 SUBSCRIBE: the Requested QoS byte has a bit breakdown', () => {
  it('the byte is mqtt.sub.qos (as in tshark 4.0), bits 7-2 reserved as its child', () => {
    const { f, codes } = decodeBoth(`
      82 06        # SUBSCRIBE, RL 6
      00 01        # packet id 1
      00 01 61     # filter "a"
      05           # Requested QoS byte 0000 0101: reserved bits 000001, QoS 1
    `, 4);
    expect(codes).toEqual(['subscribe-options MQTT-3.8.3-4']);
    const byte = find(f, 'mqtt.sub.qos');
    expect(byte).toMatchObject({ label: 'Requested QoS', offset: 7, length: 1, value: 1, display: '1 (At least once) (byte 0x05)' });
    expect(byte!.mask).toBeUndefined();
    expect(byte!.children!.map((c) => [c.id, c.mask, c.value, c.display])).toEqual([
      ['mqtt.subscription_options.reserved', 0xfc, 1, '1 (must be 0)'],
    ]);
    // Wireshark has mqtt.subscription_options on MQTT 5 only
    expect(find(f, 'mqtt.subscription_options')).toBeUndefined();
    // The note sits on the byte, not on a bit field.
    expect(byte!.notes!.map((n) => n.code)).toEqual(['subscribe-options']);
  });
  it('a clean byte shows reserved 0; MQTT 3.1 has the same layout', () => {
    for (const v of [3, 4] as const) {
      const { f, codes } = decodeBoth(`
        82 06        # SUBSCRIBE, RL 6 (flags 0010: QoS 1 in 3.1, fixed in 3.1.1)
        00 02        # packet id 2
        00 01 62     # filter "b"
        02           # Requested QoS 2
      `, v);
      expect(codes).toEqual([]);
      expect(find(f, 'mqtt.subscription_options.reserved')).toMatchObject({ value: 0, display: '0', mask: 0xfc });
      expect(find(f, 'mqtt.sub.qos')).toMatchObject({ value: 2, display: '2 (Exactly once)', offset: 7, length: 1 });
    }
  });
});

describe('labels give the spec name, with Wireshark\'s in brackets where it differs', () => {
  const connect = (name: string, level: string): string => `
    10 ${name === 'MQTT' ? '0c' : '0e'}  # CONNECT, RL 12 ("MQTT") or 14 ("MQIsdp")
    ${name === 'MQTT' ? '00 04 4d 51 54 54' : '00 06 4d 51 49 73 64 70'}  # protocol name
    ${level}           # protocol level
    02           # connect flags: clean session
    00 3c        # keep alive 60
    00 00        # client id ""
  `;
  it('CONNECT byte "Protocol Level" in 3.1.1, "Protocol Version" in 3.1 and 5.0; id mqtt.ver', () => {
    const v4 = decodeBoth(connect('MQTT', '04'), 4);
    expect(find(v4.f, 'mqtt.ver')).toMatchObject({ label: 'Protocol Level (Version)', offset: 8, length: 1, value: 4, display: '4 (MQTT 3.1.1)' });
    const v31 = decodeBoth(connect('MQIsdp', '03'), 4);
    expect(find(v31.f, 'mqtt.ver')).toMatchObject({ label: 'Protocol Version', offset: 10, value: 3 });
    const v5 = decodeBoth(connect('MQTT', '05').replace('00 00        # client id', '00 00 00     # no properties, client id').replace('10 0c', '10 0d'), 5);
    expect(find(v5.f, 'mqtt.ver')).toMatchObject({ label: 'Protocol Version', offset: 8, value: 5 });
    // An unknown level is shown under the 3.1.1 name
    const v9 = decodeBoth(connect('MQTT', '09'), 4);
    expect(find(v9.f, 'mqtt.ver')).toMatchObject({ label: 'Protocol Level (Version)', value: 9 });
  });
  it('CONNACK byte 1 is the "Connect Acknowledge Flags" (3.1.1, 5.0), reserved in 3.1; id mqtt.conack.flags', () => {
    const ack = '20 02  # CONNACK, RL 2\n 01  # flags: session present\n 00  # accepted';
    expect(find(decodeBoth(ack, 4).f, 'mqtt.conack.flags')).toMatchObject({ label: 'Connect Acknowledge Flags (Acknowledge Flags)', offset: 2, value: 1 });
    expect(find(decodeBoth('20 03 00 00 00  # CONNACK, flags 0, Success, no properties', 5).f, 'mqtt.conack.flags')).toMatchObject({ label: 'Connect Acknowledge Flags (Acknowledge Flags)' });
    expect(find(decodeBoth('20 02 00 00  # CONNACK, reserved byte 0, accepted', 3).f, 'mqtt.conack.flags')).toMatchObject({ label: 'Reserved (Acknowledge Flags)' });
  });
});

describe('a Subscription Identifier longer than 4 bytes is invalid, not truncated', () => {
  it('its node says invalid and the note says malformed', () => {
    const { f, codes, notes } = decodeBoth(`
      82 0d        # SUBSCRIBE, RL 13
      00 01        # packet id 1
      06           # property length 6
      0b           # Subscription Identifier
      ff ff ff ff 01  # varint of 5 bytes: the 4th still has its continuation bit
      00 01 61     # filter "a"
      01           # options: QoS 1
    `, 5);
    expect(codes).toEqual(['varint-too-long MQTT-1.5.5']);
    expect(notes[0]!.text).toBe('Subscription Identifier: the 4th byte of the Variable Byte Integer has its continuation bit set; one of more than 4 bytes is malformed');
    // The 5th byte (01) belongs to the over-long integer, as tshark reads it.
    expect(find(f, 'mqtt.property.subscription_identifier')).toMatchObject({ offset: 5, length: 6, display: '(invalid: Variable Byte Integer longer than 4 bytes)' });
    expect(find(f, 'mqtt.property.subscription_identifier.value')).toMatchObject({ offset: 6, length: 5, display: 'ffffffff01 (invalid: longer than 4 bytes)' });
  });
  it('one cut off by the end of the packet is still truncated', () => {
    const { f, codes } = decodeBoth(`
      82 06        # SUBSCRIBE, RL 6
      00 01        # packet id 1
      03           # property length 3
      0b           # Subscription Identifier
      ff ff        # varint cut off by the end of the packet
    `, 5);
    expect(codes).toEqual(['field-past-end MQTT-2.1', 'no-topic-filters MQTT-3.8.3-2']);
    expect(find(f, 'mqtt.property.subscription_identifier')!.display).toBe('(truncated)');
  });
});

describe('MQTT 3.1 Client ID: 1 to 23 characters', () => {
  /** A 3.1 CONNECT with this client id (ASCII) and the given connect flags. */
  const connect31 = (cid: string, flags = '02'): string => {
    const id = Buffer.from(cid).toString('hex').replace(/(..)/g, '$1 ');
    const rl = (14 + cid.length).toString(16).padStart(2, '0');
    return `
      10 ${rl}     # CONNECT, RL 14 + client id length
      00 06 4d 51 49 73 64 70  # protocol name "MQIsdp"
      03           # protocol version 3
      ${flags}     # connect flags
      00 3c        # keep alive 60
      00 ${cid.length.toString(16).padStart(2, '0')}  # client id length
      ${id}        # client id
    `;
  };
  it('an empty Client ID is an error in 3.1, cited by its section (3.1 has no numbered rules)', () => {
    const { notes, codes } = decodeBoth(connect31(''), 3);
    expect(codes).toEqual(['client-id-length MQTT-3.1']);
    expect(notes[0]).toMatchObject({ severity: 'error', offset: 14, text: 'Client ID is empty; MQTT 3.1 requires 1 to 23 characters (the empty ClientId came with 3.1.1)' });
    // With CleanSession 0 it is the same note, not the 3.1.1 rule [MQTT-3.1.3-7]
    expect(decodeBoth(connect31('', '00'), 3).codes).toEqual(['client-id-length MQTT-3.1']);
  });
  it('24 characters are too many; 23 and 1 are fine', () => {
    const { notes, codes } = decodeBoth(connect31('a'.repeat(24)), 3);
    expect(codes).toEqual(['client-id-length MQTT-3.1']);
    expect(notes[0]!.text).toBe('Client ID is 24 characters long; MQTT 3.1 allows at most 23 (a strict 3.1 server refuses it with CONNACK 0x02 Identifier Rejected; mosquitto 2.0.11 accepts it)');
    expect(decodeBoth(connect31('a'.repeat(23)), 3).codes).toEqual([]);
    expect(decodeBoth(connect31('c'), 3).codes).toEqual([]);
  });
  it('3.1.1 keeps its own rules: an empty id with CleanSession 1 is fine, long ids are allowed', () => {
    const v4 = (cid: string, flags = '02'): string => connect31(cid, flags)
      .replace('00 06 4d 51 49 73 64 70', '00 04 4d 51 54 54').replace('03           # protocol version 3', '04  # level 4')
      .replace(/10 (..)/, (_m, rl: string) => `10 ${(parseInt(rl, 16) - 2).toString(16).padStart(2, '0')}`);
    expect(decodeBoth(v4(''), 4).codes).toEqual([]);
    expect(decodeBoth(v4('a'.repeat(30)), 4).codes).toEqual([]);
    expect(decodeBoth(v4('', '00'), 4).codes).toEqual(['empty-client-id MQTT-3.1.3-7']);
  });
});

describe('MQTT 5: a Reason Code left out is shown as an implied 0x00, without bytes', () => {
  it.each([
    ['PUBACK', '40 02 00 01  # PUBACK, RL 2, packet id 1', 'mqtt.implied.reason_code', 4, '0x00 (Success), implied: with a Remaining Length of 2 the Reason Code is left out [MQTT-3.4.2.1]'],
    ['PUBREC', '50 02 00 01  # PUBREC, RL 2, packet id 1', 'mqtt.implied.reason_code', 4, '0x00 (Success), implied: with a Remaining Length of 2 the Reason Code is left out [MQTT-3.5.2.1]'],
    ['PUBREL', '62 02 00 01  # PUBREL, RL 2, packet id 1', 'mqtt.implied.reason_code', 4, '0x00 (Success), implied: with a Remaining Length of 2 the Reason Code is left out [MQTT-3.6.2.1]'],
    ['PUBCOMP', '70 02 00 01  # PUBCOMP, RL 2, packet id 1', 'mqtt.implied.reason_code', 4, '0x00 (Success), implied: with a Remaining Length of 2 the Reason Code is left out [MQTT-3.7.2.1]'],
    ['DISCONNECT', 'e0 00  # DISCONNECT, RL 0', 'mqtt.implied.reason_code', 2, '0x00 (Normal disconnection), implied: with a Remaining Length of 0 the Reason Code is left out [MQTT-3.14.2.1]'],
    ['AUTH', 'f0 00  # AUTH, RL 0', 'mqtt.implied.reason_code', 2, '0x00 (Success), implied: with a Remaining Length of 0 the Reason Code is left out [MQTT-3.15.2.1]'],
  ])('%s', (_n, h, id, at, display) => {
    const { s, f, codes } = decodeBoth(h, 5);
    expect(codes).toEqual([]);
    expect(s.reasonCodes).toEqual([0]);
    // The last top-level field: zero bytes, right after the packet; its own id, not the
    // packet's reason-code id (tshark has none there, so filters on that id must not match)
    expect(f[f.length - 1]).toMatchObject({ id, label: 'Reason Code (implied)', offset: at, length: 0, value: 0, display });
  });
  it('not in 3.1.1, not when the code is on the wire, not when the bytes are cut short', () => {
    expect(find(decodeBoth('40 02 00 01  # PUBACK, RL 2', 4).f, 'mqtt.implied.reason_code')).toBeUndefined();
    expect(find(decodeBoth('40 03 00 01 10  # PUBACK, RL 3, No matching subscribers', 5).f, 'mqtt.puback.reason_code')).toMatchObject({ offset: 4, length: 1, value: 0x10 });
    // RL 3 but only the packet id arrived: the code is missing, not left out
    const cut = decodeBoth('40 03 00 01  # PUBACK, RL 3, one byte short', 5);
    expect(cut.codes).toEqual(['remaining-length-mismatch MQTT-2.1.4']);
    expect(find(cut.f, 'mqtt.puback.reason_code')).toBeUndefined();
    expect(find(cut.f, 'mqtt.implied.reason_code')).toBeUndefined();
  });
});
