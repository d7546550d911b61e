// Rules found missing or mis-cited in the spec review: a Property Length that
// runs past the packet, Topic Alias 0, Authentication Data without a method,
// an empty Will Topic, the shared subscription grammar, and CONNECT bytes left
// after the fields its flags announce. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, expectField, find, holder } from './helpers.js';

describe('MQTT 5 Property Length running past the end of the packet', () => {
  it('is noted on the Property Length with the 5.0 Property Length rule [MQTT-2.2.2.1]', () => {
    const { f, notes } = decodeBoth(`
      30 06        # PUBLISH QoS 0, Remaining Length 6
      00 01 74     # topic "t"
      20           # property length 32: only 2 bytes follow
      01 01        # payload format indicator 1
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['field-past-end MQTT-2.2.2.1 5']);
    expect(notes[0]!.text).toMatch(/^Property Length 32 runs past the end of the packet \(only 2 byte\(s\) follow it\)/);
    // The note sits on the Property Length (its byte), not on the first property.
    expect(holder(f, 'field-past-end')?.id).toBe('mqtt.property_len.byte');
    expectField(f, 'mqtt.property.payload_format_indicator', 6, 2, 1);
  });
});

describe('property values', () => {
  it('Topic Alias 0 cites [MQTT-3.3.2-8] and says what is allowed', () => {
    const { notes, s } = decodeBoth(`
      30 08        # PUBLISH QoS 0, RL 8
      00 00        # topic length 0 (the alias stands in for it)
      03           # property length 3
      23 00 00     # topic alias 0
      68 69        # payload "hi"
    `, 5);
    // An alias of 0 stands in for nothing, so the empty topic is noted too.
    expect(notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['property-value MQTT-3.3.2-8', 'empty-topic MQTT-3.3.2.1']);
    expect(notes[0]!.text).toBe('Topic Alias has the value 0; it must be non-zero');
    expect(s.topicAlias).toBe(0);
  });
  it('the other out-of-range values cite the section of the property in that packet and name the allowed values', () => {
    const { notes } = decodeBoth(`
      20 05        # CONNACK, RL 5
      00           # acknowledge flags 0
      00           # Success
      02           # property length 2
      24 02        # maximum QoS 2
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['property-value MQTT-3.2.2.3.4']);
    expect(notes[0]!.text).toBe('Maximum QoS has the value 2; it must be 0 or 1');
  });
});

describe('CONNECT Authentication Data without an Authentication Method', () => {
  const DATA_ONLY = `
    10 14        # CONNECT, RL 20
    00 04 4d 51 54 54  # protocol name "MQTT"
    05           # level 5
    02           # clean start
    00 3c        # keep alive 60
    05           # property length 5
    16 00 02 01 02     # authentication data 01 02, no method
    00 02 70 31  # client id "p1"
  `;
  it('is a Protocol Error [MQTT 5.0 §3.1.2.11.10], noted on the Authentication Data', () => {
    const { f, notes } = decodeBoth(DATA_ONLY, 5);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['auth-data-without-method MQTT-3.1.2.11.10 13']);
    expect(holder(f, 'auth-data-without-method')?.id).toBe('mqtt.property.authentication_data');
  });
  it('is fine with a method', () => {
    const { notes } = decodeBoth(`
      10 19        # CONNECT, RL 25
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # level 5
      02           # clean start
      00 3c        # keep alive 60
      0a           # property length 10
      15 00 02 6d 31     # authentication method "m1"
      16 00 02 01 02     # authentication data 01 02
      00 02 70 31  # client id "p1"
    `, 5);
    expect(notes).toEqual([]);
  });
});

