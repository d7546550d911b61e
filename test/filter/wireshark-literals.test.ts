// Wireshark 4.0 display-filter literals and operators that mqttscope read
// otherwise, or refused: byte strings on bytes fields (`mqtt.msg contains 54:75`),
// octal and \a \b \f \v escapes (`"\057"` is '/', it was NUL then "57"),
// `===` / `!==` (all_eq / any_ne), and Wireshark's functions and regular
// expressions, which are refused with a message that says so.
import { describe, expect, it } from 'vitest';
import { compileFilter, maskFilterSecrets } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { syntaxError } from './errors.js';
import { gen } from './records.js';

const m = (expr: string, rec: PacketRecord): boolean => compileFilter(expr)(rec);

const pub = gen({ cmd: 'publish', topic: 'Room1/Light', payload: Buffer.from('Turn On'), qos: 1, messageId: 5, retain: false, dup: false });
const pub21 = gen({ cmd: 'publish', topic: 't', payload: Buffer.from('21'), qos: 0, retain: false, dup: false });
const will = gen({
  cmd: 'connect', clientId: 'sensor-7', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60,
  will: { topic: 'status/sensor-7', payload: Buffer.from('offline'), qos: 1, retain: false },
});
// SUBACK granted codes 0, 1 and 0x80: a field that occurs three times.
const suback = gen({ cmd: 'suback', messageId: 3, granted: [0, 1, 0x80] }, { dir: 's2c' });
const subackAll1 = gen({ cmd: 'suback', messageId: 4, granted: [1, 1] }, { dir: 's2c' });

