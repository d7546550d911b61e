// Protocol rules that depend on the direction or on what the session announced
// (the dissector sees one packet and cannot tell them): MQTT 5 only.
import { describe, expect, it } from 'vitest';
import type { PacketRecord, PacketSummary } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';
import { type Client, Scenario, summary } from './helpers.js';

function publish(sc: Scenario, c: Client, dir: 'c2s' | 's2c', p: Partial<PacketSummary> = {}, size = 12): PacketRecord {
  const bytes = new Uint8Array(size);
  bytes[0] = 0x30;
  return sc.feed(c, dir, summary(3, { topic: 't', payloadOffset: 5, payloadLength: size - 5, remainingLength: size - 2, ...p }), bytes, p.topic ?? 't');
}

function violations(sc: Scenario): unknown[] {
  return sc.byCode('protocol-violation').map((f) => f.extra['violation']);
}

describe('protocol-violation: rules that need direction or session state', () => {
  it('a Subscription Identifier in a client→broker PUBLISH [MQTT-3.3.4-6]; broker→client is fine', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    publish(sc, c, 's2c', { properties: { subscription_identifier: [3] } });
    expect(sc.findings).toEqual([]);
    const rec = publish(sc, c, 'c2s', { properties: { subscription_identifier: [3] } });
    expect(sc.findings).toMatchObject([{
      code: 'protocol-violation', severity: 'error', clientId: 'c', frames: [rec.frame], topic: 't',
      extra: { violation: 'subscription-identifier-from-client', spec: 'MQTT-3.3.4-6', dir: 'c2s', subscription_identifier: [3] },
    }]);
    expect(sc.findings[0]!.text).toContain('A PUBLISH from c carries a Subscription Identifier');
    expect(rec.findings).toEqual(['protocol-violation']);
  });

  it('a Session Expiry Interval in a DISCONNECT from the broker [MQTT-3.14.2-2]', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login({ properties: { session_expiry_interval: 60 } });
    const d = sc.feed(c, 's2c', summary(14, { reasonCodes: [0x8b], properties: { session_expiry_interval: 30 } }));
    expect(sc.findings).toMatchObject([{ code: 'protocol-violation', frames: [d.frame], extra: { violation: 'session-expiry-from-server', spec: 'MQTT-3.14.2-2', dir: 's2c', session_expiry_interval: 30 } }]);
  });

  it('a client DISCONNECT that raises the Session Expiry Interval from 0 (MQTT 5 §3.14.2.2.2, no numbered statement)', () => {
    const sc = new Scenario();
    const a = sc.client('a', { version: 5 });
    const conn = a.connect(); // no session_expiry_interval: 0
    a.connack(0);
    const d = sc.feed(a, 'c2s', summary(14, { reasonCodes: [0], properties: { session_expiry_interval: 3600 } }));
    expect(sc.findings).toMatchObject([{
      frames: [conn.frame, d.frame],
      extra: { violation: 'session-expiry-raised', spec: 'MQTT-3.14.2.2.2', session_expiry_interval: 3600, connect_session_expiry_interval: 0 },
    }]);
    expect(sc.findings[0]!.text).toContain('The DISCONNECT from a sets a Session Expiry Interval of 3600 s, but its CONNECT (frame 1) had 0 (absent); raising it');
    expect(sc.findings[0]!.text).toContain('the session still ends with the connection (mosquitto 2.0.11 answers DISCONNECT 0x82 Protocol Error)');
    // A CONNECT that gave 0 itself: not called absent.
    const e = sc.client('e', { version: 5 }).login({ properties: { session_expiry_interval: 0 } });
    sc.feed(e, 'c2s', summary(14, { reasonCodes: [0], properties: { session_expiry_interval: 10 } }));
    expect(sc.findings[1]!.text).toContain('but its CONNECT (frame 4) had 0; raising it');
    sc.findings.pop();
    // Lowering or keeping it, or changing a non-zero one, is allowed.
    const b = sc.client('b', { version: 5 }).login({ properties: { session_expiry_interval: 60 } });
    sc.feed(b, 'c2s', summary(14, { reasonCodes: [0], properties: { session_expiry_interval: 7200 } }));
    const z = sc.client('z', { version: 5 }).login();
    sc.feed(z, 'c2s', summary(14, { reasonCodes: [0], properties: { session_expiry_interval: 0 } }));
    expect(sc.findings).toHaveLength(1);
  });

  it('a client→broker Topic Alias above the CONNACK\'s Topic Alias Maximum [MQTT-3.3.2-9]', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 });
    c.connect();
    const ack = c.connack(0, { properties: { topic_alias_maximum: 2 } });
    publish(sc, c, 'c2s', { topicAlias: 2, properties: { topic_alias: 2 } });
    expect(sc.findings).toEqual([]);
    const p = publish(sc, c, 'c2s', { topicAlias: 3, properties: { topic_alias: 3 } });
    expect(sc.findings).toMatchObject([{ frames: [ack.frame, p.frame], extra: { violation: 'topic-alias-exceeds-maximum', spec: 'MQTT-3.3.2-9', topic_alias: 3, topic_alias_maximum: 2, dir: 'c2s' } }]);
    expect(sc.findings[0]!.text).toContain('uses Topic Alias 3, more than the Topic Alias Maximum of 2 the broker announced in its CONNACK (frame 2)');
  });

  it('a CONNACK without Topic Alias Maximum allows no alias at all', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    publish(sc, c, 'c2s', { topicAlias: 1, properties: { topic_alias: 1 } });
    expect(sc.findings).toMatchObject([{ extra: { violation: 'topic-alias-exceeds-maximum', topic_alias_maximum: 0 } }]);
    expect(sc.findings[0]!.text).toContain('(absent: no aliases at all)');
  });

  it('a broker→client Topic Alias above the CONNECT\'s Topic Alias Maximum [MQTT-3.3.2-11]', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login({ properties: { topic_alias_maximum: 5 } });
    publish(sc, c, 's2c', { topicAlias: 5, properties: { topic_alias: 5 } });
    expect(sc.findings).toEqual([]);
    publish(sc, c, 's2c', { topicAlias: 6, properties: { topic_alias: 6 } });
    expect(sc.findings).toMatchObject([{ extra: { violation: 'topic-alias-exceeds-maximum', spec: 'MQTT-3.3.2-11', dir: 's2c', topic_alias_maximum: 5 } }]);
    expect(sc.findings[0]!.text).toContain('A PUBLISH from the broker to c uses Topic Alias 6');
  });

  it('no alias check when the CONNECT/CONNACK was not seen (capture started mid-connection)', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5, open: false });
    publish(sc, c, 'c2s', { topicAlias: 9, properties: { topic_alias: 9 } });
    publish(sc, c, 's2c', { topicAlias: 9, properties: { topic_alias: 9 } });
    expect(sc.findings).toEqual([]);
  });

  it('a packet larger than the receiver\'s Maximum Packet Size: client→broker [MQTT-3.2.2-15], broker→client [MQTT-3.1.2-24]', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 });
    c.connect({ properties: { maximum_packet_size: 100 } });
    c.connack(0, { properties: { maximum_packet_size: 50 } });
    publish(sc, c, 'c2s', {}, 50);
    publish(sc, c, 's2c', {}, 100);
    expect(sc.findings).toEqual([]);
    publish(sc, c, 'c2s', {}, 51);
    publish(sc, c, 's2c', {}, 101);
    expect(violations(sc)).toEqual(['packet-exceeds-maximum-packet-size', 'packet-exceeds-maximum-packet-size']);
    expect(sc.findings.map((f) => [f.extra['spec'], f.extra['dir'], f.extra['size'], f.extra['maximum_packet_size']])).toEqual([
      ['MQTT-3.2.2-15', 'c2s', 51, 50], ['MQTT-3.1.2-24', 's2c', 101, 100],
    ]);
    expect(sc.findings[0]!.text).toContain('A PUBLISH of 51 bytes from c is larger than the Maximum Packet Size of 50 bytes the broker announced in its CONNACK (frame 2) [MQTT-3.2.2-15]');
  });

  it('MQTT 3.1.1 sessions are not affected', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    publish(sc, c, 'c2s', {}, 5000);
    c.disconnect();
    expect(sc.end()).toEqual([]);
  });
});

