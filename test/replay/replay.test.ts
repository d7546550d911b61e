// replay: CONNECT re-encoding, answer comparison, and end-to-end replays of
// captures/ against the bundled broker (same answers) and a differently
// configured one (differences reported, exit 1).
import { resolve } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAnswers, rewriteClientId, type Answer } from '../../src/replay/index.js';
import { mqttscope, ROOT } from '../read/run.js';
import { runCli as runAsync, startBundledBroker, type Peer } from './helpers.js';

function parse(b: Uint8Array, version = 4): mqttPacket.Packet {
  const parser = mqttPacket.parser({ protocolVersion: version });
  let out: mqttPacket.Packet | null = null;
  parser.on('packet', (p) => { out = p; });
  parser.on('error', (e) => { throw e; });
  parser.parse(Buffer.from(b));
  if (!out) throw new Error('no packet parsed');
  return out;
}

describe('rewriteClientId', () => {
  it('re-encodes the Remaining Length when it grows past 127 (1 → 2 varint bytes)', () => {
    const c = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'a'.repeat(100), clean: true, keepalive: 30, username: 'u', password: Buffer.from('p') });
    expect(c[1]).toBeLessThan(128);
    const r = rewriteClientId(c, (id) => id + '-replay-with-a-long-suffix')!;
    expect(r[1]! & 0x80).toBe(0x80);
    const p = parse(r) as mqttPacket.IConnectPacket;
    expect(p.clientId).toBe('a'.repeat(100) + '-replay-with-a-long-suffix');
    expect(p.username).toBe('u');
    expect(p.password?.toString()).toBe('p');
  });

  it('keeps MQTT 5 properties and the will intact', () => {
    const c = mqttPacket.generate({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'v5', clean: true, keepalive: 10,
      properties: { sessionExpiryInterval: 60, userProperties: { k: 'v' } },
      will: { topic: 'w/t', payload: Buffer.from('bye'), qos: 1, retain: false, properties: { willDelayInterval: 5 } },
    } as mqttPacket.IConnectPacket, { protocolVersion: 5 });
    const p = parse(rewriteClientId(c, (id) => `${id}-x`)!, 5) as mqttPacket.IConnectPacket;
    expect(p.clientId).toBe('v5-x');
    expect(p.properties?.sessionExpiryInterval).toBe(60);
    expect(p.will?.topic).toBe('w/t');
    expect(p.will?.payload.toString()).toBe('bye');
  });

  it('returns null for a non-CONNECT', () => {
    expect(rewriteClientId(Uint8Array.from([0xc0, 0x00]), (x) => x)).toBeNull();
  });
});

const A = (o: Partial<Answer>): Answer => ({
  type: 4, version: 4, frame: 1, time: 0, packetId: null, reasonCodes: null, sessionPresent: null, topic: null, qos: 0, retain: false, dup: false, payload: null, ...o,
});

