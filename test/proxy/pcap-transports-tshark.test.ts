// What --write records for TLS and WebSocket clients, checked with tshark 4.0 as a
// user would read it: the decrypted MQTT of a TLS client and the MQTT carried by
// WebSocket frames, both as plain TCP conversations to the port the client used;
// a 1 MB PUBLISH over TLS (split into 65,495-byte segments) and a 500 kB one over
// WebSocket reassembled; a client that connects and sends nothing; 40 concurrent
// clients. tshark's expert info holds no warning or error (no lost or unseen
// segment, nothing malformed), the MQTT packets match the proxy's own, and the
// timestamps never go back. The file is also read while it is being written.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/broker.js';
import { nowUs } from '../../src/proxy/clock.js';
import { generateCerts, PcapTap } from '../../src/proxy/index.js';
import { packetTypeName } from '../../src/protocol/packet-types.js';
import { requireBinary } from '../helpers/peers.js';
import { testProxy, typeCounts, waitFor } from './helpers.js';
import { runCmd } from './peers.js';

async function tshark(file: string, args: string[]): Promise<string> {
  requireBinary('tshark');
  const r = await runCmd('tshark', ['-n', '-r', file, ...args], 120_000);
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The expert-info lines of severity warning or error (-z expert,warn lists those only). */
async function expertWarnings(file: string, decodeAs: string[]): Promise<string[]> {
  const out = await tshark(file, [...decodeAs, '-q', '-z', 'expert,warn']);
  return out.split('\n').filter((l) => /^\s+\d+\s+\S+\s+\S+\s+/.test(l));
}

describe('proxy --write with TLS and WebSocket clients, read by tshark', () => {
  it('records the MQTT of every transport as TCP that tshark decodes without a warning, also mid-run', async () => {
    requireBinary('tshark');
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-pcapx-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'x.pcap');
    const certs = await generateCerts(dir);
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const pcap = new PcapTap(file, { flushIntervalMs: 200 });
    const proxy = await testProxy(broker.port, {
      taps: [pcap],
      frameSource: () => pcap.frames,
      tls: { cert: await readFile(certs.cert), key: await readFile(certs.key) },
      wsListen: { host: '127.0.0.1', port: 0 },
    });
    const wsPort = proxy.wsPort!;
    const decodeAs = ['-d', `tcp.port==${proxy.port},mqtt`, '-d', `tcp.port==${wsPort},mqtt`];
    try {
      const ca = await readFile(certs.caCert);
      // A TLS subscriber and a TLS publisher of 1 MB at QoS 1.
      const sub = await mqtt.connectAsync({ host: 'localhost', port: proxy.port, protocol: 'mqtts', ca, clientId: 'x-sub', reconnectPeriod: 0 });
      await sub.subscribeAsync('x/#', { qos: 1 });
      let got = 0;
      sub.on('message', () => { got++; });
      const big = await mqtt.connectAsync({ host: 'localhost', port: proxy.port, protocol: 'mqtts', ca, clientId: 'x-big', reconnectPeriod: 0 });
      await big.publishAsync('x/big', Buffer.alloc(1_000_000, 0x31), { qos: 1 });
      // A WebSocket client publishing 500 kB at QoS 2.
      const ws = await mqtt.connectAsync(`ws://127.0.0.1:${wsPort}`, { clientId: 'x-ws', reconnectPeriod: 0 });
      await ws.publishAsync('x/ws', Buffer.alloc(500_000, 0x32), { qos: 2 });
      await waitFor(() => got === 2, 10_000, 'both messages delivered');
      // Read while it is written: what is flushed so far decodes without a warning.
      await new Promise((r) => setTimeout(r, 400));
      expect(await expertWarnings(file, decodeAs)).toEqual([]);
      // A client that connects over TLS and sends nothing, then leaves.
      const silent = await new Promise<import('node:tls').TLSSocket>((resolve, reject) => {
        void import('node:tls').then((tls) => {
          const s = tls.connect({ host: '127.0.0.1', port: proxy.port, servername: 'localhost', ca }, () => resolve(s));
          s.once('error', reject);
        });
      });
      await new Promise((r) => setTimeout(r, 50));
      silent.end();
      // A plain TCP connection to the WebSocket port that never upgrades: not MQTT, not recorded.
      const idle = net.connect(wsPort, '127.0.0.1');
      await new Promise((r) => idle.once('connect', r));
      idle.destroy();
      // 40 concurrent WebSocket and TLS clients, each a QoS 2 PUBLISH.
      const many = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0
        ? mqtt.connectAsync(`ws://127.0.0.1:${wsPort}`, { clientId: `x-m${i}`, reconnectPeriod: 0 })
        : mqtt.connectAsync({ host: 'localhost', port: proxy.port, protocol: 'mqtts', ca, clientId: `x-m${i}`, reconnectPeriod: 0 }))));
      await Promise.all(many.map((m, i) => m.publishAsync(`y/${i}`, Buffer.alloc(i * 50, 0x33), { qos: 2 })));
      await Promise.all([...many, big, ws, sub].map((m) => m.endAsync()));
      await waitFor(() => proxy.stats().active === 0, 10_000, 'all connections closed');
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await broker.close();
    }

    expect(await expertWarnings(file, decodeAs)).toEqual([]);
    const rows = (await tshark(file, [...decodeAs, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'tcp.dstport', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack', '-e', 'mqtt.msgtype', '-e', 'mqtt.len']))
      .split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    // Timestamps never go back.
    const times = rows.map((r) => Number(r[0]));
    expect(times.filter((t, i) => i > 0 && t < times[i - 1]!)).toEqual([]);
    // Conversations (SYN without ACK): 2 + 1 + 40 + the silent one to the TLS port; 1 + 20 to the WebSocket port.
    const syns = rows.filter((r) => (r[2] === '1' || r[2] === 'True') && (r[3] === '0' || r[3] === 'False')).map((r) => Number(r[1]));
    expect(syns.filter((p) => p === proxy.port)).toHaveLength(23);
    expect(syns.filter((p) => p === wsPort)).toHaveLength(21);
    // The big PUBLISHes reassembled, each to and from the broker: topic length, topic, packet id, payload (2 + 5 + 2 + 1,000,000 and 2 + 4 + 2 + 500,000).
    const lens = rows.flatMap((r) => (r[5] ?? '').split(',')).filter(Boolean).map(Number);
    expect(lens.filter((l) => l > 100_000).sort((a, b) => a - b)).toEqual([500_008, 500_008, 1_000_009, 1_000_009]);
    // The same MQTT packets as the proxy decoded, type by type.
    const counts: Record<string, number> = {};
    for (const r of rows) for (const t of (r[4] ?? '').split(',').filter(Boolean)) counts[packetTypeName(Number(t))] = (counts[packetTypeName(Number(t))] ?? 0) + 1;
    expect(counts).toEqual(typeCounts(proxy.packets()));
    expect(counts['CONNECT']).toBe(43);
  }, 120_000);
});
