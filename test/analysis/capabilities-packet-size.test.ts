// The broker's MQTT 5 Maximum Packet Size counts the whole packet [MQTT-3.2.2-15], but
// mosquitto 2.0.11 (max_packet_size) compares it with the Remaining Length + 1, leaving out
// the Remaining Length's own bytes: with max_packet_size 200 it takes and routes PUBLISHes of
// 201 and 202 bytes and answers DISCONNECT 0x95 only from 203. The protocol-violation still
// fires (the client broke the rule) but must not claim a DISCONNECT that never comes.
import { describe, expect, it } from 'vitest';
import { mosquittoPacketLimit } from '../../src/analysis/sessions.js';
import type { Finding } from '../../src/model/packet.js';
import { CONNECT_V5, Harness, hex } from './engine-harness.js';
import { sleep, Tap } from './mosquitto-tap.js';

const CONNECT = CONNECT_V5;

const CONNACK_20 = hex([
  '20 08', // CONNACK, remaining length 8
  '00', // acknowledge flags: session present 0
  '00', // reason code 0x00 Success
  '05', // property length 5
  '27 00 00 00 14', // Maximum Packet Size 20
].join(''));

const PUBLISH_21 = hex([
  '30 13', // PUBLISH QoS 0, remaining length 19: 21 bytes in all
  '00 01 74', // topic "t"
  '00', // property length 0
  '78'.repeat(15), // payload: 15 x "x"
].join(''));

const PUBLISH_22 = hex([
  '30 14', // PUBLISH QoS 0, remaining length 20: 22 bytes in all
  '00 01 74', // topic "t"
  '00', // property length 0
  '78'.repeat(16), // payload: 16 x "x"
].join(''));

const SUBSCRIBE_25 = hex([
  '82 17', // SUBSCRIBE (flags 0010), remaining length 23: 25 bytes in all
  '00 01', // packet id 1
  '00', // property length 0
  '00 11 61 2f' + '62'.repeat(15), // topic filter "a/" + 15 x "b"
  '00', // subscription options: QoS 0
].join(''));

const tooLarge = (fs: Finding[]) => fs.filter((f) => f.extra?.['violation'] === 'packet-exceeds-maximum-packet-size');

describe('mosquittoPacketLimit', () => {
  it('is the limit plus the bytes of a Remaining Length of limit - 1', () => {
    expect(mosquittoPacketLimit(20)).toBe(21); // Remaining Length 19: 1 byte
    expect(mosquittoPacketLimit(128)).toBe(129); // 127: 1 byte
    expect(mosquittoPacketLimit(129)).toBe(131); // 128: 2 bytes
    expect(mosquittoPacketLimit(200)).toBe(202); // 199: 2 bytes
    expect(mosquittoPacketLimit(16_385)).toBe(16_388); // 16,384: 3 bytes
  });
});

describe('a client packet over the CONNACK Maximum Packet Size', () => {
  it('within the Remaining Length bytes: a violation that says mosquitto takes it; past them: DISCONNECT 0x95', () => {
    const h = new Harness();
    const c = h.conn(5);
    c.raw('c2s', CONNECT); // frame 1
    c.raw('s2c', CONNACK_20); // frame 2
    c.raw('c2s', PUBLISH_21); // frame 3
    c.raw('c2s', PUBLISH_22); // frame 4
    h.end();
    const v = tooLarge(h.findings);
    expect(v.map((f) => [f.extra?.['size'], f.extra?.['maximum_packet_size'], f.extra?.['mosquitto_refuses_above']])).toEqual([[21, 20, 21], [22, 20, undefined]]);
    expect(v[0]!.text).toContain('mosquitto 2.0.11 takes and routes it (it counts its max_packet_size without the 1 Remaining Length byte(s), so it refuses only packets above 21 bytes)');
    expect(v[0]!.text).not.toContain('treats it as a protocol error');
    expect(v[1]!.text).toContain('the broker treats it as a protocol error (DISCONNECT 0x95 Packet too large)');
  });
});

