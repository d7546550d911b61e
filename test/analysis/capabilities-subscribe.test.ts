// MQTT 5 subscription features a broker may say it lacks in its CONNACK: Wildcard
// Subscription Available, Subscription Identifiers Available and Shared Subscription
// Available (MQTT 5 §3.2.2.3.11 to §3.2.2.3.13). A SUBSCRIBE that uses one anyway is a
// protocol error the broker answers with SUBACK 0xA2 / 0xA1 / 0x9E for the filter, or
// with a DISCONNECT of that code: the analysis names the feature and the CONNACK that
// announced it. mosquitto 2.0.11 cannot switch any of them off (it announces none and
// grants all three), which the last test checks on the wire.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { CONNECT_V5, Harness, hex } from './engine-harness.js';
import { Tap } from './mosquitto-tap.js';

const CONNECT = CONNECT_V5;

const CONNACK_NONE = hex([
  '20 09', // CONNACK, remaining length 9
  '00', // acknowledge flags: session present 0
  '00', // reason code 0x00 Success
  '06', // property length 6
  '28 00', // Wildcard Subscription Available 0
  '29 00', // Subscription Identifiers Available 0
  '2a 00', // Shared Subscription Available 0
].join(''));

const CONNACK_PLAIN = hex([
  '20 03', // CONNACK, remaining length 3
  '00', // acknowledge flags: session present 0
  '00', // reason code 0x00 Success
  '00', // property length 0 (every feature available)
].join(''));

const SUBSCRIBE = hex([
  '82 1e', // SUBSCRIBE (flags 0010), remaining length 30
  '00 01', // packet id 1
  '02', // property length 2
  '0b 07', // Subscription Identifier 7
  '00 03 61 2f 23', // topic filter "a/#"
  '00', // subscription options: QoS 0
  '00 0a 24 73 68 61 72 65 2f 67 2f 62', // topic filter "$share/g/b"
  '00', // subscription options: QoS 0
  '00 03 63 2f 64', // topic filter "c/d"
  '00', // subscription options: QoS 0
].join(''));

const SUBACK = hex([
  '90 06', // SUBACK, remaining length 6
  '00 01', // packet id 1
  '00', // property length 0
  'a2', // "a/#": 0xA2 Wildcard Subscriptions not supported
  '9e', // "$share/g/b": 0x9E Shared Subscriptions not supported
  '00', // "c/d": granted QoS 0
].join(''));

const DISCONNECT_A1 = hex([
  'e0 02', // DISCONNECT, remaining length 2
  'a1', // reason code 0xA1 Subscription Identifiers not supported
  '00', // property length 0
].join(''));

const violations = (fs: Finding[]) => fs.filter((f) => f.code === 'protocol-violation');

describe('a SUBSCRIBE using what the CONNACK said the broker lacks', () => {
  it('wildcard, Subscription Identifier and shared filter are each a protocol violation naming the CONNACK', () => {
    const h = new Harness();
    const c = h.conn(5);
    c.raw('c2s', CONNECT); // frame 1
    c.raw('s2c', CONNACK_NONE); // frame 2
    c.raw('c2s', SUBSCRIBE); // frame 3
    c.raw('s2c', SUBACK); // frame 4
    h.end();
    const pv = violations(h.findings);
    expect(pv.map((f) => f.extra?.['violation'])).toEqual([
      'wildcard-subscription-not-available', 'subscription-identifier-not-available', 'shared-subscription-not-available',
    ]);
    expect(pv.map((f) => f.extra?.['spec'])).toEqual(['MQTT-3.2.2.3.11', 'MQTT-3.2.2.3.12', 'MQTT-3.2.2.3.13']);
    expect(pv.map((f) => f.extra?.['reason_code'])).toEqual([0xa2, 0xa1, 0x9e]);
    expect(pv[0]!.extra?.['filters']).toEqual(['a/#']);
    expect(pv[2]!.extra?.['filters']).toEqual(['$share/g/b']);
    expect(pv[1]!.extra?.['subscription_identifier']).toBe(7);
    for (const f of pv) {
      expect(f.frames).toEqual([2, 3]);
      expect(f.severity).toBe('error');
    }
    expect(pv[0]!.text).toContain("uses the wildcard filter 'a/#', but the broker announced Wildcard Subscription Available 0 in its CONNACK (frame 2)");
    expect(pv[0]!.text).toContain('SUBACK 0xA2 (Wildcard Subscriptions not supported) or closes the connection with DISCONNECT 0xA2');
    expect(pv[1]!.text).toContain('uses a Subscription Identifier, but the broker announced Subscription Identifiers Available 0');
    expect(pv[2]!.text).toContain("uses the shared subscription filter '$share/g/b', but the broker announced Shared Subscription Available 0");
    // The granted filter is kept; the refused ones are not.
    expect(h.analyzer.snapshot().sessions[0]!.subscriptions.map((x) => x.filter)).toEqual(['c/d']);
  });

  it('a broker that announced nothing lacks nothing: the same SUBSCRIBE is fine', () => {
    const h = new Harness();
    const c = h.conn(5);
    c.raw('c2s', CONNECT);
    c.raw('s2c', CONNACK_PLAIN);
    c.raw('c2s', SUBSCRIBE);
    h.end();
    expect(violations(h.findings)).toEqual([]);
  });

  it('a SUBSCRIBE sent before the CONNACK is checked when the CONNACK comes; the broker then disconnects with 0xA1', () => {
    const h = new Harness();
    const c = h.conn(5);
    c.raw('c2s', CONNECT); // frame 1
    c.raw('c2s', SUBSCRIBE); // frame 2, before the CONNACK [MQTT-3.1.4-5]
    c.raw('s2c', CONNACK_NONE); // frame 3
    c.raw('s2c', DISCONNECT_A1); // frame 4
    c.close('fin', 's2c');
    h.end();
    const pv = violations(h.findings);
    expect(pv.map((f) => [f.extra?.['violation'], f.frames])).toEqual([
      ['wildcard-subscription-not-available', [2, 3]],
      ['subscription-identifier-not-available', [2, 3]],
      ['shared-subscription-not-available', [2, 3]],
    ]);
    // One finding per cause: the refused SUBSCRIBE is not also a flow cut short by the DISCONNECT.
    expect(h.findings.filter((f) => f.code === 'qos-flow-incomplete')).toEqual([]);
  });
});

describe('mosquitto 2.0.11 has none of them switched off', () => {
  it('its CONNACK announces none, and it grants a wildcard, shared filter with a Subscription Identifier: no finding', async () => {
    const tap = await Tap.startConf([]);
    const s = await tap.client('s', 'u', 5);
    const props = (s.got[0] as { properties?: Record<string, unknown> }).properties ?? {};
    expect(Object.keys(props).filter((k) => /wildcard|subscriptionIdentifiersAvailable|shared/i.test(k))).toEqual([]);
    s.send({
      cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 7 },
      subscriptions: [{ topic: 'a/#', qos: 0, nl: false, rap: false, rh: 0 }, { topic: '$share/g/b/+', qos: 0, nl: false, rap: false, rh: 0 }],
    });
    const suback = await s.waitFor('suback') as { granted: number[] };
    expect(suback.granted).toEqual([0, 0]);
    const fs = await tap.end(100);
    expect(violations(fs)).toEqual([]);
  });
});