describe('empty Will Topic', () => {
  const EMPTY_WILL_TOPIC = `
    10 13        # CONNECT, RL 19
    00 04 4d 51 54 54  # protocol name "MQTT"
    04           # level 4
    06           # will flag, clean session
    00 3c        # keep alive 60
    00 02 70 31  # client id "p1"
    00 00        # will topic length 0
    00 01 6d     # will message "m"
  `;
  it('3.1.1: a Topic Name has at least one character [MQTT-4.7.3-1]', () => {
    const { s, notes } = decodeBoth(EMPTY_WILL_TOPIC, 4);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['empty-topic MQTT-4.7.3-1 16']);
    expect(notes[0]!.text).toContain('Will Topic is empty');
    expect(s.connect?.will).toMatchObject({ topic: '' });
  });
  it('5.0: the same statement [MQTT-4.7.3-1], not the PUBLISH Topic Alias rule', () => {
    const { notes } = decodeBoth(`
      10 15        # CONNECT, RL 21
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # level 5
      06           # will flag, clean start
      00 3c        # keep alive 60
      00           # property length 0
      00 02 70 31  # client id "p1"
      00           # will property length 0
      00 00        # will topic length 0
      00 01 6d     # will message "m"
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['empty-topic MQTT-4.7.3-1']);
  });
});

describe('MQTT 5 shared subscriptions: $share/{ShareName}/{filter}', () => {
  const sub = (filterHex: string, comment: string): string => `
    82 ${(3 + 2 + filterHex.replace(/ /g, '').length / 2 + 1).toString(16).padStart(2, '0')}  # SUBSCRIBE, RL
    00 01        # packet id 1
    00           # property length 0
    00 ${(filterHex.replace(/ /g, '').length / 2).toString(16).padStart(2, '0')} ${filterHex}  # ${comment}
    01           # options: QoS 1
  `;
  it('an empty ShareName: [MQTT-4.8.2-1]', () => {
    const { notes } = decodeBoth(sub('24 73 68 61 72 65 2f 2f 61', 'filter "$share//a"'), 5);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['invalid-topic-filter MQTT-4.8.2-1 7']);
  });
  it('no Topic Filter after the ShareName: [MQTT-4.8.2-2]', () => {
    const a = decodeBoth(sub('24 73 68 61 72 65 2f 67', 'filter "$share/g"'), 5);
    expect(a.codes).toEqual(['invalid-topic-filter MQTT-4.8.2-2']);
    const b = decodeBoth(sub('24 73 68 61 72 65 2f 67 2f', 'filter "$share/g/"'), 5);
    expect(b.codes).toEqual(['invalid-topic-filter MQTT-4.8.2-2']);
  });
  it("a '+' or '#' in the ShareName: [MQTT-4.8.2-2], not the '+' level rule", () => {
    const { notes } = decodeBoth(sub('24 73 68 61 72 65 2f 67 2b 2f 61', 'filter "$share/g+/a"'), 5);
    expect(notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['invalid-topic-filter MQTT-4.8.2-2']);
    expect(notes[0]!.text).toContain('the ShareName "g+"');
  });
  it('the wildcard rules apply to the filter after the ShareName', () => {
    const ok = decodeBoth(sub('24 73 68 61 72 65 2f 67 2f 61 2f 2b 2f 23', 'filter "$share/g/a/+/#"'), 5);
    expect(ok.notes).toEqual([]);
    const bad = decodeBoth(sub('24 73 68 61 72 65 2f 67 2f 61 2b', 'filter "$share/g/a+"'), 5);
    expect(bad.codes).toEqual(['invalid-topic-filter MQTT-4.7.1-2']);
  });
  it('3.1.1 has no shared subscriptions: $share/ is an ordinary filter there', () => {
    const { notes } = decodeBoth(`
      82 0c        # SUBSCRIBE, RL 12
      00 01        # packet id 1
      00 07 24 73 68 61 72 65 2f  # filter "$share/"
      01           # requested QoS 1
    `, 4);
    expect(notes).toEqual([]);
  });
});

describe('CONNECT bytes after the fields its flags announce', () => {
  // The CONNECT of docs/packet-structure.md §3 with one flag cleared.
  const connect = (flags: string, comment: string): string => `
    10 34        # CONNECT, RL 52
    00 04 4d 51 54 54  # protocol name "MQTT"
    04           # level 4
    ${flags}           # ${comment}
    00 3c        # keep alive 60
    00 02 70 31  # client id "p1"
    00 0c 52 6f 6f 6d 31 2f 73 74 61 74 75 73  # will topic "Room1/status"
    00 07 6f 66 66 6c 69 6e 65  # will message "offline"
    00 05 75 73 65 72 31        # user name "user1"
    00 06 73 33 63 72 65 74     # password "s3cret"
  `;
  it('Password Flag 0 with a password present: 3.1.1 [MQTT-3.1.2-20]', () => {
    const { f, notes } = decodeBoth(connect('ae', 'user name, will retain, will QoS 1, will, clean session; no password flag'), 4);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['trailing-bytes MQTT-3.1.2-20 46']);
    expect(notes[0]!.text).toContain('the Password Flag is 0, so no Password may follow the User Name');
    expectField(f, 'mqtt.trailing', 46, 8);
  });
  it('User Name Flag 0: the user name is read as the password, and the rest cites [MQTT-3.1.2-18]', () => {
    const { codes } = decodeBoth(connect('6e', 'password, will retain, will QoS 1, will, clean session; no user name flag'), 4);
    expect(codes).toEqual(['password-without-username MQTT-3.1.2-22', 'trailing-bytes MQTT-3.1.2-18']);
  });
  it('MQTT 5 numbers the same rules -18 (Password) and -16 (User Name)', () => {
    const { codes } = decodeBoth(`
      10 13        # CONNECT, RL 19
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # level 5
      02           # clean start only
      00 3c        # keep alive 60
      00           # property length 0
      00 02 70 31  # client id "p1"
      00 02 70 77  # a password "pw" without the Password Flag
    `, 5);
    expect(codes).toEqual(['trailing-bytes MQTT-3.1.2-18']);
  });
});

describe('textbook displays: what a bit or a value means', () => {
  it('MQTT 5 subscription options: each bit says what it does; bits 0-1 are the Maximum QoS', () => {
    const { f } = decodeBoth(`
      82 0a        # SUBSCRIBE, RL 10
      00 01        # packet id 1
      00           # property length 0
      00 03 61 2f 62     # filter "a/b"
      2d           # options 0010 1101: Retain Handling 2, RAP 1, No Local 1, QoS 1
    `, 5);
    expect(find(f, 'mqtt.sub.rap')).toMatchObject({ value: 1, display: '1 (RETAIN kept as published)' });
    expect(find(f, 'mqtt.sub.nl')).toMatchObject({ value: 1, display: '1 (own publications are not delivered to this client)' });
    expect(find(f, 'mqtt.sub.qos')).toMatchObject({ label: 'Maximum QoS', value: 1, display: '1 (At least once)', mask: 0x03 });
    expect(find(f, 'mqtt.subscription_options.reserved')).toMatchObject({ value: 0, display: '0' });
  });
  it('Will QoS names the level when the Will Flag is set, and says it must be 0 otherwise', () => {
    const withWill = decodeBoth(`
      10 17        # CONNECT, RL 23
      00 04 4d 51 54 54  # protocol name "MQTT"
      04           # level 4
      16           # will QoS 2, will flag, clean session
      00 3c        # keep alive 60
      00 02 70 31  # client id "p1"
      00 03 61 2f 62     # will topic "a/b"
      00 01 6d     # will message "m"
    `, 4);
    expect(find(withWill.f, 'mqtt.conflag.qos')).toMatchObject({ value: 2, display: '2 (Exactly once)' });
    const noWill = decodeBoth(`
      10 0e        # CONNECT, RL 14
      00 04 4d 51 54 54  # protocol name "MQTT"
      04           # level 4
      0a           # will QoS 1 without the will flag, clean session
      00 3c        # keep alive 60
      00 02 70 31  # client id "p1"
    `, 4);
    expect(find(noWill.f, 'mqtt.conflag.qos')).toMatchObject({ value: 1, display: '1 (must be 0 without the Will Flag)' });
    expect(noWill.codes).toEqual(['will-flags MQTT-3.1.2-13']);
  });
  it('intervals in seconds, sizes in bytes, Session Expiry 0 and 0xFFFFFFFF explained', () => {
    const { f, notes } = decodeBoth(`
      10 19        # CONNECT, RL 25
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # level 5
      02           # clean start
      00 3c        # keep alive 60
      0a           # property length 10
      11 ff ff ff ff     # session expiry interval 0xFFFFFFFF
      27 00 00 04 00     # maximum packet size 1024
      00 02 70 31  # client id "p1"
    `, 5);
    expect(find(f, 'mqtt.property.session_expiry_interval.value')?.display).toBe('4294967295 s (the session does not expire)');
    expect(find(f, 'mqtt.property.session_expiry_interval')?.display).toBe('4294967295 s (the session does not expire)');
    expect(find(f, 'mqtt.property.maximum_packet_size.value')?.display).toBe('1024 bytes');
    expect(notes).toEqual([]);
    const pub = decodeBoth(`
      30 0b        # PUBLISH QoS 0, RL 11
      00 01 74     # topic "t"
      07           # property length 7
      02 00 00 00 3c     # message expiry interval 60
      01 01        # payload format indicator 1
      00           # payload 00
    `, 5);
    expect(find(pub.f, 'mqtt.property.message_expiry_interval.value')?.display).toBe('60 s');
    expect(find(pub.f, 'mqtt.property.payload_format_indicator.value')?.display).toBe('1 (UTF-8 encoded character data)');
  });
});
