// Byte vectors for every packet type in MQTT 3.1.1 and 5.0, one comment per
// field, with the expected values and byte ranges.
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import {
  CONNECT_V4, CONNECT_WILL_V4, CONNACK_V4, PUBLISH_QOS0, PUBLISH_QOS1_V4, PUBACK_V4, PUBREC_V4, PUBREL_V4, PUBCOMP_V4, SUBSCRIBE_V4, SUBACK_V4, UNSUBSCRIBE_V4, UNSUBACK_V4, PINGREQ, PINGRESP, DISCONNECT_V4, CONNECT_V5, CONNACK_V5, PUBLISH_V5, PUBACK_V5, PUBACK_V5_SHORT, PUBREC_V5, PUBREL_V5, PUBCOMP_V5, SUBSCRIBE_V5, SUBACK_V5, UNSUBSCRIBE_V5, UNSUBACK_V5, DISCONNECT_V5, AUTH_V5,
} from './vectors.js';
import { decodeBoth, expectField, findAll, hex, invariantProblem } from './helpers.js';

const both = decodeBoth;

describe('MQTT 3.1.1 vectors', () => {
  it('CONNECT with user name and password', () => {
    const { s, f, notes } = both(CONNECT_V4, 4);
    expect(notes).toEqual([]);
    expect(s.type).toBe(1);
    expect(s.remainingLength).toBe(27);
    expect(s.connect).toMatchObject({ protocolName: 'MQTT', protocolLevel: 4, cleanSession: true, keepAlive: 60, clientId: 'cid', username: 'user', will: null });
    expect(Buffer.from(s.connect!.password!).toString()).toBe('pass');
    expectField(f, 'mqtt.proto_len', 2, 2, 4);
    expectField(f, 'mqtt.protoname', 4, 4, 'MQTT');
    expectField(f, 'mqtt.ver', 8, 1, 4);
    expectField(f, 'mqtt.conflags', 9, 1, 0xc2);
    expectField(f, 'mqtt.conflag.uname', 9, 1, 1);
    expectField(f, 'mqtt.conflag.cleansess', 9, 1, 1);
    expectField(f, 'mqtt.conflag.willflag', 9, 1, 0);
    expectField(f, 'mqtt.kalive', 10, 2, 60);
    expectField(f, 'mqtt.clientid', 14, 3, 'cid');
    expectField(f, 'mqtt.username', 19, 4, 'user');
    expectField(f, 'mqtt.passwd', 25, 4, '70617373');
  });
  it('CONNECT with a will', () => {
    const { s, f, notes } = both(CONNECT_WILL_V4, 4);
    expect(notes).toEqual([]);
    expect(s.connect!.will).toMatchObject({ topic: 'w/t', qos: 1, retain: true, properties: null });
    expect(Buffer.from(s.connect!.will!.payload).toString()).toBe('bye');
    expectField(f, 'mqtt.conflag.qos', 9, 1, 1);
    expectField(f, 'mqtt.conflag.retain', 9, 1, 1);
    expectField(f, 'mqtt.willtopic', 17, 3, 'w/t');
    expectField(f, 'mqtt.willmsg', 22, 3, '627965');
  });
  it('CONNACK', () => {
    const { s, f, notes } = both(CONNACK_V4, 4);
    expect(notes).toEqual([]);
    expect(s.connack).toEqual({ sessionPresent: true, returnCode: 0 });
    expect(s.reasonCodes).toEqual([0]);
    expectField(f, 'mqtt.conack.flags', 2, 1, 1);
    expectField(f, 'mqtt.conack.flags.sp', 2, 1, 1);
    expect(expectField(f, 'mqtt.conack.val', 3, 1, 0).display).toContain('Connection Accepted');
  });
  it('PUBLISH QoS 0: the seed packet', () => {
    const { s, f, notes } = both(PUBLISH_QOS0, 4);
    expect(notes).toEqual([]);
    expect(s).toMatchObject({ type: 3, dup: false, qos: 0, retain: false, remainingLength: 20, headerLength: 2, packetId: null, topic: 'Room1/Light', payloadOffset: 15, payloadLength: 7 });
    expectField(f, 'mqtt.hdrflags', 0, 1, 0x30);
    expectField(f, 'mqtt.msgtype', 0, 1, 3);
    expectField(f, 'mqtt.len', 1, 1, 20);
    expectField(f, 'mqtt.len.byte', 1, 1, 0x14);
    expectField(f, 'mqtt.topic_len', 2, 2, 11);
    expectField(f, 'mqtt.topic', 4, 11, 'Room1/Light');
    expect(findAll(f, 'mqtt.msgid')).toEqual([]);
    expect(expectField(f, 'mqtt.msg', 15, 7, '5475726e204f6e').display).toContain('"Turn On"');
  });
  it('PUBLISH QoS 1 with DUP and RETAIN', () => {
    const { s, f, notes } = both(PUBLISH_QOS1_V4, 4);
    expect(notes).toEqual([]);
    expect(s).toMatchObject({ dup: true, qos: 1, retain: true, packetId: 7, topic: 'a/b', payloadOffset: 9, payloadLength: 3 });
    expectField(f, 'mqtt.dupflag', 0, 1, 1);
    expectField(f, 'mqtt.qos', 0, 1, 1);
    expectField(f, 'mqtt.retain', 0, 1, 1);
    expectField(f, 'mqtt.msgid', 7, 2, 7);
    expectField(f, 'mqtt.msg', 9, 3);
  });
  it.each([
    ['PUBACK', PUBACK_V4, 4], ['PUBREC', PUBREC_V4, 5], ['PUBREL', PUBREL_V4, 6], ['PUBCOMP', PUBCOMP_V4, 7],
  ] as const)('%s', (_n, h, type) => {
    const { s, f, notes } = both(h, 4);
    expect(notes).toEqual([]);
    expect(s.type).toBe(type);
    expect(s.packetId).toBe(7);
    expect(s.reasonCodes).toBeNull();
    expectField(f, 'mqtt.msgid', 2, 2, 7);
  });
  it('SUBSCRIBE', () => {
    const { s, f, notes } = both(SUBSCRIBE_V4, 4);
    expect(notes).toEqual([]);
    expect(s.packetId).toBe(1);
    expect(s.subscriptions).toEqual([{ filter: 'a/+/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }]);
    expectField(f, 'mqtt.subscription', 4, 8, 'a/+/#');
    expectField(f, 'mqtt.topic', 6, 5, 'a/+/#');
    expectField(f, 'mqtt.sub.qos', 11, 1, 1);
  });
  it('SUBACK with a 0x80 failure', () => {
    const { s, f, notes } = both(SUBACK_V4, 4);
    expect(notes).toEqual([]);
    expect(s.reasonCodes).toEqual([1, 0x80]);
    const codes = findAll(f, 'mqtt.suback.qos');
    expect(codes.map((c) => [c.offset, c.value])).toEqual([[4, 1], [5, 0x80]]);
    expect(codes[1]!.display).toContain('Failure');
  });
  it('UNSUBSCRIBE', () => {
    const { s, f, notes } = both(UNSUBSCRIBE_V4, 4);
    expect(notes).toEqual([]);
    expect(s.unsubscriptions).toEqual(['a']);
    expectField(f, 'mqtt.topic', 6, 1, 'a');
  });
  it('UNSUBACK', () => {
    const { s, notes } = both(UNSUBACK_V4, 4);
    expect(notes).toEqual([]);
    expect(s.packetId).toBe(2);
    expect(s.reasonCodes).toBeNull();
  });
  it.each([['PINGREQ', PINGREQ, 12], ['PINGRESP', PINGRESP, 13], ['DISCONNECT', DISCONNECT_V4, 14]] as const)('%s', (_n, h, type) => {
    const { s, f, notes } = both(h, 4);
    expect(notes).toEqual([]);
    expect(s.type).toBe(type);
    expect(s.remainingLength).toBe(0);
    expect(f.map((x) => x.id)).toEqual(['mqtt.hdrflags', 'mqtt.len']);
  });
});

describe('MQTT 5.0 vectors', () => {
  it('CONNECT with properties', () => {
    const { s, f, notes } = both(CONNECT_V5, 4); // self-describing: level 5 wins over ctx
    expect(notes).toEqual([]);
    expect(s.connect).toMatchObject({ protocolLevel: 5, cleanSession: true, keepAlive: 60, clientId: 'cid' });
    expect(s.properties).toEqual({ session_expiry_interval: 60, receive_maximum: 10 });
    expectField(f, 'mqtt.properties', 12, 9, 2);
    expectField(f, 'mqtt.property_len', 12, 1, 8);
    expectField(f, 'mqtt.property.session_expiry_interval', 13, 5, 60);
    expectField(f, 'mqtt.property.session_expiry_interval.value', 14, 4, 60);
    expectField(f, 'mqtt.property.receive_maximum', 18, 3, 10);
    expectField(f, 'mqtt.clientid', 23, 3, 'cid');
  });
  it('CONNACK with properties', () => {
    const { s, f, notes } = both(CONNACK_V5, 5);
    expect(notes).toEqual([]);
    expect(s.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    expect(s.properties).toEqual({ maximum_qos: 1 });
    expectField(f, 'mqtt.connack.reason_code', 3, 1, 0); // Reason Code: Wireshark's MQTT 5 id (3.1.1: mqtt.conack.val)
    expectField(f, 'mqtt.property.maximum_qos', 5, 2, 1);
  });
  it('PUBLISH with topic alias and user property', () => {
    const { s, f, notes } = both(PUBLISH_V5, 5);
    expect(notes).toEqual([]);
    expect(s).toMatchObject({ qos: 1, packetId: 7, topic: 'a/b', topicAlias: 5, payloadOffset: 20, payloadLength: 2 });
    expect(s.properties).toEqual({ topic_alias: 5, user_property: [['k', 'v']] });
    expectField(f, 'mqtt.property.topic_alias', 10, 3, 5);
    expectField(f, 'mqtt.property.user_property', 13, 7, 'k=v');
    expectField(f, 'mqtt.property.user_property.key', 16, 1, 'k');
    expectField(f, 'mqtt.property.user_property.value', 19, 1, 'v');
    expectField(f, 'mqtt.msg', 20, 2, '6869');
  });
  it('PUBACK with a reason code, and with none (Success implied)', () => {
    const a = both(PUBACK_V5, 5);
    expect(a.notes).toEqual([]);
    expect(a.s.reasonCodes).toEqual([0x10]);
    expect(expectField(a.f, 'mqtt.puback.reason_code', 4, 1, 0x10).display).toContain('No matching subscribers');
    const b = both(PUBACK_V5_SHORT, 5);
    expect(b.s.reasonCodes).toEqual([0]);
  });
  it('PUBREC with a reason string', () => {
    const { s, f, notes } = both(PUBREC_V5, 5);
    expect(notes).toEqual([]);
    expect(s.reasonCodes).toEqual([0x80]);
    expect(s.properties).toEqual({ reason_string: 'no' });
    expectField(f, 'mqtt.pubrec.reason_code', 4, 1, 0x80);
    expectField(f, 'mqtt.property.reason_string', 6, 5, 'no');
  });
  it('PUBREL and PUBCOMP', () => {
    const a = both(PUBREL_V5, 5);
    expect(a.notes).toEqual([]);
    expect(a.s.reasonCodes).toEqual([0x92]);
    const b = both(PUBCOMP_V5, 5);
    expect(b.notes).toEqual([]);
    expect(b.s.reasonCodes).toEqual([0]);
    expect(b.s.properties).toEqual({});
  });
  it('SUBSCRIBE with options', () => {
    const { s, f, notes } = both(SUBSCRIBE_V5, 5);
    expect(notes).toEqual([]);
    expect(s.properties).toEqual({ subscription_identifier: 7 });
    expect(s.subscriptions).toEqual([{ filter: 'a/b', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }]);
    expectField(f, 'mqtt.subscription_options', 12, 1, 0x2d);
    expectField(f, 'mqtt.sub.rh', 12, 1, 2);
  });
  it('SUBACK, UNSUBSCRIBE, UNSUBACK', () => {
    const a = both(SUBACK_V5, 5);
    expect(a.notes).toEqual([]);
    expect(a.s.reasonCodes).toEqual([1, 0x97]);
    const b = both(UNSUBSCRIBE_V5, 5);
    expect(b.s.unsubscriptions).toEqual(['a']);
    const c = both(UNSUBACK_V5, 5);
    expect(c.s.reasonCodes).toEqual([0, 0x11]);
    expectField(c.f, 'mqtt.unsuback.reason_code', 5, 1, 0);
  });
  it('DISCONNECT and AUTH', () => {
    const a = both(DISCONNECT_V5, 5);
    expect(a.notes).toEqual([]);
    expect(a.s.reasonCodes).toEqual([0x8e]);
    expectField(a.f, 'mqtt.disconnect.reason_code', 2, 1, 0x8e);
    const b = both(AUTH_V5, 5);
    expect(b.notes).toEqual([]);
    expect(b.s.reasonCodes).toEqual([0x18]);
    expect(b.s.properties).toEqual({ authentication_method: 'SCRAM' });
    expectField(b.f, 'mqtt.auth.reason_code', 2, 1, 0x18);
  });
  it('Remaining Length encodings: 509 = fd 03, 49798 = 86 85 03, 268435455 = ff ff ff 7f', () => {
    for (const [h, v, n] of [['30 fd 03', 509, 2], ['30 86 85 03', 49798, 3], ['30 ff ff ff 7f', 268435455, 4]] as const) {
      const b = hex(h);
      const s = summarize(b, { version: 4 });
      expect(s.remainingLength).toBe(v);
      expect(s.headerLength).toBe(1 + n);
      const t = dissect(b, { version: 4 });
      expect(invariantProblem(t.fields, b.length)).toBeNull();
      const bytes = findAll(t.fields, 'mqtt.len.byte');
      expect(bytes).toHaveLength(n);
      expect(bytes[0]!.display).toContain('continuation 1 (more bytes follow)');
      expect(bytes[n - 1]!.display).toContain('continuation 0 (last byte)');
    }
  });
});
