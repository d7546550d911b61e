// The limits an MQTT 5 broker announces in its CONNACK (Maximum QoS, Retain Available,
// Maximum Packet Size), broken by a client. mosquitto 2.0.11 with max_qos 1,
// retain_available false and max_packet_size 200 answers DISCONNECT 0x9B, 0x9A and 0x95
// and routes nothing: the analysis names the limit and the CONNACK that announced it,
// and does not report the message as a drop (undelivered-publish reads as a denied write).
import { createConnection } from 'node:net';
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';
import { sleep, Tap, TapClient } from './mosquitto-tap.js';

const CAPS_CONF = [
  'max_packet_size 200', 'max_inflight_messages 3', 'max_topic_alias 2', 'retain_available false', 'max_qos 1', 'max_keepalive 30',
];

// What mosquitto 2.0.11 sends with CAPS_CONF (seen on the wire).
const caps = { maximumQoS: 1, retainAvailable: false, maximumPacketSize: 200, topicAliasMaximum: 2, receiveMaximum: 3, serverKeepAlive: 30 };

const violations = (fs: Finding[]) => fs.filter((f) => f.code === 'protocol-violation').map((f) => f.extra?.['violation']);
const drops = (fs: Finding[]) => fs.filter((f) => f.code === 'undelivered-publish' || f.code === 'withheld-delivery');

/** A Tap (real sockets, the analysis fed as they go) on a mosquitto run with `extra` configuration lines. */
const confTap = (extra: readonly string[]): Promise<Tap> => Tap.startConf(extra);

describe('a client breaks a limit of the CONNACK (engine)', () => {
  it('QoS above Maximum QoS, RETAIN against Retain Available 0 and a packet over Maximum Packet Size are protocol violations, not drops', () => {
    for (const [pub, want] of [
      [{ topic: 'a/1', payload: 'm', qos: 1 as const, id: 1 }, 'publish-qos-exceeds-maximum'],
      [{ topic: 'a/1', payload: 'm', retain: true }, 'retain-not-available'],
      [{ topic: 'a/1', payload: 'x'.repeat(300) }, 'packet-exceeds-maximum-packet-size'],
    ] as const) {
      const h = new Harness({ brokerKind: 'mosquitto' });
      h.conn(5).login('s', undefined, 0, caps).sub(1, 'a/#');
      // Maximum QoS 0 for the QoS 1 case, 1 otherwise.
      const p = h.conn(5).login('p', undefined, 0, { ...caps, maximumQoS: want === 'publish-qos-exceeds-maximum' ? 0 : 1 });
      p.publish(pub);
      p.s({ cmd: 'disconnect', reasonCode: want === 'retain-not-available' ? 0x9a : want === 'publish-qos-exceeds-maximum' ? 0x9b : 0x95 });
      p.close('fin', 's2c');
      h.end();
      expect(violations(h.findings), want).toEqual([want]);
      expect(drops(h.findings), want).toEqual([]);
    }
  });

  it('without those CONNACK properties (QoS 2 and retain allowed), the same publishes are routed and a missed one is a drop', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    h.conn(5).login('s', undefined).sub(1, 'a/#');
    const p = h.conn(5).login('p', undefined);
    p.publish({ topic: 'a/1', payload: 'm', retain: true });
    h.end();
    expect(violations(h.findings)).toEqual([]);
    expect(h.byCode('undelivered-publish').map((f) => f.topic)).toEqual(['a/1']);
  });
});

describe('against mosquitto 2.0.11 with max_qos 1, retain_available false, max_packet_size 200', () => {
  it('each broken limit is named with the CONNACK that announced it; the respected ones give no finding', async () => {
    const tap = await confTap(CAPS_CONF);
    // Subscribing at QoS 2 is not refused: mosquitto grants QoS 1 (its max_qos).
    const s = await tap.client('sub', 'u', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 2, nl: false, rap: false, rh: 0 }] });
    const suback = await s.waitFor('suback') as { granted: number[] };
    expect(suback.granted).toEqual([1]);
    const connack = s.got[0] as { properties?: Record<string, unknown> };
    expect(connack.properties).toMatchObject({ maximumQoS: 1, retainAvailable: false, maximumPacketSize: 200 });

    const cases = [
      { id: 'q', pub: { qos: 2, messageId: 1 }, code: 0x9b, violation: 'publish-qos-exceeds-maximum' },
      { id: 'r', pub: { qos: 0, retain: true }, code: 0x9a, violation: 'retain-not-available' },
      { id: 'b', pub: { qos: 0, payload: Buffer.from('x'.repeat(300)) }, code: 0x95, violation: 'packet-exceeds-maximum-packet-size' },
    ];
    for (const k of cases) {
      const p = await tap.client(k.id, 'u', 5);
      p.send({ cmd: 'publish', topic: `a/${k.id}`, payload: Buffer.from('m'), retain: false, dup: false, ...k.pub });
      const d = await p.waitFor('disconnect') as { reasonCode: number };
      expect(d.reasonCode, k.id).toBe(k.code);
      await p.closedByBroker();
    }
    // Within every limit: QoS 1, RETAIN 0, 199 bytes or less.
    const ok = await tap.client('ok', 'u', 5);
    ok.send({ cmd: 'publish', topic: 'a/ok', payload: Buffer.from('fine'), qos: 1, messageId: 2, retain: false, dup: false });
    await ok.waitFor('puback');
    await s.waitFor('publish');
    s.send({ cmd: 'puback', messageId: (s.got.find((x) => x.cmd === 'publish') as { messageId: number }).messageId });
    await sleep(100);
    expect(s.payloads()).toEqual(['fine']);
    const fs = await tap.end(3000);
    const pv = fs.filter((f) => f.code === 'protocol-violation');
    expect(pv.map((f) => [f.clientId, f.extra?.['violation']])).toEqual(cases.map((k) => [k.id, k.violation]));
    expect(pv[0]!.text).toContain('Maximum QoS of 1 the broker announced in its CONNACK');
    expect(pv[1]!.text).toContain('Retain Available 0 in its CONNACK');
    expect(fs.filter((f) => f.code !== 'protocol-violation').map((f) => f.text)).toEqual([]);
  });
});

