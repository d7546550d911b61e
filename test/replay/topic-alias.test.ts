// A client's Topic Alias above the live broker's Topic Alias Maximum is sent as
// the topic it stands for: otherwise the broker closes the connection with
// DISCONNECT 0x94 Topic Alias invalid [MQTT-3.3.2-9] and nothing after it is replayed.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutTopicAlias } from '../../src/replay/topic-alias.js';
import { ROOT } from '../read/run.js';
import { runCli, startVerboseMosquitto, type Peer } from './helpers.js';

// Recorded with tshark on lo (port 18841) in front of mosquitto 2.0.11 with max_topic_alias 100:
// an MQTT.js v5 subscriber 'ta-sub' (ta/# QoS 1) and publisher 'ta-pub' that sends
// 'ta/one' with Topic Alias 20 (QoS 1, twice: topic, then alias only) and 'ta/two' with
// Topic Alias 3 (QoS 0, twice).
const CAPTURE = resolve(ROOT, 'test/replay/topic-alias.pcapng');

describe('withoutTopicAlias', () => {
  it('puts the topic back and drops only the Topic Alias property', () => {
    const publish = Uint8Array.from([
      0x32, // PUBLISH, QoS 1
      0x16, // Remaining Length 22
      0x00, 0x00, // Topic Name length 0 (the alias stands for it)
      0x00, 0x07, // Packet Identifier 7
      0x0f, // Property Length 15
      0x02, 0x00, 0x00, 0x00, 0x3c, // Message Expiry Interval 60
      0x23, 0x00, 0x14, // Topic Alias 20
      0x26, 0x00, 0x01, 0x6b, 0x00, 0x01, 0x76, // User Property 'k' = 'v'
      0x6d, 0x31, // payload 'm1'
    ]);
    expect(withoutTopicAlias(publish, 'ta/one')).toEqual(Uint8Array.from([
      0x32, // PUBLISH, QoS 1
      0x19, // Remaining Length 25
      0x00, 0x06, 0x74, 0x61, 0x2f, 0x6f, 0x6e, 0x65, // Topic Name 'ta/one'
      0x00, 0x07, // Packet Identifier 7
      0x0c, // Property Length 12
      0x02, 0x00, 0x00, 0x00, 0x3c, // Message Expiry Interval 60
      0x26, 0x00, 0x01, 0x6b, 0x00, 0x01, 0x76, // User Property 'k' = 'v'
      0x6d, 0x31, // payload 'm1'
    ]));
  });

  it('a QoS 0 PUBLISH has no Packet Identifier to keep', () => {
    const publish = Uint8Array.from([
      0x30, // PUBLISH, QoS 0
      0x08, // Remaining Length 8
      0x00, 0x00, // Topic Name length 0
      0x03, // Property Length 3
      0x23, 0x00, 0x03, // Topic Alias 3
      0x6d, 0x34, // payload 'm4'
    ]);
    expect(withoutTopicAlias(publish, 'ta/two')).toEqual(Uint8Array.from([
      0x30, // PUBLISH, QoS 0
      0x0b, // Remaining Length 11
      0x00, 0x06, 0x74, 0x61, 0x2f, 0x74, 0x77, 0x6f, // Topic Name 'ta/two'
      0x00, // Property Length 0
      0x6d, 0x34, // payload 'm4'
    ]));
  });

  it('bytes it cannot parse are left alone (null)', () => {
    // Property Length 5 runs past the end of the packet.
    expect(withoutTopicAlias(Uint8Array.from([0x30, 0x05, 0x00, 0x00, 0x05, 0x23, 0x00]), 't')).toBeNull();
    // No Topic Alias property at all.
    expect(withoutTopicAlias(Uint8Array.from([0x30, 0x04, 0x00, 0x00, 0x00, 0x6d]), 't')).toBeNull();
  });
});

describe('replay against a broker that allows fewer topic aliases than the captured one', () => {
  // Default mosquitto: Topic Alias Maximum 10 in its CONNACK; the capture uses alias 20.
  let mosq: Peer;
  beforeAll(async () => { mosq = await startVerboseMosquitto(); });
  afterAll(async () => { await mosq?.stop(); });

  it('alias 20 is sent as its topic, alias 3 as captured, and every answer matches', async () => {
    const r = await runCli(['replay', CAPTURE, '--port', '18841', '--to', `127.0.0.1:${mosq.port}`, '--speed', 'max', '--timeout', '800']);
    expect(r.stdout).toMatch(/client 'ta-pub': same answers \(6 packet\(s\) sent, 3 answer\(s\) in the capture, 3 now\)/);
    expect(r.stdout).toMatch(/client 'ta-sub': same answers \(5 packet\(s\) sent, 6 answer\(s\) in the capture, 6 now\)/);
    // mosquitto got all four messages and closed no connection itself.
    expect(mosq.log().match(/Received PUBLISH from ta-pub \(d0, q\d, r0, m\d+, 'ta\/(one|two)'/g)).toHaveLength(4);
    expect(mosq.log()).not.toMatch(/Sending DISCONNECT/);
    expect(r.code).toBe(0);
  });
});
