// Replayed clients acknowledge the broker's deliveries with the packet ids the
// live broker chose [MQTT-2.2.1-3], not the ones in the capture, and wait for
// the delivery before acknowledging it (a late one is reported).
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';
import { runCli, startBundledBroker, startRecordingProxy, startVerboseMosquitto, type Peer, type SeenPacket } from './helpers.js';

/** Client acks on one connection whose ids the broker never used for a delivery (or PUBREL) before them. */
function strayAcks(seen: SeenPacket[], conn: number): SeenPacket[] {
  const delivered = new Set<number>();
  const released = new Set<number>();
  const stray: SeenPacket[] = [];
  for (const p of seen.filter((x) => x.conn === conn)) {
    if (p.dir === 's2c' && p.cmd === 'publish' && p.messageId !== undefined) delivered.add(p.messageId);
    if (p.dir === 's2c' && p.cmd === 'pubrel') released.add(p.messageId!);
    if (p.dir === 'c2s' && (p.cmd === 'puback' || p.cmd === 'pubrec') && !delivered.has(p.messageId!)) stray.push(p);
    if (p.dir === 'c2s' && p.cmd === 'pubcomp' && !released.has(p.messageId!)) stray.push(p);
  }
  return stray;
}

describe('replay acks deliveries with the live packet ids (bundled broker, through a recording proxy)', () => {
  let broker: Peer;
  beforeAll(async () => { broker = await startBundledBroker(); });
  afterAll(async () => { await broker?.stop(); });

  it('the subscriber of qos-levels.pcapng acks the ids aedes picked, and the answers match', async () => {
    // aedes starts each client's ids at a random number; the capture (mosquitto) has 1 and 2.
    const proxy = await startRecordingProxy(broker.port);
    try {
      const r = await runCli(['replay', resolve(ROOT, 'captures/qos-levels.pcapng'), '--to', `127.0.0.1:${proxy.port}`, '--speed', 'max', '--suffix-client-ids=-ids']);
      expect(r.stdout).toMatch(/4 connection\(s\) replayed .*: the broker answered exactly as in the capture/);
      expect(r.code).toBe(0);
      const sub = proxy.seen.find((p) => p.cmd === 'connect' && p.clientId === 'sub-qos-ids')!.conn;
      const acks = proxy.seen.filter((p) => p.conn === sub && p.dir === 'c2s' && /^pub(ack|rec|comp)$/.test(p.cmd)).map((p) => p.cmd);
      expect(acks).toEqual(['puback', 'pubrec', 'pubcomp']);
      expect(strayAcks(proxy.seen, sub)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('replay acks deliveries with the live packet ids (mosquitto)', () => {
  let mosq: Peer;
  beforeAll(async () => { mosq = await startVerboseMosquitto(); });
  afterAll(async () => { await mosq?.stop(); });

  it('the aedes capture replayed against mosquitto: no ack for an unknown id, and the late QoS 2 delivery is reported', async () => {
    // Recorded when the bundled broker still routed QoS 2 on receipt (test/fixtures/replay/README.md).
    const r = await runCli(['replay', resolve(ROOT, 'test/fixtures/replay/aedes-qos2-on-receipt.pcap'), '--to', `127.0.0.1:${mosq.port}`, '--speed', 'max', '--timeout', '800']);
    const log = mosq.log();
    expect(log).not.toMatch(/unknown packet identifier/);
    // Every ack from the subscriber names a message id mosquitto used for it.
    const sentIds = new Set([...log.matchAll(/Sending PUBLISH to aedes-sub \(d\d, q[12], r\d, m(\d+),/g)].map((m) => m[1]));
    const ackIds = [...log.matchAll(/Received (PUBACK|PUBREC|PUBCOMP) from aedes-sub \(Mid: (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(ackIds).toHaveLength(4);
    for (const a of ackIds) expect(sentIds.has(a.split(' ')[1]!)).toBe(true);
    // mosquitto delivers a QoS 2 message only after the publisher's PUBREL; aedes (the capture)
    // delivered it at once, so the subscriber's PUBREC had to wait: a reported difference.
    expect(r.stdout).toMatch(/client 'aedes-sub': DIFFERENT \(7 packet\(s\) sent/);
    expect(r.stdout).toMatch(/~ late: PUBREC \(capture frame 44\) answers the broker's delivery of 'aedes\/q2' QoS 2 \(capture frame 43\), which the broker had not sent 800 ms after/);
    expect(r.stdout).not.toMatch(/^  (- missing|\+ extra|- not sent|! )/m);
    expect(r.stdout.match(/same answers/g)).toHaveLength(4);
    expect(r.code).toBe(1);
  });
});

describe('replay of a bundled broker capture against mosquitto', () => {
  // A mosquitto of its own: the capture above leaves a retained message behind.
  let mosq: Peer;
  beforeAll(async () => { mosq = await startVerboseMosquitto(); });
  afterAll(async () => { await mosq?.stop(); });

  it('the bundled broker capture replays against mosquitto with the same answers, as both route QoS 2 at the PUBREL', async () => {
    const r = await runCli(['replay', resolve(ROOT, 'captures/bundled-broker-proxy.pcap'), '--to', `127.0.0.1:${mosq.port}`, '--speed', 'max', '--timeout', '800']);
    expect(mosq.log()).not.toMatch(/unknown packet identifier/);
    expect(r.stdout).toMatch(/the broker answered exactly as in the capture/);
    expect(r.stdout.match(/same answers/g)).toHaveLength(5);
    expect(r.code).toBe(0);
  });
});