describe('a will the broker cannot take (mosquitto 2.0.11, max_qos 1, retain_available false)', () => {
  const cases = [
    { id: 'wr5', version: 5 as const, will: { qos: 0, retain: true }, connack: 0x9a, says: "will (topic 'w/wr5') has RETAIN 1 and the broker does not keep retained messages" },
    { id: 'wq5', version: 5 as const, will: { qos: 2, retain: false }, connack: 0x9b, says: "will (topic 'w/wq5') has QoS 2, above what the broker supports (its CONNACK says Maximum QoS 1)" },
    { id: 'wr4', version: 4 as const, will: { qos: 0, retain: true }, connack: null, says: "will (topic 'w/wr4') has RETAIN 1 (refused with retain_available false)" },
    { id: 'wq4', version: 4 as const, will: { qos: 2, retain: false }, connack: null, says: "will (topic 'w/wq4') has QoS 2 (refused when above max_qos)" },
  ];
  it('connect-refused names the will and the capability it breaks', async () => {
    const tap = await confTap(CAPS_CONF);
    for (const k of cases) {
      const c = new TapClient(tap, k.id, k.version);
      await c.open();
      c.send({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: k.version, clean: true, clientId: k.id, keepalive: 20,
        will: { topic: `w/${k.id}`, payload: Buffer.from('gone'), ...k.will },
      });
      if (k.connack !== null) {
        const ack = await c.waitFor('connack') as { reasonCode: number };
        expect(ack.reasonCode, k.id).toBe(k.connack);
      }
      await c.closedByBroker();
      // An MQTT 3.1.1 client gets no CONNACK at all: the broker just closes.
      if (k.connack === null) expect(c.got, k.id).toEqual([]);
    }
    const fs = await tap.end(100);
    const refused = fs.filter((f) => f.code === 'connect-refused');
    expect(refused.map((f) => f.clientId)).toEqual(cases.map((k) => k.id));
    refused.forEach((f, i) => expect(f.text, cases[i]!.id).toContain(cases[i]!.says));
  });
});

describe('the broker Receive Maximum (mosquitto 2.0.11, max_inflight_messages 3)', () => {
  it('a QoS 2 publish past it, rejected with PUBREC 0x97, is explained as flow control by the CONNACK Receive Maximum', async () => {
    const tap = await confTap(['max_inflight_messages 3']);
    const s = await tap.client('sub', 'u', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 0, nl: false, rap: false, rh: 0 }] });
    await s.waitFor('suback');
    const p = await tap.client('pub', 'u', 5);
    expect((p.got[0] as { properties?: Record<string, unknown> }).properties).toMatchObject({ receiveMaximum: 3 });
    for (let id = 1; id <= 4; id++) p.send({ cmd: 'publish', topic: 't', payload: Buffer.from(`m${id}`), qos: 2, messageId: id, retain: false, dup: false });
    for (let i = 0; i < 200 && p.got.filter((x) => x.cmd === 'pubrec').length < 4; i++) await sleep(10);
    const recs = p.got.filter((x) => x.cmd === 'pubrec') as { messageId: number; reasonCode?: number }[];
    expect(recs.map((r) => [r.messageId, r.reasonCode ?? 0])).toEqual([[1, 0], [2, 0], [3, 0], [4, 0x97]]);
    for (let id = 1; id <= 3; id++) p.send({ cmd: 'pubrel', messageId: id });
    for (let i = 0; i < 200 && p.got.filter((x) => x.cmd === 'pubcomp').length < 3; i++) await sleep(10);
    await sleep(100);
    expect(s.payloads()).toEqual(['m1', 'm2', 'm3']);
    const fs = await tap.end(3000);
    expect(fs.map((f) => f.code)).toEqual(['publish-rejected']);
    expect(fs[0]!.text).toContain('as many as the Receive Maximum of 3 the broker announced in its CONNACK');
    expect(fs[0]!.extra).toMatchObject({ receive_maximum: 3, unacknowledged: 3, packet_id: 4 });
  });
});

