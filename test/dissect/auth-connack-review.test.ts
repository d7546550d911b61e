// Rules and displays found missing or wrong in the second packet-structure
// review. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeStream } from '../../src/cli/commands/decode.js';
import { dissect } from '../../src/dissect/index.js';
import { decodeBoth, find, hex, holder } from './helpers.js';

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

describe('CONNACK acknowledge flags: the reserved bits', () => {
  it('show the value of bits 7-1 (not the byte masked) and say they must be 0, as the other reserved bit fields do', () => {
    const { f } = decodeBoth(`
      20 03        # CONNACK, RL 3
      03           # acknowledge flags: reserved bits 7-1 = 0000001, Session Present 1
      00           # Success
      00           # property length 0
    `, 5);
    const r = find(f, 'mqtt.conack.flags.reserved')!;
    expect({ value: r.value, display: r.display, mask: r.mask }).toEqual({ value: 1, display: '1 (must be 0)', mask: 0xfe });
    expect(find(f, 'mqtt.conack.flags.sp')!.value).toBe(1);
  });
  it('3.1: the whole byte is reserved', () => {
    const { f } = decodeBoth(`
      20 02        # CONNACK, RL 2
      81           # reserved byte 0x81
      00           # Connection Accepted
    `, 3);
    const r = find(f, 'mqtt.conack.flags.reserved')!;
    expect({ value: r.value, display: r.display, mask: r.mask }).toEqual({ value: 0x81, display: '129 (must be 0)', mask: 0xff });
  });
  it('a clean byte shows 0', () => {
    expect(find(decodeBoth('20 02 01 00  # SP 1, accepted', 4).f, 'mqtt.conack.flags.reserved')!.display).toBe('0');
  });
});

describe('Payload Format Indicator 1 with a payload that is not UTF-8 [MQTT 5.0 §3.3.2.3.2, §3.1.3.2.3]', () => {
  it('PUBLISH: noted on the payload', () => {
    const { f, notes } = decodeBoth(`
      30 08        # PUBLISH QoS 0, RL 8
      00 01 61     # topic "a"
      02           # property length 2
      01 01        # payload format indicator 1 (UTF-8 Encoded Character Data)
      ff fe        # payload: not UTF-8
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['payload-format-invalid MQTT-3.3.2.3.2 8']);
    expect(notes[0]!.text).toBe('the Payload Format Indicator is 1 (UTF-8 Encoded Character Data) but the payload is not well-formed UTF-8; a receiver may refuse it with PUBACK, PUBREC or DISCONNECT 0x99 (Payload format invalid)');
    expect(holder(f, 'payload-format-invalid')?.id).toBe('mqtt.msg');
  });
  it('PUBLISH: fine with UTF-8, or with the indicator 0', () => {
    expect(decodeBoth('30 09 00 01 61 02 01 01 c3 a9 21  # PFI 1, payload "é!"', 5).notes).toEqual([]);
    expect(decodeBoth('30 08 00 01 61 02 01 00 ff fe  # PFI 0, binary payload', 5).notes).toEqual([]);
  });
  it('CONNECT: the Will Message, noted on it', () => {
    const { f, notes } = decodeBoth(`
      10 1a        # CONNECT, RL 26
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # level 5
      06           # will flag, clean start
      00 3c        # keep alive 60
      00           # property length 0
      00 01 63     # client id "c"
      02           # will property length 2
      01 01        # payload format indicator 1
      00 03 77 2f 74     # will topic "w/t"
      00 02 c3 28  # will message: c3 28 is not UTF-8
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['payload-format-invalid MQTT-3.1.3.2.3 26']);
    expect(notes[0]!.text).toContain('the Will Message is not well-formed UTF-8; a receiver may refuse it with CONNACK 0x99');
    expect(holder(f, 'payload-format-invalid')?.id).toBe('mqtt.willmsg');
  });
});

describe('the SUBSCRIBE options byte is named as each version names it', () => {
  it('3.1.1: "Requested QoS byte" in the notes, as in the tree', () => {
    const bad = decodeBoth(`
      82 06        # SUBSCRIBE, RL 6
      00 01        # packet identifier 1
      00 01 63     # topic filter "c"
      05           # requested QoS byte: reserved bit 2 set, QoS 1
    `, 4);
    expect(bad.notes.map((n) => n.text)).toEqual(['Requested QoS byte 0x05 for "c": reserved bits are set']);
    expect(find(bad.f, 'mqtt.sub.qos')!.label).toBe('Requested QoS');
    const cut = decodeBoth(`
      82 05        # SUBSCRIBE, RL 5
      00 01        # packet identifier 1
      00 01 63     # topic filter "c", then no requested QoS byte
    `, 4);
    expect(cut.notes.map((n) => n.text)).toEqual(['Requested QoS Byte needs 1 byte(s) at offset 7 but only 0 remain in the packet']);
  });
  it('5.0: "subscription options"', () => {
    const { notes } = decodeBoth(`
      82 07        # SUBSCRIBE, RL 7
      00 01        # packet identifier 1
      00           # property length 0
      00 01 63     # topic filter "c"
      c1           # subscription options: reserved bits 7-6 set, QoS 1
    `, 5);
    expect(notes.map((n) => n.text)).toEqual(['subscription options 0xc1 for "c": reserved bits are set']);
  });
});

