// MUST-level rules the dissector notes since the QA pass: topic filter
// grammar, CONNACK Session Present on a refusal, No Local on a shared
// subscription, wildcards in Will and Response Topics, empty ClientId, Will
// flags, AUTH outside MQTT 5, MQTT 3.1 CONNACK/SUBACK, properties running past
// their block, BOM and discouraged code points. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, expectField, find, findAll, hex, holder } from './helpers.js';

const both = decodeBoth;

/** One byte as two hex digits. */
function hx(n: number): string {
  return n.toString(16).padStart(2, '0');
}

describe('topic filter grammar in SUBSCRIBE and UNSUBSCRIBE', () => {
  const HASH_INSIDE = `
    82 0a        # SUBSCRIBE, flags 0010, Remaining Length 10
    00 01        # packet id 1
    00 05 61 2f 23 2f 62  # filter "a/#/b": '#' not last
    00           # requested QoS 0
  `;
  const PLUS_IN_LEVEL = `
    82 07        # SUBSCRIBE, RL 7
    00 01        # packet id 1
    00 02 61 2b  # filter "a+": '+' shares a level
    00           # QoS 0
  `;
  it('notes # not last or not a whole level (3.1.1 MQTT-4.7.1-2, 5.0 MQTT-4.7.1-1)', () => {
    const a = both(HASH_INSIDE, 4);
    expect(a.codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2']);
    expect(holder(a.f, 'invalid-topic-filter')?.id).toBe('mqtt.topic');
    const v5 = both(`
      82 0b        # SUBSCRIBE, RL 11
      00 01        # packet id 1
      00           # no properties
      00 05 61 2f 23 2f 62  # "a/#/b"
      00           # options: QoS 0
    `, 5);
    expect(v5.codes).toEqual(['invalid-topic-filter MQTT-4.7.1-1']);
    expect(both(`
      82 07        # SUBSCRIBE, RL 7
      00 01        # packet id 1
      00 02 61 23  # "a#": '#' not after a separator
      00           # QoS 0
    `, 4).codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2']);
  });
  it('notes + not a whole level (3.1.1 MQTT-4.7.1-3, 5.0 MQTT-4.7.1-2)', () => {
    expect(both(PLUS_IN_LEVEL, 4).codes).toEqual(['invalid-topic-filter MQTT-4.7.1-3']);
    expect(both(`
      82 08        # SUBSCRIBE, RL 8
      00 01        # packet id 1
      00           # no properties
      00 02 61 2b  # "a+"
      00           # options
    `, 5).codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2']);
  });
  it('reports both problems of one filter, and accepts valid wildcards', () => {
    expect(both(`
      82 09        # SUBSCRIBE, RL 9
      00 01        # packet id 1
      00 04 2b 78 23 61  # "+x#a"
      01           # QoS 1
    `, 4).codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2', 'invalid-topic-filter MQTT-4.7.1-3']);
    for (const f of ['#', '+', 'a/#', '+/+/#', '/+/', 'a//+']) {
      const bytes = Buffer.from(f);
      const h = `82 ${hx(bytes.length + 5)} 00 01 00 ${hx(bytes.length)} ${bytes.toString('hex')} 00`;
      expect(both(h, 4).codes, f).toEqual([]);
    }
  });
  it('checks UNSUBSCRIBE filters too', () => {
    expect(both(`
      a2 09        # UNSUBSCRIBE, flags 0010, RL 9
      00 02        # packet id 2
      00 05 61 2f 23 2f 62  # "a/#/b"
    `, 4).codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2']);
    expect(both(`
      a2 07        # UNSUBSCRIBE, RL 7
      00 02        # packet id 2
      00           # no properties
      00 02 61 2b  # "a+"
    `, 5).codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2']);
  });
});

describe('CONNACK Session Present with a refusal', () => {
  it('3.1.1: MQTT-3.2.2-4', () => {
    const { s, f, codes } = both(`
      20 02        # CONNACK, RL 2
      01           # Session Present 1
      05           # return code 5: not authorized
    `, 4);
    expect(codes).toEqual(['session-present-on-refusal MQTT-3.2.2-4']);
    expect(s.connack).toEqual({ sessionPresent: true, returnCode: 5 });
    expect(holder(f, 'session-present-on-refusal')?.id).toBe('mqtt.conack.flags');
  });
  it('5.0: MQTT-3.2.2-6', () => {
    expect(both(`
      20 03        # CONNACK, RL 3
      01           # Session Present 1
      87           # Not authorized
      00           # no properties
    `, 5).codes).toEqual(['session-present-on-refusal MQTT-3.2.2-6']);
  });
  it('Session Present with Success is fine', () => {
    expect(both('20 03 01 00 00  # SP 1, Success, no properties', 5).codes).toEqual([]);
  });
});

describe('SUBSCRIBE v5 No Local on a shared subscription', () => {
  it('MQTT-3.8.3-4', () => {
    const { f, codes } = both(`
      82 10        # SUBSCRIBE, RL 16
      00 01        # packet id 1
      00           # no properties
      00 0a 24 73 68 61 72 65 2f 61 2f 62  # "$share/a/b"
      04           # options: No Local, QoS 0
    `, 5);
    expect(codes).toEqual(['no-local-shared MQTT-3.8.3-4']);
    expect(holder(f, 'no-local-shared')?.id).toBe('mqtt.subscription_options');
  });
  it('No Local on an ordinary filter is fine', () => {
    expect(both('82 09 00 01 00 00 03 61 2f 62 04  # "a/b", No Local', 5).codes).toEqual([]);
  });
});

describe('wildcards in Topic Names outside PUBLISH', () => {
  it('v5 Response Topic: MQTT-3.3.2-14', () => {
    const { f, codes } = both(`
      30 0b        # PUBLISH QoS 0, RL 11
      00 01 61     # topic "a"
      05           # property length 5
      08 00 02 61 2b  # response topic "a+"
      68 69        # payload "hi"
    `, 5);
    expect(codes).toEqual(['wildcard-in-topic MQTT-3.3.2-14']);
    expect(holder(f, 'wildcard-in-topic')?.id).toBe('mqtt.property.response_topic.value');
  });
  it('Will Topic: 3.1.1 MQTT-4.7.1-1, 5.0 MQTT-4.7.0-1', () => {
    const { s, codes } = both(`
      10 15        # CONNECT, RL 21
      00 04 4d 51 54 54  # "MQTT"
      04           # level 4
      06           # will flag, clean session
      00 3c        # keep alive 60
      00 01 61     # client id "a"
      00 03 61 2f 23  # will topic "a/#"
      00 01 6d     # will message "m"
    `, 4);
    expect(codes).toEqual(['wildcard-in-topic MQTT-4.7.1-1']);
    expect(s.connect!.will!.topic).toBe('a/#');
    expect(both(`
      10 17        # CONNECT, RL 23
      00 04 4d 51 54 54  # "MQTT"
      05           # level 5
      06           # will flag, clean start
      00 3c        # keep alive 60
      00           # no properties
      00 01 61     # client id "a"
      00           # no will properties
      00 03 61 2f 2b  # will topic "a/+"
      00 01 6d     # will message "m"
    `, 4).codes).toEqual(['wildcard-in-topic MQTT-4.7.0-1']);
  });
});

describe('CONNECT flags and ClientId', () => {
  const EMPTY_ID_NOT_CLEAN = `
    10 0c        # CONNECT, RL 12
    00 04 4d 51 54 54  # "MQTT"
    04           # level 4
    00           # flags: CleanSession 0
    00 3c        # keep alive 60
    00 00        # client id "" (zero bytes)
  `;
  it('3.1.1 zero-byte ClientId with CleanSession 0: MQTT-3.1.3-7', () => {
    const { f, codes } = both(EMPTY_ID_NOT_CLEAN, 4);
    expect(codes).toEqual(['empty-client-id MQTT-3.1.3-7']);
    expect(holder(f, 'empty-client-id')?.id).toBe('mqtt.clientid_len');
    expect(both('10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00  # CleanSession 1', 4).codes).toEqual([]);
  });
  it('MQTT 5 lets the Server assign a ClientId', () => {
    expect(both(`
      10 0d        # CONNECT, RL 13
      00 04 4d 51 54 54  # "MQTT"
      05           # level 5
      00           # Clean Start 0
      00 3c        # keep alive 60
      00           # no properties
      00 00        # client id ""
    `, 5).codes).toEqual([]);
  });
  it('Will QoS and Will Retain set without the Will Flag: both noted', () => {
    expect(both(`
      10 0d        # CONNECT, RL 13
      00 04 4d 51 54 54  # "MQTT"
      04           # level 4
      30           # flags: will retain, will QoS 2, no will flag
      00 3c        # keep alive 60
      00 01 61     # client id "a"
    `, 4).codes).toEqual(['will-flags MQTT-3.1.2-13', 'will-flags MQTT-3.1.2-15']);
    expect(both(`
      10 0e        # CONNECT, RL 14
      00 04 4d 51 54 54  # "MQTT"
      05           # level 5
      30           # will retain, will QoS 2, no will flag
      00 3c        # keep alive 60
      00           # no properties
      00 01 61     # client id "a"
    `, 5).codes).toEqual(['will-flags MQTT-3.1.2-11', 'will-flags MQTT-3.1.2-13']);
  });
  it('Will QoS 3 with the Will Flag: 3.1.1 MQTT-3.1.2-14, 5.0 MQTT-3.1.2-12', () => {
    const h = (level: string, props: string) => `
      10 ${level === '05' ? '15' : '13'}  # CONNECT
      00 04 4d 51 54 54  # "MQTT"
      ${level}     # level
      1c           # will QoS 3, will flag
      00 3c        # keep alive 60
      ${props}     # (v5: no properties)
      00 01 61     # client id "a"
      ${props}     # (v5: no will properties)
      00 01 74     # will topic "t"
      00 01 6d     # will message "m"
    `;
    expect(both(h('04', ''), 4).codes).toEqual(['will-flags MQTT-3.1.2-14']);
    expect(both(h('05', '00'), 5).codes).toEqual(['will-flags MQTT-3.1.2-12']);
  });
});

describe('AUTH on a 3.1/3.1.1 connection is decoded as MQTT 5', () => {
  it('reason code and properties use the MQTT 5 tables', () => {
    const { s, f, codes } = both(`
      f0 02        # AUTH, RL 2
      18           # Continue authentication
      00           # no properties: not even the Authentication Method (MQTT 5 rules apply)
    `, 4);
    expect(codes).toEqual(['auth-not-v5 MQTT-2.2.1', 'auth-method-missing MQTT-3.15.2.2.2']);
    expect(s.reasonCodes).toEqual([0x18]);
    expect(s.properties).toEqual({});
    expect(expectField(f, 'mqtt.auth.reason_code', 2, 1, 0x18).display).toBe('0x18 (Continue authentication)');
    const p = both(`
      f0 0a        # AUTH, RL 10
      19           # Re-authenticate
      08 15 00 05 53 43 52 41 4d  # authentication method "SCRAM"
    `, 3);
    expect(p.codes).toEqual(['auth-not-v5 MQTT-2.2.1']);
    expect(p.s.properties).toEqual({ authentication_method: 'SCRAM' });
  });
  it('its flags and reason codes are checked against the MQTT 5 rules', () => {
    expect(both('f1 00  # AUTH with flags 0001', 4).codes).toEqual(['auth-not-v5 MQTT-2.2.1', 'reserved-flags MQTT-3.15.1-1']);
    expect(both('f0 00  # AUTH, Success implied', 4).codes).toEqual(['auth-not-v5 MQTT-2.2.1']);
    expect(both('f0 08 00 06 15 00 03 53 43 52  # AUTH, Success, method "SCR"', 4).codes).toEqual(['auth-not-v5 MQTT-2.2.1']);
    expect(both('f0 08 80 06 15 00 03 53 43 52  # AUTH, 0x80 is not an AUTH code', 4).codes).toEqual(['auth-not-v5 MQTT-2.2.1', 'invalid-reason-code MQTT-3.15.2-1']);
  });
});

describe('MQTT 3.1 (level 3)', () => {
  it('CONNACK byte 1 is reserved: no Session Present field', () => {
    const { s, f, codes } = both(`
      20 02        # CONNACK, RL 2
      01           # reserved byte (bit 0 is not Session Present in 3.1)
      00           # Connection Accepted
    `, 3);
    expect(codes).toEqual(['connack-reserved-flags MQTT-3.2.2.1']);
    expect(s.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    expect(find(f, 'mqtt.conack.flags.sp')).toBeUndefined();
    const r = expectField(f, 'mqtt.conack.flags.reserved', 2, 1, 1);
    expect(r.mask).toBe(0xff);
    // 3.1.1 still has the Session Present bit and a 7-bit reserved mask
    const v4 = both('20 02 01 00  # SP 1, accepted', 4);
    expect(expectField(v4.f, 'mqtt.conack.flags.reserved', 2, 1, 0).mask).toBe(0xfe);
    expectField(v4.f, 'mqtt.conack.flags.sp', 2, 1, 1);
  });
  it('SUBACK 0x80 (Failure) exists only from 3.1.1 on', () => {
    const { f, codes } = both(`
      90 03        # SUBACK, RL 3
      00 01        # packet id 1
      80           # 0x80: Failure in 3.1.1, undefined in 3.1
    `, 3);
    // 3.1 section 3.9, not 3.1.1 MQTT-3.9.3-2 (which allows 0x80).
    expect(codes).toEqual(['invalid-reason-code MQTT-3.9']);
    expect(findAll(f, 'mqtt.suback.qos')[0]!.display).toBe('0x80 (invalid)');
    expect(both('90 03 00 01 80', 4).codes).toEqual([]);
  });
});

describe('a property that runs past its property block', () => {
  // Property Length 14, but the properties take 15 bytes.
  const CONNECT_SHORT_PROPS = `
    10 36        # CONNECT, RL 54
    00 04 4d 51 54 54  # "MQTT"
    05           # level 5
    ce           # user name, password, will QoS 1, will flag, clean start
    00 3c        # keep alive 60
    0e           # property length 14 (one too few)
    11 00 00 00 78     # session expiry interval 120
    21 00 05     # receive maximum 5
    26 00 01 61 00 01 62  # user property a=b (ends 1 byte after the block)
    00 02 63 31  # client id "c1"
    07           # will property length 7
    18 00 00 00 05     # will delay interval 5
    01 01        # payload format indicator 1
    00 03 77 2f 74     # will topic "w/t"
    00 02 62 79  # will message "by"
    00 01 75     # user name "u"
    00 02 70 77  # password "pw"
  `;
  it('names the property, attaches the note to it, and decodes the rest', () => {
    const { s, f, notes } = both(CONNECT_SHORT_PROPS, 5);
    expect(notes.map((n) => n.code)).toEqual(['property-past-end']);
    expect(notes[0]).toMatchObject({ spec: 'MQTT-2.2.2.1', offset: 21 });
    expect(notes[0]!.text).toContain('User Property (0x26)');
    expect(notes[0]!.text).toContain('past the end of the property block');
    expect(holder(f, 'property-past-end')?.id).toBe('mqtt.property.user_property');
    expect(s.properties).toEqual({ session_expiry_interval: 120, receive_maximum: 5, user_property: [['a', 'b']] });
    expect(s.connect).toMatchObject({ clientId: 'c1', username: 'u', will: { topic: 'w/t', qos: 1 } });
    expect(Buffer.from(s.connect!.password!).toString()).toBe('pw');
    expectField(f, 'mqtt.properties', 12, 16);
    expectField(f, 'mqtt.clientid', 30, 2, 'c1');
    expectField(f, 'mqtt.passwd', 54, 2);
  });
  it('a property that would also run past the packet: rest of the block undecoded, decoding goes on after the block', () => {
    const { s, f, notes } = both(`
      30 0c        # PUBLISH QoS 0, RL 12
      00 01 61     # topic "a"
      04           # property length 4
      26 00 40 6b  # user property, key length 64: past the block and the packet
      68 69 21 21  # payload "hi!!"
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.offset}`)).toEqual(['property-past-end 6']);
    expect(notes[0]!.text).toContain('User Property (0x26)');
    expect(s.payloadOffset).toBe(10);
    expect(s.payloadLength).toBe(4);
    expectField(f, 'mqtt.property.user_property', 6, 4);
    expectField(f, 'mqtt.msg', 10, 4, '68692121');
  });
  it('a property block that ends with the packet: the truncation note names the property', () => {
    const { notes } = both(`
      e0 04        # DISCONNECT, RL 4
      00           # Normal disconnection
      02           # property length 2
      11 00        # session expiry interval: 1 of 4 bytes
    `, 5);
    expect(notes.map((n) => n.code)).toEqual(['field-past-end']);
    expect(notes[0]!.text).toMatch(/^Session Expiry Interval needs 4 byte/);
  });
  it('property string notes name the property', () => {
    const { notes } = both(`
      30 0b        # PUBLISH QoS 0, RL 11
      00 01 61     # topic "a"
      07           # property length 7
      26 00 01 6b 00 01 ff  # user property k=<ff>
    `, 5);
    expect(notes.map((n) => n.text)).toEqual(['User Property value is not well-formed UTF-8 (ill-formed sequence or UTF-16 surrogate)']);
    expect(both('30 09 00 01 61 05 03 00 02 c3 28  # content type c3 28', 5).notes[0]!.text).toMatch(/^Content Type is not well-formed/);
  });
});

describe('UTF-8: BOM kept, discouraged code points noted', () => {
  it('keeps U+FEFF even when the string also has an invalid byte [MQTT-1.5.4-3]', () => {
    const { s, codes } = both(`
      30 07        # PUBLISH QoS 0, RL 7
      00 05 ef bb bf 61 c0  # topic: BOM, "a", invalid byte c0
    `, 4);
    expect(s.topic).toBe('\ufeffa\ufffd');
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.3-1']);
    expect(both('30 06 00 04 ef bb bf 61  # BOM "a", valid', 4).s.topic).toBe('\ufeffa');
  });
  it('warns about control characters and noncharacters (3.1.1 §1.5.3, 5.0 §1.5.4)', () => {
    const cases: Array<[string, string]> = [
      ['01', 'U+0001'], ['1f', 'U+001F'], ['7f', 'U+007F'], ['c2 80', 'U+0080'], ['c2 9f', 'U+009F'],
      ['ef b7 90', 'U+FDD0'], ['ef b7 af', 'U+FDEF'], ['ef bf be', 'U+FFFE'], ['ef bf bf', 'U+FFFF'],
      ['f0 9f bf be', 'U+1FFFE'], ['f4 8f bf bf', 'U+10FFFF'],
    ];
    for (const [bytes, name] of cases) {
      const body = hex(bytes);
      // PUBLISH QoS 0 with topic "a" + the code point
      const h = `30 ${hx(body.length + 3)} 00 ${hx(body.length + 1)} 61 ${bytes}`;
      const { notes } = both(h, 4);
      expect(notes.map((n) => `${n.severity} ${n.code} ${n.spec}`), name).toEqual(['warn utf8-discouraged MQTT-1.5.3']);
    }
    expect(both('30 06 00 02 61 09 00 00  # topic "a\\t", no properties', 5).codes).toEqual(['utf8-discouraged MQTT-1.5.4']);
  });
  it('leaves ordinary text alone', () => {
    const ok = ['20', '7e', 'c2 a0', 'c3 a9', 'ef b7 8f', 'ef b7 b0', 'ef bf bd', 'f0 9f 98 80', 'f0 9f bf bd'];
    for (const bytes of ok) {
      const body = hex(bytes);
      const h = `30 ${hx(body.length + 3)} 00 ${hx(body.length + 1)} 61 ${bytes}`;
      expect(both(h, 4).codes, bytes).toEqual([]);
    }
  });
  it('checks every string: client id, user name, filters, property strings', () => {
    expect(both(`
      10 10        # CONNECT, RL 16
      00 04 4d 51 54 54  # "MQTT"
      04           # level 4
      82           # user name, clean session
      00 3c        # keep alive 60
      00 01 0a     # client id "\\n"
      00 01 61     # user name "a"
    `, 4).notes.map((n) => n.text)).toEqual([expect.stringMatching(/^Client ID contains a control character/)]);
    expect(both('a2 05 00 02 00 01 1b  # UNSUBSCRIBE filter ESC', 4).codes).toEqual(['utf8-discouraged MQTT-1.5.3']);
    expect(both('e0 07 00 05 1f 00 02 61 7f  # DISCONNECT reason string "a DEL"', 5).notes[0]!.text).toMatch(/^Reason String contains/);
  });
});