describe('byte strings on bytes fields, as in Wireshark', () => {
  it('mqtt.msg takes hex bytes separated by :, - or .', () => {
    expect(m('mqtt.msg == 54:75:72:6e:20:4f:6e', pub)).toBe(true);
    expect(m('mqtt.msg contains 54:75', pub)).toBe(true);
    expect(m('mqtt.msg contains 54-75', pub)).toBe(true);
    expect(m('mqtt.msg contains 54.75', pub)).toBe(true);
    expect(m('mqtt.msg contains 4f:6e', pub)).toBe(true);
    expect(m('mqtt.msg contains 4f:6f', pub)).toBe(false);
  });
  it('mqtt.msg takes unseparated hex and one byte (54, 0x54, 5475)', () => {
    expect(m('mqtt.msg contains 5475', pub)).toBe(true);
    expect(m('mqtt.msg contains 54', pub)).toBe(true);
    expect(m('mqtt.msg contains 0x54', pub)).toBe(true);
    // 21 is the byte 0x21 ('!'), not the text "21", on mqtt.msg
    expect(m('mqtt.msg == 21', pub21)).toBe(false);
    expect(m('mqtt.msg == 32:31', pub21)).toBe(true);
  });
  it('hex digits after a decimal one (4f, 5475726e) are bytes there, and an invalid number elsewhere', () => {
    expect(m('mqtt.msg contains 4f', pub)).toBe(true);
    expect(m('mqtt.msg == 5475726e204f6e', pub)).toBe(true);
    expect(m('mqtt.msg in {00 4f:4e 5475726e204f6e}', pub)).toBe(true);
    const e = syntaxError('mqtt.msgid == 4f');
    expect(e.code).toBe('bad-number');
    expect(e.position).toBe(15);
    expect(syntaxError('mqtt.qos == 4f').reason).toBe("invalid number '4f'; quote it if it is a string");
    // a text field takes it as text, as Wireshark takes an unquoted string
    expect(m('payload contains 4f', gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x4fy'), qos: 0, retain: false, dup: false }))).toBe(true);
  });
  it('payload (not a Wireshark name) and mqtt.msg_text (a string in Wireshark) keep text', () => {
    expect(m('payload == 21', pub21)).toBe(true);
    expect(m('mqtt.msg_text == 21', pub21)).toBe(true);
    expect(m('mqtt.msg == "21"', pub21)).toBe(true);
  });
  it('mqtt.willmsg and mqtt (the packet bytes) take byte strings too', () => {
    expect(m('mqtt.willmsg == 6f:66:66:6c:69:6e:65', will)).toBe(true);
    expect(m('mqtt contains 32:16', pub)).toBe(true); // 32: PUBLISH, QoS 1; 16: Remaining Length 22 (2+11 topic, 2 id, 7 payload)
    expect(m('mqtt contains 30:16', pub)).toBe(false); // 30: PUBLISH, QoS 0 (not this packet)
    expect(m('mqtt contains 52:6f:6f:6d:31', pub)).toBe(true);
  });
  it('a text field compares a byte-string-looking word as text (as Wireshark does)', () => {
    expect(m('mqtt.topic == 52:6f', pub)).toBe(false);
  });
});

describe('string escapes, as in Wireshark and C', () => {
  it('octal escapes of one to three digits', () => {
    expect(m('mqtt.topic == "\\122oom1\\057Light"', pub)).toBe(true);
    expect(m('mqtt.topic == "\\x52oom1\\057Light"', pub)).toBe(true);
    expect(m('mqtt.topic == "Room1\\57Light"', pub)).toBe(true);
  });
  it('\\0 alone is still NUL, and an octal escape above \\377 is an error', () => {
    expect(m('mqtt.msg contains "\\0"', pub)).toBe(false);
    const e = syntaxError('mqtt.topic == "\\400"');
    expect(e.code).toBe('bad-escape');
    expect(e.reason).toBe("octal escape '\\400' is above \\377 (one byte)");
  });
  it('\\x and octal escapes are bytes: "\\xff" is the byte ff, "\\xc3\\xa9" is é', () => {
    const bin = gen({ cmd: 'publish', topic: 'caf\u00e9', payload: Buffer.from([0x00, 0xff, 0x80, 0x41]), qos: 0, retain: false, dup: false });
    expect(m('mqtt.msg contains "\\xff\\x80"', bin)).toBe(true);
    expect(m('mqtt.msg == "\\0\\377\\200A"', bin)).toBe(true);
    expect(m('mqtt.msg contains "\\u00ff"', bin)).toBe(false); // \u00ff is the character ÿ, UTF-8 c3 bf
    expect(m('mqtt.topic == "caf\\xc3\\xa9"', bin)).toBe(true);
    expect(m('mqtt.topic == "caf\\u00e9"', bin)).toBe(true);
  });
  it('\\a \\b \\f \\v are control characters', () => {
    const ctl = gen({ cmd: 'publish', topic: 'a\u0007\b\f\u000bz', payload: Buffer.from(''), qos: 0, retain: false, dup: false });
    expect(m('mqtt.topic == "a\\a\\b\\f\\vz"', ctl)).toBe(true);
  });
});

describe('=== and !== (Wireshark 4: all_eq, any_ne)', () => {
  it('=== holds when every occurrence equals', () => {
    expect(m('mqtt.suback.qos === 1', subackAll1)).toBe(true);
    expect(m('mqtt.suback.qos === 1', suback)).toBe(false);
    expect(m('mqtt.suback.qos all_eq 1', subackAll1)).toBe(true);
    // absent: false, as every comparison
    expect(m('mqtt.suback.qos === 1', pub)).toBe(false);
  });
  it('!== holds when some occurrence differs (!= needs all to differ)', () => {
    expect(m('mqtt.suback.qos !== 0', suback)).toBe(true);
    expect(m('mqtt.suback.qos != 0', suback)).toBe(false);
    expect(m('mqtt.suback.qos any_ne 1', subackAll1)).toBe(false);
    expect(m('mqtt.suback.qos !== 1', pub)).toBe(false);
    expect(m('mqtt.msg === "Turn On"', pub)).toBe(true);
  });
});

describe('integers as Wireshark reads them', () => {
  it('a leading 0 is octal (074 is 60), 0b is binary', () => {
    const connect = gen({ cmd: 'connect', clientId: 'lamp', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 });
    expect(m('mqtt.kalive == 074', connect)).toBe(true);
    expect(m('mqtt.kalive == 74', connect)).toBe(false);
    expect(m('mqtt.kalive in {070..075}', connect)).toBe(true);
    expect(m('mqtt.msgtype == 0b11', pub)).toBe(true);
    expect(m('mqtt.kalive == 0', connect)).toBe(false);
  });
  it('08 is an error on a number field, text on a text field, a byte on a bytes field', () => {
    const e = syntaxError('mqtt.kalive == 08');
    expect(e.code).toBe('bad-number');
    expect(e.reason).toBe("invalid number '08': a leading 0 makes it octal, as in Wireshark (write 8 without the 0)");
    expect(m('mqtt.topic == 08', gen({ cmd: 'publish', topic: '08', payload: Buffer.from(''), qos: 0, retain: false, dup: false }))).toBe(true);
    expect(m('mqtt.msg contains 08', gen({ cmd: 'publish', topic: 't', payload: Buffer.from([1, 8]), qos: 0, retain: false, dup: false }))).toBe(true);
  });
  it('a text field keeps the leading zero: topic == 074 is the text 074', () => {
    expect(m('mqtt.topic == 074', gen({ cmd: 'publish', topic: '074', payload: Buffer.from(''), qos: 0, retain: false, dup: false }))).toBe(true);
  });
});

describe('Wireshark habits refused with a message that says so', () => {
  it('a bitwise and', () => {
    const e = syntaxError('mqtt.hdrflags & 0x01');
    expect(e.reason).toMatch(/^bitwise '&' \(Wireshark's field & mask\) is not supported: test the flag's own field \(mqtt.retain/);
    expect(e.position).toBe(14);
    expect(syntaxError('publish & retain').reason).toBe("single '&'; use '&&' (or 'and')");
  });
  it('comparing two fields', () => {
    const e = syntaxError('tcp.srcport > tcp.dstport');
    expect(e.code).toBe('bad-operand');
    expect(e.reason).toBe('comparing two fields (tcp.srcport > tcp.dstport) is not supported: compare tcp.srcport with a value (quote "tcp.dstport" to compare with that text)');
    expect(syntaxError('mqtt.topic == mqtt.willtopic').position).toBe(14);
    expect(m('mqtt.topic == "mqtt.willtopic"', pub)).toBe(false);
  });
  it('functions', () => {
    expect(syntaxError('len(mqtt.topic) > 3').reason).toBe("Wireshark's function len() is not supported: compare the field itself (the length of a topic is mqtt.topic_len, of a packet's Remaining Length mqtt.len)");
    expect(syntaxError('lower(mqtt.topic) contains "room"').reason).toBe("Wireshark's function lower() is not supported: compare the field itself");
    expect(syntaxError('count(mqtt.topic) == 2').code).toBe('unexpected-token');
  });
  it('regular expressions after matches: (?i), alternation, a class, $ at the end, .+', () => {
    for (const re of ['(?i)room', 'Room1|demo', '[Rr]oom1/#', 'light$', 'Room1/.+']) {
      expect(syntaxError(`mqtt.topic matches "${re}"`).reason).toMatch(/not a regular expression as in Wireshark/);
    }
    // a topic filter that starts with $ is one
    expect(m('mqtt.topic matches "$SYS/#"', pub)).toBe(false);
    expect(m('mqtt.topic matches "Room1/#"', pub)).toBe(true);
  });
});

describe('an existence test before and / or', () => {
  it('ends at and / or, as at && / ||', () => {
    expect(m('mqtt.msgid and publish', pub)).toBe(true);
    expect(m('mqtt.willmsg or mqtt.msgid', pub)).toBe(true);
    expect(m('mqtt.willmsg or mqtt.kalive', pub)).toBe(false);
    expect(m('mqtt.msgid AND NOT mqtt.willmsg', pub)).toBe(true);
  });
});

describe('typos get the operator that was meant', () => {
  it.each([
    ['mqtt.qos => 1', "'=>' is not an operator; use '>='"],
    ['mqtt.qos =< 1', "'=<' is not an operator; use '<='"],
    ['mqtt.qos =! 1', "'=!' is not an operator; use '!='"],
    ['mqtt.qos <> 1', "'<>' is not an operator; use '!='"],
    ['mqtt.qos in [1, 2]', 'a set is written in braces: in {1, 2}'],
    ['mqtt.msg contains 54:7', 'a byte string is pairs of hex digits, each byte two (54:75:72, 0a:01)'],
    ['mqtt.topic ~= "x"', "'~=' is Wireshark's deprecated spelling of '!==' (some occurrence differs): write '!==', or '!=' for none equal"],
  ])('%s', (expr, reason) => {
    expect(syntaxError(expr).reason).toBe(reason);
  });
  it('a misspelt operator word gets a suggestion', () => {
    expect(syntaxError('mqtt.topic contain "x"').reason).toMatch(/found 'contain'; did you mean 'contains'\?$/);
    expect(syntaxError('mqtt.topic match "x/#"').reason).toMatch(/did you mean 'matches'\?$/);
    expect(syntaxError('mqtt.topic is "x"').reason).toMatch(/did you mean '=='\?$/);
  });
  it('the password is masked in the echo of a mistyped operator', () => {
    for (const op of ['=', '=>', '<>', '~=', '=!', 'is', 'contain']) {
      const e = syntaxError(`mqtt.passwd ${op} "hunter2"`);
      expect(e.message).not.toContain('hunter2');
      expect(e.message).toContain(`mqtt.passwd ${op} "*******"`);
    }
  });
});

describe('unknown ids a user may guess get the id to use', () => {
  it.each([
    ['mqtt.topic_name', /the topic is mqtt.topic/],
    ['mqtt.qos_level', /the QoS is mqtt.qos/],
    ['mqtt.clean_session', /mqtt.conflag.cleansess/],
    ['mqtt.version', /mqtt.ver, as in Wireshark/],
    ['mqtt.flags', /mqtt.hdrflags and the CONNECT flags mqtt.conflags/],
    ['mqtt.payload_len', /no length field/],
    ['mqtt.reason', /one id per packet type/],
    ['frame.len > 100', /of the lower layers only frame.number, tcp.port/],
    ['tcp.flags.syn', /of the lower layers only/],
  ])('%s', (expr, hint) => {
    const e = syntaxError(expr);
    expect(e.code).toBe('unknown-field');
    expect(e.reason).toMatch(hint);
  });
  it('a misspelt lower-layer id still gets its spelling suggestion', () => {
    expect(syntaxError('tcp.srcprot == 1').reason).toBe("unknown field or packet type 'tcp.srcprot'; did you mean 'tcp.srcport'?");
  });
});

describe('slices, as in Wireshark', () => {
  const short = gen({ cmd: 'publish', topic: '#x', payload: Buffer.from('{"t":1}'), qos: 0, retain: false, dup: false });
  it('[i:j] is start and length, [i-j] start and end, [i] one byte, [i:] and [-n:] to the end, [:j] the first j', () => {
    expect(m('mqtt.msg[0:2] == 54:75', pub)).toBe(true);
    expect(m('mqtt.msg[1-3] == "urn"', pub)).toBe(true);
    expect(m('mqtt.msg[0] == 54', pub)).toBe(true);
    expect(m('mqtt.msg[0] == 0x54', pub)).toBe(true);
    expect(m('mqtt.msg[5:] == "On"', pub)).toBe(true);
    expect(m('mqtt.msg[-2:] == "On"', pub)).toBe(true);
    expect(m('mqtt.msg[:4] == "Turn"', pub)).toBe(true);
    expect(m('mqtt.topic[0:5] == "Room1"', pub)).toBe(true);
    expect(m('mqtt.msg[0] == 7b', short)).toBe(true); // a JSON payload starts with {
    expect(m('mqtt[0] == 0x32', pub)).toBe(true); // 32: PUBLISH, QoS 1
  });
  it('a value too short for the slice: the slice does not exist, and equals nothing', () => {
    expect(m('mqtt.topic[0:5]', short)).toBe(false);
    expect(m('mqtt.topic[0:5] == "#x"', short)).toBe(false);
    expect(m('mqtt.topic[0:5] != "Room1"', short)).toBe(true);
    expect(m('mqtt.topic[0:5] !== "Room1"', short)).toBe(true);
    expect(m('mqtt.topic[0:5] != "Room1"', pub)).toBe(false);
  });
  it('refused on a number field and with an ordering, with a message', () => {
    expect(syntaxError('mqtt.qos[0] == 1').reason).toBe('a slice takes the bytes of a text or bytes field (mqtt.msg, mqtt.topic, mqtt, …); mqtt.qos is not one');
    expect(syntaxError('mqtt.topic[0:4] > "d"').reason).toMatch(/^a slice is bytes: compare it with ==, !=, contains or in/);
    expect(syntaxError('mqtt.topic[3-1] == "x"').reason).toBe('the slice [3-1] is empty: [start-end] needs start <= end');
  });
  it('the password in a slice is still masked in the echo', () => {
    expect(maskFilterSecrets('mqtt.passwd[0:3] == "abc"')).toBe('mqtt.passwd[0:3] == "***"');
  });
});
