// With --write, the frame number a live record shows is the frame Wireshark gives
// the same packet in the written file, also when the proxy read a chunk bigger than
// one TCP segment (the writer splits it, and tshark numbers a packet by the segment
// it ends in). Checked with tshark 4.0 packet by packet.
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { connectPacket, testProxy, waitFor } from './helpers.js';
import { runCmd } from './peers.js';


/** PUBLISH QoS 0 on `topic` with a payload of `n` bytes (Remaining Length in 1 to 3 bytes). */
function publish(topic: string, n: number): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([0, t.length]), t, Buffer.alloc(n, 0x41)]);
  const rl: number[] = [];
  let v = body.length;
  do { let d = v & 0x7f; v >>= 7; if (v > 0) d |= 0x80; rl.push(d); } while (v > 0);
  return Buffer.concat([Buffer.from([0x30, ...rl]), body]);
}

describe('live frame numbers with --write', () => {
  it('equal the frame tshark gives each MQTT packet, across chunks split into several segments', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-frames-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'frames.pcap');
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const pcap = new PcapTap(file);
    const proxy = await testProxy(broker.port, { taps: [pcap], frameSource: () => pcap.frames });
    try {
      const s = await new Promise<net.Socket>((resolve, reject) => {
        const c = net.connect({ host: '127.0.0.1', port: proxy.port }, () => resolve(c));
        c.once('error', reject);
      });
      s.write(connectPacket('frames'));
      await new Promise((r) => s.once('data', r));
      // 3000 small PUBLISHes of 50 bytes, one of 200 kB in the middle, and a DISCONNECT
      // in one write: the proxy reads chunks of up to 64 KiB, each written as two or more segments.
      const many = Array.from({ length: 3000 }, (_, i) => (i === 1500 ? publish('big', 200_000) : publish('f/x', 43)));
      s.end(Buffer.concat([...many, Buffer.from([0xe0, 0])]));
      await new Promise((r) => s.once('close', r));
      await waitFor(() => proxy.stats().active === 0);
      await waitFor(() => proxy.packets().length >= 3003, 20_000, 'all packets decoded');
      pcap.flush();
      const r = await runCmd('tshark', ['-n', '-r', file, '-d', `tcp.port==${proxy.port},mqtt`, '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype'], 60_000);
      expect(r.code, r.stderr).toBe(0);
      const theirs: string[] = [];
      for (const line of r.stdout.split('\n')) {
        const [frame, types] = line.split('\t');
        for (const t of (types ?? '').split(',').filter(Boolean)) theirs.push(`${frame} ${t}`);
      }
      const ours = proxy.packets().map((p) => `${p.frame} ${p.summary.type}`);
      expect(ours.length).toBe(3003);
      // Wireshark lists a frame's packets in order; ours come per connection and direction in order too.
      expect([...ours].sort()).toEqual([...theirs].sort());
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await broker.close();
    }
  }, 60_000);
});
