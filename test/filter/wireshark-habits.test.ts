// What a Wireshark user types: the protocol names (`mqtt`, `tcp && mqtt`,
// `mqtt contains "…"`), numeric ranges in sets (`in {1..3}`), `not in`, and
// Wireshark 4's ids for fields mqttscope names otherwise (mqtt.prop_key,
// mqtt.subscription_options_qos, mqtt.property.max_qos, …). Each was an
// "unknown field" or a syntax error before.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, RecordFilter } from '../../src/filter/index.js';
import { conn, finding, gen } from './records.js';
import { syntaxError } from './errors.js';

const m = (expr: string, rec: Parameters<ReturnType<typeof compileFilter>>[0]): boolean => compileFilter(expr)(rec);


const pub = gen({ cmd: 'publish', topic: 'Room1/Light', payload: Buffer.from('Turn On'), qos: 1, messageId: 5, retain: false, dup: false });
const connect = gen({ cmd: 'connect', clientId: 'lamp', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 });
const v6 = gen({ cmd: 'pingreq' }, { conn: conn(40000, '::1') });
const sub311 = gen({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/#', qos: 1 }] });
const sub5 = gen({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/#', qos: 1, nl: true, rap: false, rh: 2 }] }, { version: 5 });
const pub5 = gen({ cmd: 'publish', topic: 'x', payload: Buffer.from('z'), qos: 0, properties: { userProperties: { trace: 'abc-1' } } }, { version: 5 });
const connack5 = gen({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { maximumQoS: 1 } }, { version: 5, dir: 's2c' });

describe('protocol names', () => {
  it('mqtt matches every packet, and compares as the packet bytes', () => {
    for (const r of [pub, connect, v6]) expect(m('mqtt', r)).toBe(true);
    expect(m('!mqtt', pub)).toBe(false);
    expect(m('mqtt contains "Room1"', pub)).toBe(true);
    expect(m('mqtt contains "Room2"', pub)).toBe(false);
    expect(m('frame.number >= 0 && mqtt && mqtt.msgtype == 3', pub)).toBe(true);
  });
  it('tcp on every packet; ip on IPv4 connections and ipv6 on IPv6 ones', () => {
    expect(m('tcp && mqtt', pub)).toBe(true);
    expect(m('ip', pub)).toBe(true);
    expect(m('ipv6', pub)).toBe(false);
    expect(m('ip', v6)).toBe(false);
    expect(m('ipv6', v6)).toBe(true);
  });
  it('on findings: tcp and ip from the connection; mqtt is absent', () => {
    const f = finding({ code: 'undelivered-publish' });
    expect(compileFilter('tcp && ip').finding(f)).toBe(true);
    expect(compileFilter('ipv6').finding(f)).toBe(false);
    expect(compileFilter('mqtt').finding(f)).toBe(false);
    // ... but shown with the packets it is about (the policy of docs/filters.md).
    const rf = new RecordFilter('mqtt');
    expect(rf.test({ ...pub, frame: 9 })).toBe(true);
    expect(rf.test(finding({ code: 'undelivered-publish', frames: [9] }))).toBe(true);
  });
  it('tcp, ip and ipv6 compared with a value are an error that names their fields', () => {
    const e = syntaxError('tcp == 1883');
    expect(e.code).toBe('bad-operand');
    expect(e.reason).toBe("'tcp' is a protocol: write it alone to test for it, or compare one of its fields (tcp.port, tcp.srcport, tcp.dstport)");
    expect(e.position).toBe(4);
    expect(syntaxError('ip contains "10."').reason).toContain('ip.addr, ip.src, ip.dst');
  });
});

describe('sets: ranges and not in', () => {
  it('lo..hi includes both ends, with values and commas around it', () => {
    expect(m('mqtt.msgtype in {1..3}', pub)).toBe(true);
    expect(m('mqtt.msgtype in {3..3}', pub)).toBe(true);
    expect(m('mqtt.msgtype in {4..14}', pub)).toBe(false);
    expect(m('mqtt.msgtype in {1..2, 12}', pub)).toBe(false);
    expect(m('mqtt.msgtype in {1..2, 3}', pub)).toBe(true);
    expect(m('mqtt.msgtype in {0x1..0x3}', pub)).toBe(true);
    expect(m('mqtt.msgtype in {3 .. 4}', pub)).toBe(true);
    expect(m('tcp.port in {1000..2000}', pub)).toBe(true);
    expect(m('mqtt.qos in {1..2}', connect)).toBe(false);
  });
  it('a range needs two numbers, smaller first', () => {
    expect(syntaxError('mqtt.msgtype in {4..1}').reason).toBe('the range 4..1 is empty: write the smaller number first');
    const e = syntaxError('type in {publish..puback}');
    expect(e.code).not.toBe('bad-number');
    const w = syntaxError('mqtt.msgtype in {1..x}');
    expect(w.reason).toBe("a range in a set takes two numbers (e.g. {1..5}), found 'x'");
    expect(w.position).toBe(20);
    expect(syntaxError('mqtt.msgtype in {1..}').code).toBe('unexpected-token');
  });
  it('x not in {...} is !(x in {...}), as in Wireshark: true where x is absent', () => {
    expect(m('mqtt.msgtype not in {1, 2}', pub)).toBe(true);
    expect(m('mqtt.msgtype not in {3}', pub)).toBe(false);
    expect(m('mqtt.qos not in {1..2}', pub)).toBe(false);
    expect(m('mqtt.qos not in {1..2}', connect)).toBe(true);
    expect(m('type NOT IN {publish puback}', connect)).toBe(true);
    expect(syntaxError('type not in {publsh}').reason).toBe("'publsh' is not a packet type; did you mean 'publish'?");
  });
});

describe('Wireshark 4 ids for fields named otherwise here', () => {
  it('user properties: mqtt.prop_key / mqtt.prop_value', () => {
    expect(m('mqtt.prop_key == "trace" && mqtt.prop_value contains "abc"', pub5)).toBe(true);
    expect(m('mqtt.prop_key == "other"', pub5)).toBe(false);
    expect(m('mqtt.prop_key_len == 5 && mqtt.prop_value_len == 5', pub5)).toBe(true);
  });
  it('mqtt.property.max_qos is the Maximum QoS', () => {
    expect(m('mqtt.property.max_qos == 1', connack5)).toBe(true);
    expect(m('mqtt.property.max_qos == 0', connack5)).toBe(false);
  });
  it('mqtt.subscription_options_* exist on MQTT 5 SUBSCRIBEs only, as in Wireshark', () => {
    expect(m('mqtt.subscription_options_qos == 1 && mqtt.subscription_options_nl == 1 && mqtt.subscription_options_rap == 0 && mqtt.subscription_options_retain == 2', sub5)).toBe(true);
    expect(m('mqtt.subscription_options_reserved == 0', sub5)).toBe(true);
    expect(m('mqtt.subscription_options_qos', sub311)).toBe(false);
    expect(m('mqtt.sub.qos == 1', sub311)).toBe(true);
  });
  it('mqtt.hdr_reserved, mqtt.msg_text', () => {
    expect(m('mqtt.hdr_reserved == 2', sub311)).toBe(true);
    expect(m('mqtt.hdr_reserved == 0', connect)).toBe(true);
    expect(m('mqtt.msg_text == "Turn On"', pub)).toBe(true);
  });
  it('Wireshark catch-all ids say which id to use instead', () => {
    const e = syntaxError('mqtt.prop_string == "v5/reply"');
    expect(e.code).toBe('unknown-field');
    expect(e.reason).toContain('mqtt.property.NAME.value (e.g. mqtt.property.response_topic.value');
    expect(syntaxError('mqtt.prop_number == 1').reason).toContain('mqtt.property.message_expiry_interval');
  });
  it('mqtt.reason_code (no such id in Wireshark or here) names the per-type ids and rc; reason_code is rc', () => {
    const e = syntaxError('mqtt.reason_code == 0x80');
    expect(e.code).toBe('unknown-field');
    expect(e.reason).toContain('mqtt.suback.reason_code');
    expect(e.reason).toContain('rc matches the reason or return code of any packet');
    expect(syntaxError('mqtt.return_code == 0x80').reason).toContain('mqtt.suback.qos (SUBACK)');
    const suback = gen({ cmd: 'suback', messageId: 2, granted: [1, 0x80] });
    expect(m('reason_code == 0x80', suback)).toBe(true);
    expect(m('return_code == 0x80', suback)).toBe(true);
    expect(m('reason_code == 2', suback)).toBe(false);
  });
  it('a misspelt Wireshark id is suggested', () => {
    expect(syntaxError('mqtt.prop_kye == "a"').reason).toBe("unknown field or packet type 'mqtt.prop_kye'; did you mean 'mqtt.prop_key'?");
  });
});

describe('Wireshark syntax that is not supported says so', () => {
  it('a malformed slice (slices themselves work: wireshark-literals.test.ts)', () => {
    const e = syntaxError('mqtt.topic[a:5] == "Room1"');
    expect(e.reason).toBe('a slice is written right after a field: [i:j] (start, length), [i-j], [i], [i:] or [:j], e.g. mqtt.msg[0:2] == 7b:22');
    expect(e.position).toBe(10);
  });
  it('an unquoted topic', () => {
    const e = syntaxError('mqtt.topic == Room1/Light');
    expect(e.reason).toBe('unexpected \'/\': quote a value that contains \'/\', such as a topic ("Room1/Light")');
    expect(e.position).toBe(19);
  });
});

describe('a value the field can never have is an error, not a filter that matches nothing', () => {
  it('text compared with a number field', () => {
    const e = syntaxError('retain == yes');
    expect(e.code).toBe('bad-operand');
    expect(e.reason).toBe("retain is a number: 'yes' can never match it (write a number such as 1 or 0x1a, or true/false)");
    expect(e.position).toBe(10);
    expect(syntaxError('mqtt.qos == high').reason).toBe("mqtt.qos is a number: 'high' can never match it (write a number such as 1 or 0x1a)");
    expect(syntaxError('mqtt.msgid in {1 "abc"}').position).toBe(17);
    expect(syntaxError('tcp.port == 10.0.0.1').code).toBe('bad-operand');
    expect(syntaxError('mqtt.property.receive_maximum.value == "x"').code).toBe('bad-operand');
    // Numbers, numeric strings, true/false and type names still work.
    expect(m('mqtt.qos == "1" && retain == false && mqtt.retain != true && mqtt.msgtype == publish', pub)).toBe(true);
    // Text fields take any text.
    expect(m('mqtt.topic != "z" && mqtt.prop_key != "y"', pub5)).toBe(true);
  });
  it('contains and matches on a number field', () => {
    expect(syntaxError('mqtt.qos contains "1"').reason).toBe("'contains' needs a text field; mqtt.qos is a number: compare it with ==, <, … or 'in'");
    expect(syntaxError('type matches "pub"').code).toBe('bad-operand');
  });
  it('dir, finding and severity take only their values, with a suggestion', () => {
    expect(syntaxError('dir == c2c').reason).toBe("'c2c' is not a value of dir; did you mean 'c2s'? (c2s, s2c)");
    expect(syntaxError('finding == "undelivered-publsh"').reason).toMatch(/^'undelivered-publsh' is not a value of finding; did you mean 'undelivered-publish'\? \(connect-refused, /);
    expect(syntaxError('severity == warning').reason).toBe("'warning' is not a value of severity; did you mean 'warn'? (info, warn, error)");
    expect(syntaxError('dir in {c2s sc2}').position).toBe(12);
    expect(m('dir == c2s && dir != "s2c" && !(finding == "session-takeover") && !(severity in {warn error})', pub)).toBe(true);
  });
});
