// A teacher's review of the annotation tree: findings that came out of reading
// the tree byte by byte against the specs and tshark 4.0. One comment per field.
import { describe, expect, it } from 'vitest';
import { dissect, secretRanges } from '../../src/dissect/index.js';
import { renderTree } from '../../src/views/tree.js';
import { decodeBoth, find, hex } from './helpers.js';

describe('UTF-8: a multi-byte sequence cut off by the end of the string', () => {
  it('a + after it is still a wildcard in a PUBLISH Topic Name (MQTT-3.3.2-2)', () => {
    const { codes } = decodeBoth(`
      30 05        # PUBLISH QoS 0, Remaining Length 5
      00 03        # topic length 3
      61 e2 2b     # topic: "a", a lead byte e2 without its 2 continuation bytes, "+"
    `, 4);
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.3-1', 'wildcard-in-topic MQTT-3.3.2-2']);
  });

  it('a U+0000 after it is still noted (5.0 MQTT-1.5.4-2)', () => {
    const { codes } = decodeBoth(`
      30 06        # PUBLISH QoS 0, Remaining Length 6
      00 03        # topic length 3
      61 f0 00     # topic: "a", a lead byte f0 without its 3 continuation bytes, U+0000
      00           # property length 0
    `, 5);
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.4-1', 'utf8-null MQTT-1.5.4-2']);
  });

  it('a # after it in a topic filter is judged by the filter rules (MQTT-4.7.1-2)', () => {
    const { codes } = decodeBoth(`
      a2 06        # UNSUBSCRIBE, Remaining Length 6
      00 01        # packet identifier 1
      00 02        # topic filter length 2
      e2 23        # topic filter: a cut-off lead byte e2, then "#" (not a level of its own)
    `, 4);
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.3-1', 'invalid-topic-filter MQTT-4.7.1-2']);
  });
});

describe('a Variable Byte Integer of more than 4 bytes keeps its 5th byte (tshark reads it too)', () => {
  it('Remaining Length 80 80 80 80 01: five byte fields, the 5th saying it is one too many', () => {
    const { f, codes } = decodeBoth(`
      30           # PUBLISH QoS 0
      80 80 80 80  # Remaining Length bytes 1-4, each with its continuation bit set
      01           # a 5th Remaining Length byte (continuation 0)
      00           # a byte after it
    `, 4);
    expect(codes).toEqual(['remaining-length-too-long MQTT-2.2.3']);
    const len = find(f, 'mqtt.len')!;
    expect(len).toMatchObject({ offset: 1, length: 5, value: null, display: '80 80 80 80 01 (invalid: longer than 4 bytes)' });
    expect(len.children!.map((c) => c.label)).toEqual(['byte 1', 'byte 2', 'byte 3', 'byte 4', 'byte 5']);
    expect(len.children![4]!.display).toBe('0x01 = 0 0000001 → value 1 × 268435456 = 268435456, continuation 0 (last byte); not allowed: a Variable Byte Integer has at most 4 bytes');
    expect(f.map((x) => [x.id, x.offset, x.length])).toEqual([['mqtt.hdrflags', 0, 1], ['mqtt.len', 1, 5], ['mqtt.undecoded', 6, 1]]);
  });

  it('a Remaining Length cut off by the end of the bytes says so', () => {
    const { f } = decodeBoth(`
      30           # PUBLISH QoS 0
      80 80        # Remaining Length bytes 1-2, continuation set, then the bytes end
    `, 4);
    expect(find(f, 'mqtt.len')).toMatchObject({ offset: 1, length: 2, display: '80 80 (invalid: cut off)' });
  });

  it('an MQTT 5 Property Length of 5 bytes: its 5th byte is not taken for trailing bytes', () => {
    const { f, notes } = decodeBoth(`
      40 09        # PUBACK, Remaining Length 9
      00 01        # packet identifier 1
      00           # reason code 0x00 Success
      ff ff ff ff  # Property Length bytes 1-4, each with its continuation bit set
      01           # a 5th Property Length byte
      00           # a byte after it
    `, 5);
    expect(notes.map((n) => n.code)).toEqual(['varint-too-long', 'trailing-bytes']);
    expect(notes[1]!.text).toBe('1 byte(s) left over after the last field of PUBACK (inside the Remaining Length)');
    expect(find(f, 'mqtt.property_len')).toMatchObject({ offset: 5, length: 5, display: 'ffffffff01 (invalid: longer than 4 bytes)' });
  });

  it('in a CONNECT the over-long Property Length stays masked, its 5th byte too', () => {
    const b = hex(`
      10 14        # CONNECT, Remaining Length 20
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # protocol version 5
      02           # connect flags: Clean Start
      00 3c        # keep alive 60 s
      ff ff ff ff  # Property Length bytes 1-4, each with its continuation bit set
      01           # a 5th Property Length byte
      00 01 63     # what would be the client id "c"
      00 00        # two bytes after it
    `);
    const t = dissect(b, { version: 5 });
    expect(secretRanges(t.fields, b)).toEqual([[12, 22]]);
    expect(renderTree(b, t)).toContain('[12, 5 bytes] ** ** ** ** **  Property Length: ******** (invalid: longer than 4 bytes)');
  });
});

