// Replay at --speed max waits for each answer the capture shows before the next packet.
// When a broker writes two packets back to back on one connection (two deliveries to a
// subscriber) with Nagle's algorithm on, the second waits for the TCP ACK of the first,
// which the replaying side delays (about 40 ms on Linux): 100 such pairs took about
// 4.8 s against the bundled broker before it set TCP_NODELAY, and take as long against
// mosquitto 2.0.11 with its default set_tcp_nodelay false; about 0.45 s against the
// bundled broker now and mosquitto with set_tcp_nodelay true (300 ms of quiet at the end
// included). The bundled broker is timed against that mosquitto, with a wide margin.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, conversation, pcapFile } from '../capture/builders.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { startBundledBroker, type Peer } from './helpers.js';

/** mosquitto with set_tcp_nodelay true (docs/replay.md advises it for replays). */
async function startNoDelayMosquitto(dir: string): Promise<Peer> {
  const bin = requireBinary('mosquitto');
  const port = await freePort();
  const conf = join(dir, 'nodelay.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'set_tcp_nodelay true', ''].join('\n'), { mode: 0o644 });
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port, log: () => '',
    stop: () => new Promise((r) => { if (child.exitCode !== null) { r(); return; } child.once('exit', () => r()); child.kill('SIGTERM'); }),
  };
}

/** 100 pairs of QoS 1 PUBLISHes. */
const N = 200;
const T0 = 1_700_000_000_000_000;

type Chunk = { dir: 'c2s' | 's2c'; bytes: Buffer };
const connect = (clientId: string): Buffer => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId });
const publish = (k: number): Buffer => mqttPacket.generate({ cmd: 'publish', topic: 'q1/t', payload: Buffer.from(`m${k}`), qos: 1, messageId: k, retain: false, dup: false });
const puback = (k: number): Buffer => Buffer.from([
  0x40, // PUBACK
  0x02, // Remaining Length
  k >> 8, k & 0xff, // Packet Identifier
]);
const DISCONNECT = Buffer.from([
  0xe0, // DISCONNECT
  0x00, // Remaining Length
]);

/**
 * A subscriber (QoS 1) and a publisher that sends two PUBLISHes at a time: the broker
 * delivers both to the subscriber back to back, then the subscriber acks both.
 */
function pairsCapture(): Buffer {
  const pub: Chunk[] = [{ dir: 'c2s', bytes: connect('q1pub') }, { dir: 's2c', bytes: CONNACK }];
  const sub: Chunk[] = [
    { dir: 'c2s', bytes: connect('q1sub') },
    { dir: 's2c', bytes: CONNACK },
    { dir: 'c2s', bytes: mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q1/t', qos: 1 }] }) },
    { dir: 's2c', bytes: Buffer.from([
      0x90, // SUBACK
      0x03, // Remaining Length
      0x00, 0x01, // Packet Identifier 1
      0x01, // Return Code: granted QoS 1
    ]) },
  ];
  // Frame times: the handshake and setup first (subscriber, then publisher), then each pair 10 ms apart.
  const pubTimes = [10, 11, 12, 13, 14].map((ms) => T0 + ms * 1000);
  const subTimes = [0, 1, 2, 3, 4, 5, 6].map((ms) => T0 + ms * 1000);
  for (let i = 1; i <= N; i += 2) {
    const at = T0 + 20_000 + i * 10_000;
    pub.push({ dir: 'c2s', bytes: publish(i) }, { dir: 'c2s', bytes: publish(i + 1) }, { dir: 's2c', bytes: puback(i) }, { dir: 's2c', bytes: puback(i + 1) });
    pubTimes.push(at, at + 100, at + 200, at + 300);
    sub.push({ dir: 's2c', bytes: publish(i) }, { dir: 's2c', bytes: publish(i + 1) }, { dir: 'c2s', bytes: puback(i) }, { dir: 'c2s', bytes: puback(i + 1) });
    subTimes.push(at + 400, at + 500, at + 600, at + 700);
  }
  pub.push({ dir: 'c2s', bytes: DISCONNECT });
  sub.push({ dir: 'c2s', bytes: DISCONNECT });
  const end = T0 + 20_000 + (N + 2) * 10_000;
  const p = conversation(pub, { client: { host: '10.0.0.1', port: 50002 } });
  const s = conversation(sub, { client: { host: '10.0.0.1', port: 50001 } });
  p.forEach((r, j) => { r.timeUs = pubTimes[j] ?? end + j; });
  s.forEach((r, j) => { r.timeUs = subTimes[j] ?? end + 1000 + j; });
  return pcapFile([...p, ...s].sort((a, b) => a.timeUs - b.timeUs));
}

describe('replay at --speed max when the broker delivers two messages back to back', () => {
  let dir: string;
  let file: string;
  let bundled: Peer;
  let mosq: Peer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-ack-latency-'));
    file = join(dir, 'pairs.pcap');
    await writeFile(file, pairsCapture());
    bundled = await startBundledBroker();
    mosq = await startNoDelayMosquitto(dir);
  });
  afterAll(async () => {
    await bundled?.stop();
    await mosq?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const timed = async (port: number): Promise<number> => {
    const t = performance.now();
    const res = await replay(openCapture(file), { host: '127.0.0.1', port, speed: 'max' });
    expect(res.identical).toBe(true);
    return performance.now() - t;
  };

  it('the bundled broker (mqttscope broker) is about as fast as mosquitto with set_tcp_nodelay true', async () => {
    const reference = await timed(mosq.port);
    const ours = await timed(bundled.port);
    // Same order: about 1.1 times; with Nagle about 11 times (40 ms per pair).
    expect(ours / reference).toBeLessThan(4);
  }, 30_000);
});