describe('Topic Alias: the tree says what the alias stands for [MQTT 5.0 §3.3.2.3.4]', () => {
  const SETS = `
    30 0a        # PUBLISH QoS 0, RL 10
    00 03 61 2f 62     # topic "a/b"
    03           # property length 3
    23 00 01     # topic alias 1
    78           # payload "x"
  `;
  const USES = `
    30 07        # PUBLISH QoS 0, RL 7
    00 00        # topic length 0: the alias stands in for the topic
    03           # property length 3
    23 00 01     # topic alias 1
    79           # payload "y"
  `;
  it('a PUBLISH with a Topic Name sets the alias', () => {
    const { f } = decodeBoth(SETS, 5);
    expect(find(f, 'mqtt.property.topic_alias')!.display).toBe('1 (sets Topic Alias 1 to "a/b" for the PUBLISH packets after it)');
  });
  it('an empty Topic Name takes the topic from the context the connection gives', () => {
    const b = hex(USES);
    const known = dissect(b, { version: 5, topicAliases: new Map([[1, 'a/b']]) });
    expect(find(known.fields, 'mqtt.topic_len')!.display).toBe('0 (no Topic Name: the topic is "a/b", which an earlier PUBLISH set Topic Alias 1 to)');
    expect(find(known.fields, 'mqtt.property.topic_alias')!.display).toBe('1 (stands for "a/b")');
    const unknown = dissect(b, { version: 5 });
    expect(find(unknown.fields, 'mqtt.topic_len')!.display).toBe('0 (no Topic Name: the topic is whatever an earlier PUBLISH set Topic Alias 1 to (none in what was decoded))');
    expect(find(unknown.fields, 'mqtt.property.topic_alias')!.display).toBe('1 (not set by an earlier PUBLISH in what was decoded)');
    expect(known.notes).toEqual([]);
  });
  it('mqttscope decode passes the alias on from one PUBLISH to the next', () => {
    const { packets } = decodeStream(hex(SETS + USES), 5);
    const t = packets[1]!.record.tree();
    expect(find(t.fields, 'mqtt.topic_len')!.display).toBe('0 (no Topic Name: the topic is "a/b", which an earlier PUBLISH set Topic Alias 1 to)');
  });
});

describe('MQTT 5 properties: the value type and what a flag or limit means', () => {
  it('the Property Identifier names the data type; flags and limits say what they mean', () => {
    const { f } = decodeBoth(`
      20 0d        # CONNACK, RL 13
      00           # acknowledge flags 0
      00           # Success
      0a           # property length 10
      24 00        # maximum QoS 0
      25 01        # retain available 1
      21 00 0a     # receive maximum 10
      22 00 00     # topic alias maximum 0
    `, 5);
    const ids = f.find((x) => x.id === 'mqtt.properties')!.children!.filter((x) => x.id.startsWith('mqtt.property.'));
    expect(ids.map((x) => `${x.label}: ${x.display} | ${x.children![0]!.display}`)).toEqual([
      'Maximum QoS: 0 (QoS 0 only) | 0x24 (Maximum QoS, Byte)',
      'Retain Available: 1 (retained messages supported) | 0x25 (Retain Available, Byte)',
      'Receive Maximum: 10 (at most 10 QoS 1 and QoS 2 PUBLISH packets unacknowledged at once) | 0x21 (Receive Maximum, Two Byte Integer)',
      'Topic Alias Maximum: 0 (no Topic Alias accepted) | 0x22 (Topic Alias Maximum, Two Byte Integer)',
    ]);
  });
  it('every value type has its spec name', () => {
    const sub = decodeBoth(`
      82 10        # SUBSCRIBE, RL 16
      00 01        # packet identifier 1
      09           # property length 9
      0b 05        # subscription identifier 5 (Variable Byte Integer)
      26 00 01 6b 00 01 76  # user property k=v (UTF-8 String Pair)
      00 01 61 00  # topic filter "a", QoS 0
    `, 5).f;
    const con = decodeBoth(`
      10 1b        # CONNECT, RL 27
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # level 5
      02           # clean start
      00 00        # keep alive 0
      0f           # property length 15
      15 00 01 6d  # authentication method "m" (UTF-8 Encoded String)
      16 00 01 01  # authentication data 01 (Binary Data)
      11 00 00 00 3c     # session expiry interval 60 (Four Byte Integer)
      17 01        # request problem information 1 (Byte)
      00 01 63     # client id "c"
    `, 5).f;
    const pid = (f: typeof sub, id: string): string => find(f, id)!.children![0]!.display;
    expect([
      pid(sub, 'mqtt.property.subscription_identifier'), pid(sub, 'mqtt.property.user_property'),
      pid(con, 'mqtt.property.authentication_method'), pid(con, 'mqtt.property.authentication_data'),
      pid(con, 'mqtt.property.session_expiry_interval'), pid(con, 'mqtt.property.request_problem_information'),
    ]).toEqual([
      '0x0b (Subscription Identifier, Variable Byte Integer)', '0x26 (User Property, UTF-8 String Pair)',
      '0x15 (Authentication Method, UTF-8 Encoded String)', '0x16 (Authentication Data, Binary Data)',
      '0x11 (Session Expiry Interval, Four Byte Integer)', '0x17 (Request Problem Information, Byte)',
    ]);
    expect(find(con, 'mqtt.property.request_problem_information')!.display).toBe('1 (Reason String and User Properties on any packet)');
  });
});
