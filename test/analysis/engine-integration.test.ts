// The real Engine, the real dissector and real packet bytes (mqtt-packet's
// generate) driving the Analyzer: the tutorial scenario end to end, no sockets.
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Harness } from './engine-harness.js';

const ACL = parseAclFile('pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n', 'tutorial.acl');
const OWN1 = 'colombia/cundinamarca/cajica/user1';

describe('Analyzer on the real Engine', () => {
  it('tutorial: denied write, withheld read, refused password, rejected v5 publish', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: ACL });
    const admin = h.conn().login('admin', 'admin').sub(1, '#');
    h.conn().login('user2-sub', 'user2').sub(1, OWN1);
    const u1 = h.conn().login('user1', 'user1');
    // Allowed for user1, read-denied for user2: admin gets it, user2 does not.
    u1.c({ cmd: 'publish', topic: OWN1, payload: Buffer.from('hola'), qos: 0, retain: false, dup: false });
    h.wait(1);
    admin.s({ cmd: 'publish', topic: OWN1, payload: Buffer.from('hola'), qos: 0, retain: false, dup: false });
    // Write-denied QoS 1: PUBACK 0 and nothing delivered.
    const pub = u1.c({ cmd: 'publish', topic: 'panama/colon/user1', payload: Buffer.from('x'), qos: 1, messageId: 5, retain: false, dup: false });
    const ack = u1.s({ cmd: 'puback', messageId: 5 });
    // MQTT 5 client: PUBACK 0x87.
    const v5 = h.conn(5).login('user1-v5', 'user1');
    v5.c({ cmd: 'publish', topic: 'panama/colon/user1', payload: Buffer.from('y'), qos: 1, messageId: 1, retain: false, dup: false });
    v5.s({ cmd: 'puback', messageId: 1, reasonCode: 0x87 });
    // Wrong password.
    const bad = h.conn();
    bad.login('user1-bad', 'user1', 5);
    bad.close();
    h.wait(6000);
    h.engine.tick(h.time);
    u1.c({ cmd: 'disconnect' });
    u1.close();
    v5.c({ cmd: 'disconnect', reasonCode: 0 });
    v5.close();
    h.engine.end(h.time);

    const codes = h.findings.map((f) => f.code).sort();
    // withheld-delivery twice for user2-sub: its filter can never deliver (info, at its SUBACK), and the message it lost.
    expect(codes).toEqual(['connect-refused', 'publish-rejected', 'undelivered-publish', 'withheld-delivery', 'withheld-delivery']);
    const und = h.findings.find((f) => f.code === 'undelivered-publish')!;
    expect(und.text).toContain("mosquitto acknowledged this QoS 1 publish from user1 (PUBACK rc 0) on 'panama/colon/user1' but delivered it to none of the 1 subscriber(s) whose filters match (admin: '#')");
    expect(und.frames).toEqual([pub.frame, ack.frame]);
    expect(und.extra['acl_confirmed']).toBe(true);
    expect(pub.findings).toEqual(['undelivered-publish']);
    const atSub = h.findings.find((f) => f.code === 'withheld-delivery' && f.extra['at_subscribe'])!;
    expect(atSub).toMatchObject({ severity: 'info', clientId: 'user2-sub', topic: OWN1, extra: { acl_file: 'tutorial.acl', acl_rules: [{ line: 1 }] } });
    const wh = h.findings.find((f) => f.code === 'withheld-delivery' && !f.extra['at_subscribe'])!;
    expect(wh).toMatchObject({ clientId: 'user2-sub', username: 'user2', topic: OWN1, extra: { acl_confirmed: true } });
    expect(h.findings.find((f) => f.code === 'connect-refused')!.text).toContain('CONNACK 5 (Connection Refused, not authorized)');
    expect(h.findings.find((f) => f.code === 'publish-rejected')!.text).toContain('PUBACK 0x87 (Not authorized)');
  });

  it('allowed traffic with real bytes: no findings', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: ACL });
    const admin = h.conn().login('admin', 'admin').sub(1, '#', { qos: 1 });
    // The broker allows topic aliases (mosquitto announces 10); without it, any alias is a violation [MQTT-3.3.2-9].
    const u1 = h.conn(5).login('user1', 'user1', 0, { topicAliasMaximum: 10 });
    u1.c({ cmd: 'publish', topic: OWN1, payload: Buffer.from('a'), qos: 1, messageId: 1, retain: false, dup: false, properties: { topicAlias: 1 } });
    u1.s({ cmd: 'puback', messageId: 1, reasonCode: 0 });
    // Second publish uses the alias only: the engine resolves the topic.
    u1.c({ cmd: 'publish', topic: '', payload: Buffer.from('b'), qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } });
    admin.s({ cmd: 'publish', topic: OWN1, payload: Buffer.from('a'), qos: 1, messageId: 9, retain: false, dup: false });
    admin.c({ cmd: 'puback', messageId: 9 });
    admin.s({ cmd: 'publish', topic: OWN1, payload: Buffer.from('b'), qos: 0, retain: false, dup: false });
    u1.c({ cmd: 'pingreq' });
    u1.s({ cmd: 'pingresp' });
    h.wait(6000);
    u1.c({ cmd: 'disconnect', reasonCode: 0 });
    u1.close();
    h.engine.end(h.time);
    expect(h.findings).toEqual([]);
    const snap = h.analyzer.snapshot();
    expect(snap.sessions.map((s) => [s.clientId, s.version, s.state])).toEqual([['admin', 4, 'closed'], ['user1', 5, 'closed']]);
    expect(snap.topics).toEqual([expect.objectContaining({ topic: OWN1, published: 2, delivered: 2 })]);
  });
});