describe('the same rules on real bytes (Engine + dissector + Analyzer)', () => {
  it('Subscription Identifier, Topic Alias, Maximum Packet Size and DISCONNECT Session Expiry as mqtt-packet encodes them', () => {
    const h = new Harness();
    const c = h.conn(5);
    c.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'rb', keepalive: 60, properties: { topicAliasMaximum: 1, maximumPacketSize: 200 } });
    c.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { topicAliasMaximum: 2, maximumPacketSize: 100 } });
    c.c({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { subscriptionIdentifier: 7 } });
    c.c({ cmd: 'publish', topic: 'b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } });
    c.s({ cmd: 'publish', topic: 'c', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 2, subscriptionIdentifier: 1 } });
    c.c({ cmd: 'publish', topic: 'd', payload: Buffer.alloc(120), qos: 0, retain: false, dup: false });
    c.s({ cmd: 'publish', topic: 'd', payload: Buffer.alloc(120), qos: 0, retain: false, dup: false });
    c.c({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 10 } });
    expect(h.byCode('protocol-violation').map((f) => [f.extra['violation'], f.extra['dir'], f.extra['spec']])).toEqual([
      ['subscription-identifier-from-client', 'c2s', 'MQTT-3.3.4-6'],
      ['topic-alias-exceeds-maximum', 'c2s', 'MQTT-3.3.2-9'],
      ['topic-alias-exceeds-maximum', 's2c', 'MQTT-3.3.2-11'],
      ['packet-exceeds-maximum-packet-size', 'c2s', 'MQTT-3.2.2-15'],
      ['session-expiry-raised', 'c2s', 'MQTT-3.14.2.2.2'],
    ]);
  });
});
