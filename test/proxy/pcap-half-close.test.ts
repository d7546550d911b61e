// A half-close is written to the --write file when it happens: a client that sends
// its CONNECT and shuts down its sending half, while the broker answers afterwards,
// shows in tshark as CONNECT, client FIN (and its ACK), then the broker's CONNACK,
// then the broker's FIN. Before, the client's FIN was written only at the close,
// after the CONNACK it preceded on the wire.
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { testProxy, waitFor } from './helpers.js';
import { runCmd } from './peers.js';

/** CONNECT, MQTT 3.1.1, clean session, keep alive 60, client id "half". */
const CONNECT = Buffer.from([0x10, 16, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 4, 0x68, 0x61, 0x6c, 0x66]);
/** CONNACK, session present 0, return code 0. */
const CONNACK = Buffer.from([0x20, 2, 0, 0]);

describe('proxy --write and half-close', () => {
  it('writes the client FIN where it happened, before what the broker sent after it', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-half-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'half.pcap');
    // A broker stand-in that answers only once the client has half-closed, then closes.
    const upstream = net.createServer({ allowHalfOpen: true }, (s) => {
      s.resume();
      s.on('end', () => setTimeout(() => s.end(CONNACK), 50));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const pcap = new PcapTap(file);
    const proxy = await testProxy((upstream.address() as net.AddressInfo).port, { taps: [pcap], frameSource: () => pcap.frames });
    try {
      const c = net.connect({ host: '127.0.0.1', port: proxy.port });
      await new Promise((r) => c.once('connect', r));
      c.end(CONNECT);
      const got: Buffer[] = [];
      c.on('data', (d) => got.push(d));
      await new Promise((r) => c.once('close', r));
      // The client still got the CONNACK after its own FIN: the proxy passed the half-close on.
      expect(Buffer.concat(got)).toEqual(CONNACK);
      await waitFor(() => proxy.stats().active === 0);
      pcap.flush();
      const r = await runCmd('tshark', ['-n', '-r', file, '-d', `tcp.port==${proxy.port},mqtt`, '-T', 'fields',
        '-e', 'tcp.srcport', '-e', 'tcp.flags.fin', '-e', 'mqtt.msgtype', '-e', 'tcp.analysis.flags'], 60_000);
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
      const side = (port: string): string => (port === String(proxy.port) ? 'broker' : 'client');
      const isFin = (v: string | undefined): boolean => v === '1' || v === 'True';
      expect(rows.map((x) => `${side(x[0]!)} ${isFin(x[1]) ? 'FIN' : x[2] ? `mqtt${x[2]}` : 'ack'}`)).toEqual([
        'client ack', 'broker ack', 'client ack', // handshake (SYN, SYN-ACK, ACK)
        'client mqtt1', // CONNECT
        'client FIN', 'broker ack', // the half-close, acknowledged
        'broker mqtt2', // CONNACK, sent after it
        'broker FIN', 'client ack',
      ]);
      expect(rows.filter((x) => (x[3] ?? '') !== '')).toEqual([]);
      // The live frame numbers still match the file: CONNECT is frame 4, CONNACK frame 7.
      expect(proxy.packets().map((p) => `${p.frame} ${p.summary.type}`)).toEqual(['4 1', '7 2']);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await new Promise((r) => upstream.close(r));
    }
  }, 30_000);
});
