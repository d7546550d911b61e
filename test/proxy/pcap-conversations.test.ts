// What --write records about each conversation, checked with real tshark: who
// closed first (the client, or the proxy at shutdown), and WebSocket clients
// decoded with the recipe docs/proxy.md gives (both listen ports named).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import mqtt from 'mqtt';
import { startBroker } from '../../src/broker/broker.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { connect, testProxy, typeCounts, waitFor } from './helpers.js';
import { pub, runCmd } from './peers.js';
import { packetTypeName } from '../../src/protocol/packet-types.js';

async function tshark(file: string, args: string[]): Promise<string[][]> {
  requireBinary('tshark');
  const r = await runCmd('tshark', ['-n', '-r', file, ...args], 60_000);
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
}

/** Per TCP stream: the port that sent the first FIN. */
async function firstFinPorts(file: string): Promise<Map<string, number>> {
  const rows = await tshark(file, ['-Y', 'tcp.flags.fin == 1', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport']);
  const out = new Map<string, number>();
  for (const [stream, port] of rows) if (!out.has(stream!)) out.set(stream!, Number(port));
  return out;
}


describe('proxy pcap: conversations', () => {
  it('a client that disconnects sends the first FIN; at proxy shutdown the server side (the proxy) does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-fin-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'fin.pcap');
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const pcap = new PcapTap(file);
    const proxy = await testProxy(broker.port, { taps: [pcap] });
    try {
      await pub(proxy.port, ['-i', 'leaves', '-t', 'Room1/Light', '-m', 'Turn On']);
      await waitFor(() => proxy.stats().active === 0);
      // A client still connected when the proxy shuts down.
      const staying = await connect(proxy.port);
      staying.on('error', () => {});
      await waitFor(() => proxy.stats().active === 1);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await broker.close();
    }
    const fins = await firstFinPorts(file);
    expect(fins.size).toBe(2);
    const [first, second] = [...fins.values()];
    expect(first).not.toBe(proxy.port); // mosquitto_pub closed its own connection
    expect(second).toBe(proxy.port); // the proxy closed the one left open
    // Both conversations end cleanly: FIN, FIN, ACK, no RST.
    const rst = await tshark(file, ['-Y', 'tcp.flags.reset == 1']);
    expect(rst).toEqual([]);
  });

  it('WebSocket clients: the documented tshark recipe (both ports) decodes every MQTT packet', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-wspcap-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'ws.pcap');
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const pcap = new PcapTap(file);
    const proxy = await testProxy(broker.port, { taps: [pcap], wsListen: { host: '127.0.0.1', port: 0 } });
    try {
      const s = await mqtt.connectAsync(`ws://127.0.0.1:${proxy.wsPort}`, { clientId: 'ws-sub', reconnectPeriod: 0 });
      await s.subscribeAsync('Room1/#', { qos: 1 });
      const p = await mqtt.connectAsync(`ws://127.0.0.1:${proxy.wsPort}`, { clientId: 'ws-pub', reconnectPeriod: 0 });
      const got = new Promise<void>((r) => s.on('message', () => r()));
      await p.publishAsync('Room1/Light', 'Turn On', { qos: 1 });
      await got;
      await pub(proxy.port, ['-i', 'tcp-pub', '-q', '2', '-t', 'Room1/Light', '-m', 'Turn On']);
      await p.endAsync();
      await s.endAsync();
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await broker.close();
    }
    const ours = proxy.packets();
    expect(new Set(ours.map((r) => r.conn.transport))).toEqual(new Set(['ws', 'tcp']));
    // docs/proxy.md: name the --listen port and the --ws-listen port.
    const rows = await tshark(file, ['-d', `tcp.port==${proxy.port},mqtt`, '-d', `tcp.port==${proxy.wsPort},mqtt`, '-T', 'fields', '-e', 'tcp.dstport', '-e', 'tcp.srcport', '-e', 'mqtt.msgtype']);
    const names: string[] = [];
    let wsPackets = 0;
    for (const [dst, src, types] of rows) {
      const list = (types ?? '').split(',').filter(Boolean).map((n) => packetTypeName(Number(n)));
      names.push(...list);
      if (Number(dst) === proxy.wsPort || Number(src) === proxy.wsPort) wsPackets += list.length;
    }
    const counts: Record<string, number> = {};
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
    expect(counts).toEqual(typeCounts(ours));
    expect(wsPackets).toBe(ours.filter((r) => r.conn.transport === 'ws').length);
    expect(wsPackets).toBeGreaterThan(0);
    // Naming the --listen port alone would miss them (why the docs give both).
    const only = await tshark(file, ['-d', `tcp.port==${proxy.port},mqtt`, '-Y', 'mqtt', '-T', 'fields', '-e', 'tcp.srcport']);
    expect(only.length).toBeLessThan(rows.filter((r) => (r[2] ?? '') !== '').length);
  });
});
