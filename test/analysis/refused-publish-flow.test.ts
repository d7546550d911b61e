// A QoS 1/2 PUBLISH the broker refuses with a DISCONNECT (a limit of its CONNACK broken by
// a publish sent before that CONNACK, or an MQTT 5 protocol error such as a Topic Alias
// never set) is explained by its protocol-violation: the flow it starts is not also
// reported as cut short (qos-flow-incomplete). One finding per cause.
// Checked on the wire against mosquitto 2.0.11 (Tap.startConf).
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';
import { sleep, Tap } from './mosquitto-tap.js';

const codes = (fs: Finding[]) => fs.map((f) => f.code === 'protocol-violation' ? `protocol-violation:${String(f.extra?.['violation'])}` : f.code);

describe('a refused QoS 1/2 publish is not also a cut-short flow', () => {
  it('mosquitto: a QoS 1 publish sent before the CONNACK and over its Maximum Packet Size (DISCONNECT 0x95)', async () => {
    const tap = await Tap.startConf(['max_packet_size 200']);
    const big = { cmd: 'publish', topic: 'a/1', payload: Buffer.from('x'.repeat(300)), qos: 1, messageId: 7, retain: false, dup: false };
    const c = await tap.client('early', 'u', 5, [big]);
    const d = await c.waitFor('disconnect');
    expect((d as { reasonCode?: number }).reasonCode).toBe(0x95);
    await c.closedByBroker();
    const fs = await tap.end(1500);
    expect(codes(fs)).toEqual(['protocol-violation:packet-exceeds-maximum-packet-size']);
  });

  it('mosquitto: a QoS 1 publish with a Topic Alias never set (DISCONNECT 0x82 Protocol Error)', async () => {
    const tap = await Tap.startConf(['max_topic_alias 2']);
    const c = await tap.client('alias', 'u', 5);
    c.send({ cmd: 'publish', topic: '', payload: Buffer.from('m'), qos: 1, messageId: 3, retain: false, dup: false, properties: { topicAlias: 1 } });
    const d = await c.waitFor('disconnect');
    expect((d as { reasonCode?: number }).reasonCode).toBe(0x82);
    await c.closedByBroker();
    await sleep(20);
    const fs = await tap.end(1500);
    expect(codes(fs)).toEqual(['protocol-violation:topic-alias-not-set']);
  });

  it('engine: a QoS 2 publish sent before the CONNACK above its Maximum QoS, and one with a Topic Alias above its maximum', () => {
    for (const [props, pub, rc, want] of [
      [{ maximumQoS: 1 }, { topic: 'a/1', payload: 'm', qos: 2 as const, id: 4 }, 0x9b, 'publish-qos-exceeds-maximum'],
      [{ topicAliasMaximum: 2 }, { topic: 'a/1', payload: 'm', qos: 1 as const, id: 5, properties: { topicAlias: 9 } }, 0x94, 'topic-alias-exceeds-maximum'],
    ] as const) {
      const h = new Harness({ brokerKind: 'mosquitto' });
      h.conn(5).login('s', undefined).sub(1, 'a/#');
      const p = h.conn(5);
      p.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'p', keepalive: 60 });
      p.publish(pub);
      p.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: props });
      p.s({ cmd: 'disconnect', reasonCode: rc });
      p.close('fin', 's2c');
      h.end();
      expect(codes(h.findings), want).toEqual([`protocol-violation:${want}`]);
    }
  });

  it('engine: a QoS 0 publish sent before the CONNACK with a Topic Alias above its maximum is no drop', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    h.conn(5).login('s', undefined).sub(1, 'a/#');
    const p = h.conn(5);
    p.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'p', keepalive: 60 });
    p.publish({ topic: 'a/1', payload: 'm', properties: { topicAlias: 3 } });
    p.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { topicAliasMaximum: 2 } });
    p.s({ cmd: 'disconnect', reasonCode: 0x94 });
    p.close('fin', 's2c');
    h.end();
    expect(codes(h.findings)).toEqual(['protocol-violation:topic-alias-exceeds-maximum']);
  });

  it('engine: an accepted QoS 1 publish cut by a DISCONNECT 0x82 for another reason is still cut short', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const p = h.conn(5).login('p', undefined, 0, { topicAliasMaximum: 2 });
    p.publish({ topic: 'a/1', payload: 'm', qos: 1, id: 6 });
    p.s({ cmd: 'disconnect', reasonCode: 0x82 });
    p.close('fin', 's2c');
    h.end();
    expect(codes(h.findings)).toEqual(['qos-flow-incomplete']);
  });
});