describe('Server Keep Alive (mosquitto 2.0.11 max_keepalive 30 sends 30 to a CONNECT with 60 or 0)', () => {
  for (const own of [60, 0]) {
    it(`a client that sent keep-alive ${own} is held to the 30 s of the CONNACK, and the text says so`, () => {
      const h = new Harness({ brokerKind: 'mosquitto' });
      const c = h.conn(5);
      c.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'k', keepalive: own });
      const ack = c.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { serverKeepAlive: 30 } });
      h.wait(45_000).tick();
      expect(h.findings).toEqual([]);
      h.wait(1_000).tick();
      const [f] = h.byCode('keepalive-timeout');
      expect(f!.extra).toMatchObject({ keep_alive: 30, connect_keep_alive: own });
      expect(f!.text).toContain(`keep-alive of 30 s (the Server Keep Alive of the broker's CONNACK, frame ${ack.frame}, which the client must use instead of the ${own === 0 ? '0 (none)' : '60 s'} of its CONNECT [MQTT-3.2.2-21]`);
    });
  }
});

describe('a CONNECT over the broker max_packet_size (mosquitto 2.0.11, max_packet_size 200)', () => {
  it('mosquitto resets the connection without a CONNACK, and connect-refused says the CONNECT may be too large', async () => {
    const tap = await confTap(CAPS_CONF);
    const port = (tap.broker as { port: number }).port;
    const now = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
    const results: string[] = [];
    for (const [version, payload] of [[4, 300], [5, 300], [4, 10]] as const) {
      const sock = createConnection(port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      const meta = {
        id: `${sock.localAddress}:${sock.localPort}-127.0.0.1:${port}`,
        client: { host: sock.localAddress!, port: sock.localPort! }, server: { host: '127.0.0.1', port }, transport: 'tcp' as const,
      };
      tap.engine.open(meta, now());
      const got: Buffer[] = [];
      sock.on('data', (d: Buffer) => { got.push(d); tap.feed(meta, 's2c', new Uint8Array(d)); });
      const closed = new Promise<string>((r) => {
        sock.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
        sock.once('close', () => r('fin'));
      });
      // The will, QoS 0 and RETAIN 0, makes the CONNECT large; 10 bytes keep it under the limit, and a will QoS 2 gets it refused for max_qos 1.
      const bytes = mqtt.generate({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: true, clientId: `big${version}-${payload}`, keepalive: 20,
        will: { topic: 'w', payload: Buffer.alloc(payload, 0x61), qos: payload === 10 ? 2 : 0, retain: false },
      } as mqtt.Packet, { protocolVersion: version });
      tap.feed(meta, 'c2s', new Uint8Array(bytes));
      sock.write(bytes);
      const how = await closed;
      results.push(`${version}/${payload}: ${how} ${got.length}`);
      tap.engine.close(meta.id, now(), how === 'ECONNRESET' ? 'reset' : 'fin', 's2c');
      sock.destroy();
    }
    // Wire: the oversized CONNECTs are reset unread; the small one is read, refused and closed with a FIN.
    expect(results).toEqual(['4/300: ECONNRESET 0', '5/300: ECONNRESET 0', '4/10: fin 0']);
    const fs = await tap.end(100);
    const refused = fs.filter((f) => f.code === 'connect-refused');
    expect(refused.map((f) => f.clientId)).toEqual(['big4-300', 'big5-300', 'big4-10']);
    expect(refused[0]!.text).toMatch(/mosquitto does that to a CONNECT larger than its max_packet_size \(this one is 3\d\d bytes\)/);
    expect(refused[1]!.text).toContain('larger than its max_packet_size');
    expect(refused[2]!.text).not.toContain('max_packet_size');
  });
});

describe('a PUBLISH sent before the CONNACK that breaks its limits (mosquitto 2.0.11)', () => {
  it('is checked when the CONNACK comes: a protocol violation, not a drop', async () => {
    const tap = await confTap(CAPS_CONF);
    const s = await tap.client('sub', 'u', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'e/#', qos: 0, nl: false, rap: false, rh: 0 }] });
    await s.waitFor('suback');
    const cases = [
      { id: 'er', pub: { retain: true, payload: Buffer.from('m') }, code: 0x9a, violation: 'retain-not-available' },
      { id: 'eb', pub: { retain: false, payload: Buffer.alloc(300, 0x61) }, code: 0x95, violation: 'packet-exceeds-maximum-packet-size' },
    ];
    for (const k of cases) {
      // Pipelined right after the CONNECT [MQTT-3.1.4-5]: the broker reads it after sending its CONNACK.
      const p = await tap.client(k.id, 'u', 5, [{ cmd: 'publish', topic: `e/${k.id}`, qos: 0, dup: false, ...k.pub }]);
      const d = await p.waitFor('disconnect') as { reasonCode: number };
      expect(d.reasonCode, k.id).toBe(k.code);
      await p.closedByBroker();
    }
    await sleep(100);
    expect(s.payloads()).toEqual([]);
    const fs = await tap.end(3000);
    expect(fs.map((f) => [f.code, f.clientId, f.extra?.['violation']])).toEqual(cases.map((k) => ['protocol-violation', k.id, k.violation]));
  });
});
