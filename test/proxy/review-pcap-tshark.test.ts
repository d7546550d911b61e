// The --write file of a busy IPv6 session, checked with tshark 4.0 as a user would:
// every MQTT packet the proxy decoded is there (a 300 kB PUBLISH reassembled from
// several segments, a pipelined burst), all frames are IPv6 as the client was, a
// client reset is an RST from the client port, and tshark's TCP analysis flags
// nothing (no retransmission, lost segment or ACKed unseen segment).
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/broker.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { packetTypeName } from '../../src/protocol/packet-types.js';
import { requireBinary } from '../helpers/peers.js';
import { connectPacket, testProxy, typeCounts, waitFor } from './helpers.js';
import { runCmd } from './peers.js';

async function tshark(file: string, args: string[]): Promise<string[][]> {
  requireBinary('tshark');
  const r = await runCmd('tshark', ['-n', '-r', file, ...args], 60_000);
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}


/** PUBLISH QoS 0 on `topic` with `n` payload bytes (n + topic < 126: one length byte). */
function smallPublish(topic: string, n: number): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([0, t.length]), t, Buffer.alloc(n, 0x41)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function rawClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '::1', port }, () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

describe('proxy --write, read by tshark', () => {
  it('an IPv6 session with a 300 kB PUBLISH, a pipelined burst and a reset: all packets, no TCP analysis flags', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-pcap6-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'v6.pcap');
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const pcap = new PcapTap(file);
    const proxy = await testProxy(broker.port, { taps: [pcap], listen: { host: '::1', port: 0 } });
    try {
      const sub = await mqtt.connectAsync({ host: '::1', port: proxy.port, protocol: 'mqtt', clientId: 'v6-sub', reconnectPeriod: 0 });
      await sub.subscribeAsync('big/#', { qos: 1 });
      const got = new Promise<void>((r) => sub.on('message', () => r()));
      const pubc = await mqtt.connectAsync({ host: '::1', port: proxy.port, protocol: 'mqtt', clientId: 'v6-pub', reconnectPeriod: 0 });
      await pubc.publishAsync('big/one', Buffer.alloc(300_000, 0x5a), { qos: 1 });
      await got;
      await pubc.endAsync();
      await sub.endAsync();
      // 2000 small PUBLISHes and a DISCONNECT in one write: 65 kB reads, split into segments.
      const burst = await rawClient(proxy.port);
      burst.write(connectPacket('v6-burst'));
      await new Promise((r) => burst.once('data', r));
      burst.end(Buffer.concat([...Array.from({ length: 2000 }, () => smallPublish('b/x', 40)), Buffer.from([0xe0, 0])]));
      await new Promise((r) => burst.once('close', r));
      // A client that resets its connection after CONNECT.
      const rst = await rawClient(proxy.port);
      rst.on('error', () => {});
      rst.write(connectPacket('v6-reset'));
      await new Promise((r) => rst.once('data', r));
      const rstPort = rst.localPort!;
      rst.resetAndDestroy();
      await waitFor(() => proxy.stats().active === 0);
      await waitFor(() => proxy.packets().length >= 2000 + 11);
      pcap.flush();

      const rows = await tshark(file, ['-d', `tcp.port==${proxy.port},mqtt`, '-T', 'fields', '-e', 'frame.number', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'tcp.flags.reset', '-e', 'mqtt.msgtype', '-e', 'tcp.analysis.flags', '-e', 'mqtt.len']);
      // Every frame is IPv6 (ipv6.src set), as the client connected over ::1.
      expect(rows.filter((r) => r[1] !== '::1')).toEqual([]);
      // tshark's TCP analysis flags nothing in our own output.
      expect(rows.filter((r) => (r[5] ?? '') !== '').map((r) => r[0])).toEqual([]);
      // The only RST comes from the client that reset.
      expect(rows.filter((r) => r[3] === '1' || r[3] === 'True').map((r) => Number(r[2]))).toEqual([rstPort]);
      // The big PUBLISH is reassembled: its Remaining Length is 2 + 7 + 2 + 300000 (topic, packet id, payload), to and from the broker.
      const lens = rows.flatMap((r) => (r[6] ?? '').split(',')).filter(Boolean).map(Number);
      expect(lens.filter((l) => l === 300_011)).toHaveLength(2);
      // The same MQTT packets as the proxy decoded, type by type.
      const counts: Record<string, number> = {};
      for (const r of rows) for (const t of (r[4] ?? '').split(',').filter(Boolean)) counts[packetTypeName(Number(t))] = (counts[packetTypeName(Number(t))] ?? 0) + 1;
      expect(counts).toEqual(typeCounts(proxy.packets()));
      expect(counts['PUBLISH']).toBe(2002);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await broker.close();
    }
  });

  it('PcapTap.end writes a half-close at once and counts its frames; the close adds only the FIN left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-pcaphalf-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'half.pcap');
    const tap = new PcapTap(file);
    const meta = { id: 'c1', client: { host: '127.0.0.1', port: 50300 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' } as unknown as Parameters<PcapTap['open']>[0];
    let t = nowUs();
    tap.open(meta, t);
    tap.data('c1', 'c2s', connectPacket('half'), (t += 10));
    tap.end('c1', 'c2s', (t += 10));
    expect(tap.frames).toBe(6); // 3 handshake, CONNECT, the client FIN, the broker ACK of it
    tap.data('c1', 's2c', Buffer.from([0x20, 2, 0, 0]), (t += 10));
    tap.close('c1', (t += 10), 'fin', 's2c');
    expect(tap.frames).toBe(9); // CONNACK, the broker FIN, the last ACK
    tap.finish(t);
    const rows = await tshark(file, ['-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.flags.fin', '-e', 'mqtt.msgtype', '-e', 'tcp.analysis.flags']);
    expect(rows.map((r) => `${r[0]} ${r[1] === '1' || r[1] === 'True' ? 'FIN' : ''}${r[2] ?? ''}`)).toEqual([
      '50300 ', '1883 ', '50300 ', '50300 1', '50300 FIN', '1883 ', '1883 2', '1883 FIN', '50300 ',
    ]);
    expect(rows.filter((r) => (r[3] ?? '') !== '')).toEqual([]);
  });
});