describe('delivery correlation without held records (keepRecords: false, as the line/table/json views run it)', () => {
  /** Eight QoS 0 publishes in one read, their deliveries in another with the sixth missing. */
  function run(keepRecords: boolean) {
    const h = new Harness({ keepRecords });
    const sub = h.conn().login('sub', 'sub').sub(1, 'm/#');
    const pub = h.conn().login('pub', 'pub');
    const gen = (i: number) => mqtt.generate({ cmd: 'publish', topic: `m/${i % 2}`, payload: Buffer.from(`payload-${i}`.repeat(i + 1)), qos: 0, retain: false, dup: false } as mqtt.Packet);
    const pubChunk = Buffer.concat(Array.from({ length: 8 }, (_, i) => gen(i)));
    const before = h.records.length;
    h.engine.data(pub.meta.id, 'c2s', new Uint8Array(pubChunk), h.time, ++h.frame);
    const pubs = h.records.slice(before);
    h.wait(2);
    // Deliveries with the same payload lengths but one byte changed would not match: use the real ones.
    const delChunk = Buffer.concat([0, 1, 2, 3, 4, 6, 7].map(gen));
    h.engine.data(sub.meta.id, 's2c', new Uint8Array(delChunk), h.time, ++h.frame);
    h.wait(10_000);
    h.engine.end(h.time);
    return { h, pubs };
  }

  for (const keep of [true, false]) {
    it(`finds the one missing delivery in multi-packet reads (keepRecords: ${keep})`, () => {
      const { h, pubs } = run(keep);
      expect(pubs).toHaveLength(8);
      expect(h.findings.map((f) => f.code)).toEqual(['undelivered-publish']);
      const f = h.findings[0]!;
      expect(f.topic).toBe('m/1');
      expect(f.frames).toEqual([pubs[5]!.frame]);
      expect(f.extra['payload_length']).toBe('payload-5'.length * 6);
      // Only held records are marked; without them the frame still names the packet.
      expect(pubs[5]!.findings).toEqual(keep ? ['undelivered-publish'] : []);
    });
  }

  it('a delivery whose payload differs in one byte from the publish is not taken for it', () => {
    const h = new Harness({ keepRecords: false });
    const sub = h.conn().login('sub', 'sub').sub(1, 't');
    const pub = h.conn().login('pub', 'pub');
    pub.c({ cmd: 'publish', topic: 't', payload: Buffer.from('abcdef'), qos: 0, retain: false, dup: false });
    h.wait(1);
    sub.s({ cmd: 'publish', topic: 't', payload: Buffer.from('abcdeF'), qos: 0, retain: false, dup: false });
    h.wait(10_000);
    h.engine.end(h.time);
    expect(h.findings.map((f) => f.code)).toEqual(['undelivered-publish']);
  });
});