describe('whether a copy of a PUBLISH over the Maximum Packet Size is owed', () => {
  /** A subscriber to "t", then client c's CONNECT, CONNACK (Maximum Packet Size 20) and a 21-byte PUBLISH on "t" that nobody gets. */
  function run(brokerKind: 'mosquitto' | 'unknown'): Finding[] {
    const h = new Harness({ brokerKind, deliveryWindowUs: 1_000_000 });
    h.conn(5).login('s', 'u').sub(1, 't');
    const c = h.conn(5);
    c.raw('c2s', CONNECT);
    c.raw('s2c', CONNACK_20);
    c.raw('c2s', PUBLISH_21);
    return h.end();
  }

  it('mosquitto routes 21 bytes with a limit of 20 (its own measure): the lost copy is reported', () => {
    const fs = run('mosquitto');
    expect(tooLarge(fs)).toHaveLength(1);
    expect(fs.filter((f) => f.code === 'undelivered-publish').map((f) => [f.clientId, f.topic])).toEqual([['c', 't']]);
  });

  it('a broker that applies the limit as the spec reads it refuses it: no copy is owed', () => {
    const fs = run('unknown');
    expect(tooLarge(fs)).toHaveLength(1);
    expect(fs.filter((f) => f.code === 'undelivered-publish')).toEqual([]);
  });
});

describe('a SUBSCRIBE sent before the CONNACK', () => {
  it('is checked against the Maximum Packet Size when the CONNACK comes', () => {
    const h = new Harness();
    const c = h.conn(5);
    c.raw('c2s', CONNECT); // frame 1
    c.raw('c2s', SUBSCRIBE_25); // frame 2, before the CONNACK [MQTT-3.1.4-5]
    c.raw('s2c', CONNACK_20); // frame 3
    h.end();
    const v = tooLarge(h.findings);
    expect(v.map((f) => [f.extra?.['packet_type'], f.extra?.['size'], f.frames])).toEqual([['SUBSCRIBE', 25, [2, 3]]]);
    expect(v[0]!.text).toContain('DISCONNECT 0x95 Packet too large');
  });

  it('mosquitto 2.0.11 (max_packet_size 200) reads it after its CONNACK and disconnects with 0x95', async () => {
    const tap = await Tap.startConf(['max_packet_size 200']);
    const filter = `a/${'b'.repeat(250)}`;
    const c = await tap.client('e', 'u', 5, [{ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0, nl: false, rap: false, rh: 0 }] }]);
    const d = await c.waitFor('disconnect') as { reasonCode: number };
    expect(d.reasonCode).toBe(0x95);
    await c.closedByBroker();
    const v = tooLarge(await tap.end(100));
    expect(v.map((f) => [f.clientId, f.extra?.['packet_type']])).toEqual([['e', 'SUBSCRIBE']]);
  });
});

describe('against mosquitto 2.0.11 with max_packet_size 200', () => {
  it('202 bytes are routed and 203 bytes disconnected (0x95), as the findings say', async () => {
    const tap = await Tap.startConf(['max_packet_size 200']);
    const s = await tap.client('s', 'u', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 0, nl: false, rap: false, rh: 0 }] });
    await s.waitFor('suback');
    const answers: Record<string, unknown[]> = {};
    // Fixed header 3 bytes (Remaining Length >= 128), topic "t" 3, property length 1.
    for (const [id, size] of [['a', 200], ['b', 202], ['c', 203]] as const) {
      const p = await tap.client(id, 'u', 5);
      p.send({ cmd: 'publish', topic: 't', payload: Buffer.from(id.repeat(size - 7)), qos: 0, retain: false, dup: false });
      if (id === 'c') {
        const d = await p.waitFor('disconnect') as { reasonCode: number };
        expect(d.reasonCode).toBe(0x95);
        await p.closedByBroker();
      } else {
        await sleep(150);
      }
      answers[id] = p.got.map((x) => x.cmd);
    }
    expect(answers).toEqual({ a: ['connack'], b: ['connack'], c: ['connack', 'disconnect'] });
    expect(s.payloads().map((x) => [x[0], x.length + 7])).toEqual([['a', 200], ['b', 202]]);
    const v = tooLarge(await tap.end(3000));
    expect(v.map((f) => [f.clientId, f.extra?.['size']])).toEqual([['b', 202], ['c', 203]]);
    expect(v[0]!.text).toContain('but mosquitto 2.0.11 takes and routes it');
    expect(v[1]!.text).toContain('DISCONNECT 0x95 Packet too large');
  });
});