describe('CONNECT that ends where a field its flags announce should start', () => {
  it('3.1.1 User Name Flag 1, no User Name: cites MQTT-3.1.2-19 and names the flag', () => {
    const { notes } = decodeBoth(`
      10 0f        # CONNECT, Remaining Length 15
      00 04 4d 51 54 54  # protocol name "MQTT"
      04           # protocol level 4
      82           # connect flags: User Name Flag, Clean Session
      00 3c        # keep alive 60 s
      00 03 61 62 63  # client id "abc"; the packet ends here
    `, 4);
    expect(notes.map((n) => `${n.code} ${n.spec} ${n.offset}`)).toEqual(['field-past-end MQTT-3.1.2-19 17']);
    expect(notes[0]!.text).toBe('the User Name Flag is 1, so a User Name must follow, but the packet ends at offset 17');
  });

  it('5.0 Password Flag 1 without a User Name (allowed in 5.0), no Password: MQTT-3.1.2-19', () => {
    const { codes } = decodeBoth(`
      10 10        # CONNECT, Remaining Length 16
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # protocol version 5
      40           # connect flags: Password Flag
      00 3c        # keep alive 60 s
      00           # property length 0
      00 03 61 62 63  # client id "abc"; the packet ends here
    `, 5);
    expect(codes).toEqual(['field-past-end MQTT-3.1.2-19']);
  });

  it('3.1.1 Password Flag 1, no Password: MQTT-3.1.2-21; 5.0 Will Flag 1, no will: MQTT-3.1.2-9', () => {
    expect(decodeBoth(`
      10 12        # CONNECT, Remaining Length 18
      00 04 4d 51 54 54  # protocol name "MQTT"
      04           # protocol level 4
      c2           # connect flags: User Name Flag, Password Flag, Clean Session
      00 3c        # keep alive 60 s
      00 03 61 62 63  # client id "abc"
      00 01 75     # user name "u"; the packet ends here
    `, 4).codes).toEqual(['field-past-end MQTT-3.1.2-21']);
    const { notes } = decodeBoth(`
      10 10        # CONNECT, Remaining Length 16
      00 04 4d 51 54 54  # protocol name "MQTT"
      05           # protocol version 5
      06           # connect flags: Will Flag, Clean Start
      00 3c        # keep alive 60 s
      00           # property length 0
      00 03 61 62 63  # client id "abc"; the packet ends here
    `, 5);
    expect(notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['field-past-end MQTT-3.1.2-9']);
    expect(notes[0]!.text).toBe('the Will Flag is 1, so the Will Properties, Will Topic and Will Message must follow, but the packet ends at offset 18');
  });

  it('a field cut off part-way still gets the ordinary note', () => {
    const { notes } = decodeBoth(`
      10 10        # CONNECT, Remaining Length 16
      00 04 4d 51 54 54  # protocol name "MQTT"
      04           # protocol level 4
      82           # connect flags: User Name Flag, Clean Session
      00 3c        # keep alive 60 s
      00 03 61 62 63  # client id "abc"
      00           # the first byte of the User Name Length; the packet ends here
    `, 4);
    expect(notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['field-past-end MQTT-2.1']);
    expect(notes[0]!.text).toBe('User Name Length needs 2 byte(s) at offset 17 but only 1 remain in the packet');
  });
});

describe('tree: a QoS 0 PUBLISH says it has no Packet Identifier, also with an empty Topic Name', () => {
  it('5.0 with a Topic Alias: the line follows the Topic Length', () => {
    const b = hex(`
      30 08        # PUBLISH QoS 0, Remaining Length 8
      00 00        # topic length 0 (the Topic Alias gives the topic)
      03           # property length 3
      23 00 01     # Topic Alias 1
      68 69        # payload "hi"
    `);
    const lines = renderTree(b, dissect(b, { version: 5 }), { version: 5 }).split('\n');
    const at = lines.findIndex((l) => l.startsWith('[2, 2 bytes] 00 00  Topic Length: 0'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('(no Packet Identifier: a QoS 0 PUBLISH carries none [MQTT-2.2.1-2])');
    expect(lines.filter((l) => l.startsWith('(no Packet Identifier')).length).toBe(1);
  });

  it('3.1.1 with a Topic Name: once, after the topic', () => {
    const b = hex(`
      30 05        # PUBLISH QoS 0, Remaining Length 5
      00 01        # topic length 1
      61           # topic "a"
      68 69        # payload "hi"
    `);
    const lines = renderTree(b, dissect(b, { version: 4 }), { version: 4 }).split('\n');
    expect(lines.filter((l) => l.startsWith('(no Packet Identifier')).length).toBe(1);
    expect(lines[lines.findIndex((l) => l.includes('Topic: "a"')) + 1]).toBe('(no Packet Identifier: a QoS 0 PUBLISH carries none [MQTT-2.3.1-5])');
  });
});
