// The proxy's pcap (--write) decoded by real tshark, packet counts equal to
// the proxy's own; TLS termination with mosquitto_pub --cafile.
import { mkdtemp, readFile, stat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/broker.js';
import { nowUs } from '../../src/proxy/clock.js';
import { generateCerts, PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { randomBytes, testProxy, typeCounts, waitFor } from './helpers.js';
import { background, pub, runCmd, sub } from './peers.js';

const NAMES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** mqtt.msgtype of every MQTT message tshark finds, as type names. */
async function tsharkTypes(file: string, port: number): Promise<string[]> {
  requireBinary('tshark');
  const r = await runCmd('tshark', ['-n', '-r', file, '-d', `tcp.port==${port},mqtt`, '-T', 'fields', '-e', 'mqtt.msgtype'], 60_000);
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').flatMap((l) => l.split(',')).map((s) => s.trim()).filter(Boolean).map((n) => NAMES[Number(n)] ?? n);
}

function countNames(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

describe('proxy pcap output', () => {
  it('writes a pcap that tshark decodes into the same MQTT packets, readable while it is written', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-pcap-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'live.pcap');
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const pcap = new PcapTap(file);
    const proxy = await testProxy(broker.port, { taps: [pcap] });
    try {
      const s = sub(proxy.port, ['-i', 'cap-sub', '-q', '2', '-t', 'cap/#', '-C', '4']);
      await waitFor(() => proxy.packets().some((p) => p.clientId === 'cap-sub' && p.summary.type === 9));
      for (const q of [0, 1, 2]) await pub(proxy.port, ['-i', `cap-pub${q}`, '-q', String(q), '-t', `cap/q${q}`, '-m', 'Turn On']);
      // A big message: spans several TCP segments in the capture.
      const js = await mqtt.connectAsync(`mqtt://127.0.0.1:${proxy.port}`, { clientId: 'cap-js', reconnectPeriod: 0 });
      await js.publishAsync('cap/big', randomBytes(300_000), { qos: 1 });
      await (await s.exited);
      // Flushed within about a second: tshark reads the growing file.
      await new Promise((r) => setTimeout(r, 1300));
      const partial = await tsharkTypes(file, proxy.port);
      expect(partial.length).toBeGreaterThan(10);
      await js.endAsync();
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await broker.close();
    }
    expect((await stat(file)).size).toBeGreaterThan(300_000);
    const names = await tsharkTypes(file, proxy.port);
    const ours = proxy.packets();
    expect(names.length).toBe(ours.length);
    expect(countNames(names)).toEqual(typeCounts(ours));
    expect(typeCounts(ours)).toMatchObject({ CONNECT: 5, SUBSCRIBE: 1, DISCONNECT: 5 });
  });
});

describe('proxy TLS termination', () => {
  it('mosquitto_pub and mosquitto_sub with --cafile talk to the broker through the TLS listener', async () => {
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-tls-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const c = await generateCerts(dir);
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const proxy = await testProxy(broker.port, { tls: { cert: await readFile(c.cert), key: await readFile(c.key) } });
    try {
      const tlsArgs = ['-h', 'localhost', '-p', String(proxy.port), '--cafile', c.caCert];
      const s = background('mosquitto_sub', [...tlsArgs, '-i', 'tls-sub', '-t', 'Room1/#', '-v', '-C', '1']);
      await waitFor(() => proxy.packets().some((p) => p.clientId === 'tls-sub' && p.summary.type === 9), 10_000, 'SUBACK over TLS');
      const p = await runCmd('mosquitto_pub', [...tlsArgs, '-i', 'tls-pub', '-t', 'Room1/Light', '-m', 'Turn On']);
      expect(p.code, p.stderr).toBe(0);
      expect((await s.exited).stdout.trim()).toBe('Room1/Light Turn On');
      await waitFor(() => proxy.stats().active === 0);
      const recs = proxy.packets().filter((r) => r.clientId === 'tls-pub');
      expect(recs.map((r) => NAMES[r.summary.type])).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'DISCONNECT']);
      expect(new Set(proxy.packets().map((r) => r.conn.transport))).toEqual(new Set(['tls']));
      // A client that does not trust the certificate fails its handshake; the proxy logs it.
      const bad = await runCmd('mosquitto_pub', ['-h', 'localhost', '-p', String(proxy.port), '--cafile', '/etc/ssl/certs/ca-certificates.crt', '-t', 'x', '-m', 'y']);
      expect(bad.code).not.toBe(0);
      await waitFor(() => proxy.logs.some((l) => /^TLS handshake with 127\.0\.0\.1:\d+ failed/.test(l)));
    } finally {
      await proxy.close();
      await broker.close();
    }
  });
});