describe('compareAnswers', () => {
  it('reports changed reason codes, CONNACK codes, missing and extra answers', () => {
    const captured = [
      A({ type: 2, frame: 2, reasonCodes: [0], sessionPresent: false }),
      A({ type: 4, version: 5, frame: 5, packetId: 3, reasonCodes: [0] }),
      A({ type: 4, frame: 7, packetId: 4 }),
      A({ type: 13, frame: 9 }),
    ];
    const now = [
      A({ type: 2, reasonCodes: [5], sessionPresent: false }),
      A({ type: 4, version: 5, packetId: 3, reasonCodes: [0x87] }),
      A({ type: 13 }),
      A({ type: 3, topic: 'x/y', qos: 0, payload: Uint8Array.of(1) }),
    ];
    const d = compareAnswers(captured, now).map((x) => `${x.kind}: ${x.text}`);
    expect(d).toEqual([
      'changed: CONNACK 0x00 Connection Accepted in the capture, 0x05 Connection Refused, not authorized now (capture frame 2)',
      'changed: PUBACK id 3 reason 0x00 Success → 0x87 Not authorized (capture frame 5)',
      'missing: PUBACK id 4 (capture frame 7) was not sent now',
      "extra: PUBLISH 'x/y' QoS 0 sent now, not in the capture",
    ]);
  });

  it('names a 3.1.1 return code in a CONNACK to an MQTT 5 CONNECT (a broker without MQTT 5) and codes invalid for the packet', () => {
    const d = compareAnswers(
      [A({ type: 2, version: 5, frame: 6, reasonCodes: [0], sessionPresent: false }), A({ type: 9, version: 5, frame: 8, packetId: 2, reasonCodes: [1] })],
      [A({ type: 2, version: 5, reasonCodes: [1], sessionPresent: false }), A({ type: 9, version: 5, packetId: 2, reasonCodes: [0x10] })],
    ).map((x) => x.text);
    expect(d).toEqual([
      'CONNACK 0x00 Success in the capture, 0x01 (not an MQTT 5 reason code; as MQTT 3.1.1: Connection Refused, unacceptable protocol version, so the broker does not speak MQTT 5) now (capture frame 6)',
      'SUBACK id 2 granted [0x01 Granted QoS 1] → [0x10 (not a valid SUBACK code in MQTT 5.0)] (capture frame 8)',
    ]);
  });

  it('treats an absent PUBACK reason code as 0x00 and pairs by packet id regardless of order', () => {
    const captured = [A({ packetId: 1 }), A({ packetId: 2 })];
    const now = [A({ packetId: 2, reasonCodes: [0] }), A({ packetId: 1 })];
    expect(compareAnswers(captured, now)).toEqual([]);
  });
});

describe('replay end to end (bundled broker)', () => {
  let broker: Peer;
  let port: number;
  beforeAll(async () => {
    broker = await startBundledBroker();
    port = broker.port;
  });
  afterAll(async () => { await broker?.stop(); });

  it('a capture the proxy recorded in front of the bundled broker replays with the same answers', async () => {
    const r = await runAsync(['replay', resolve(ROOT, 'captures/bundled-broker-proxy.pcap'), '--to', `127.0.0.1:${port}`, '--speed', 'max', '--suffix-client-ids=-r1']);
    expect(r.stdout).toMatch(/the broker answered exactly as in the capture/);
    expect(r.stdout).not.toMatch(/DIFFERENT/);
    expect(r.code).toBe(0);
  });

  it('original timing (scaled) also reproduces the mosquitto QoS capture', async () => {
    const r = await runAsync(['replay', resolve(ROOT, 'captures/qos-levels.pcapng'), '--to', `127.0.0.1:${port}`, '--speed', '4', '--suffix-client-ids']);
    expect(r.stdout).toMatch(/4 connection\(s\) replayed/);
    expect(r.code).toBe(0);
  });

  it('reports how answers differ when the broker does not enforce the captured password file', async () => {
    const r = await runAsync(['replay', resolve(ROOT, 'captures/acl.pcap'), '--to', `127.0.0.1:${port}`, '--speed', 'max', '--suffix-client-ids=-r2']);
    expect(r.code).toBe(1);
    // The wrong password was refused by mosquitto (CONNACK 5); the anonymous bundled broker accepts it.
    expect(r.stdout).toMatch(/client 'p-badpw' \(sent as 'p-badpw-r2'\): DIFFERENT/);
    expect(r.stdout).toMatch(/CONNACK 0x05 Connection Refused, not authorized in the capture, 0x00 Connection Accepted now/);
    // mosquitto dropped user1's write to panama/colon/user1 silently; here the admin watcher receives it.
    expect(r.stdout).toMatch(/\+ extra: PUBLISH 'panama\/colon\/user1'/);
  });
});

describe('replay usage', () => {
  it('needs --to', () => {
    const r = mqttscope(['replay', resolve(ROOT, 'captures/will.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to \[HOST:\]PORT is required/);
  });
  it('refuses an empty --suffix-client-ids=, which would replay under the captured client ids', () => {
    const r = mqttscope(['replay', resolve(ROOT, 'captures/will.pcap'), '--to', '1', '--suffix-client-ids=']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--suffix-client-ids=: the suffix is empty/);
  });
  it('rejects a bad --speed', () => {
    const r = mqttscope(['replay', 'x.pcap', '--to', '127.0.0.1:1', '--speed', 'fast']);
    expect(r.code).toBe(2);
  });
});
