// A replay stopped early (Ctrl-C: ReplayOptions.signal), or ending with connections
// the capture left open, sends DISCONNECT on every such connection the broker accepted
// before closing it, so the broker discards the replayed clients' wills [MQTT-3.1.2-10]
// instead of publishing them on the user's broker. MQTT 5: reason 0x00 Normal (0x04
// would publish the will).
// Checked against a real mosquitto with mosquitto_sub on the will topics.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, conversation, pcapFile, publishPacket, type Rec } from '../capture/builders.js';
import { requireBinary } from '../helpers/peers.js';
import { startVerboseMosquitto, type Peer } from './helpers.js';

function connectWithWill(clientId: string, protocolVersion: 4 | 5): Buffer {
  return mqttPacket.generate({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion, clean: true, keepalive: 60, clientId,
    will: { topic: `will/${clientId}`, payload: Buffer.from(`${clientId} died`), qos: 0, retain: false },
  } as mqttPacket.IConnectPacket);
}

/** One client connection: CONNECT with a will, CONNACK, a PUBLISH, and its DISCONNECT a minute later. */
function willConversation(clientId: string, protocolVersion: 4 | 5, clientPort: number, t0: number): Rec[] {
  const connack = protocolVersion === 5
    ? Buffer.from([
      0x20, // CONNACK
      0x03, // Remaining Length
      0x00, // Connect Acknowledge Flags: session present 0
      0x00, // Reason Code 0x00 Success
      0x00, // Property Length 0
    ])
    : Buffer.from([
      0x20, // CONNACK
      0x02, // Remaining Length
      0x00, // Connect Acknowledge Flags: session present 0
      0x00, // Return Code 0 Connection Accepted
    ]);
  const publishV5 = Buffer.concat([
    Buffer.from([0x30]), // PUBLISH, QoS 0
    Buffer.from([2 + 8 + 1 + 1]), // Remaining Length
    Buffer.from([0, 8]), Buffer.from('stop/now'), // Topic Name
    Buffer.from([0]), // Property Length 0
    Buffer.from('x'), // Payload
  ]);
  const recs = conversation([
    { dir: 'c2s', bytes: connectWithWill(clientId, protocolVersion) },
    { dir: 's2c', bytes: connack },
    { dir: 'c2s', bytes: protocolVersion === 5 ? publishV5 : publishPacket('stop/now', Buffer.from('x')) },
    { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
  ], { client: { host: '10.0.0.1', port: clientPort }, t0 });
  const disconnect = recs.findIndex((r) => r.data.subarray(-2).equals(Buffer.from([0xe0, 0x00])));
  for (const r of recs.slice(disconnect)) r.timeUs += 60_000_000;
  return recs;
}

/** mosquitto_sub on will/#, resolved once it is subscribed; `stop` ends it and gives what it printed. */
async function watchWills(mosq: Peer): Promise<{ stop(): Promise<string> }> {
  const bin = requireBinary('mosquitto_sub');
  const child: ChildProcess = spawn(bin, ['-h', '127.0.0.1', '-p', String(mosq.port), '-t', 'will/#', '-v', '-i', 'will-watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += String(d); });
  child.stderr!.on('data', (d: Buffer) => { out += String(d); });
  // Subscribed once mosquitto (log_type all) has sent its SUBACK.
  const until = Date.now() + 5000;
  while (!mosq.log().includes('Sending SUBACK to will-watch')) {
    if (Date.now() > until) throw new Error(`mosquitto_sub did not subscribe: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    stop: () => new Promise((r) => {
      if (child.exitCode !== null) { r(out); return; }
      child.once('exit', () => r(out));
      child.kill('SIGTERM');
    }),
  };
}

describe('replay stopped by its signal sends DISCONNECT', () => {
  let mosq: Peer;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    mosq = await startVerboseMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'replay-stop-disc-'));
    const recs = [...willConversation('will-v4', 4, 50001, 1_700_000_000_000_000), ...willConversation('will-v5', 5, 50002, 1_700_000_000_100_000)];
    recs.sort((a, b) => a.timeUs - b.timeUs);
    file = join(dir, 'wills.pcap');
    await writeFile(file, pcapFile(recs));
  });
  afterAll(async () => {
    await mosq?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('mosquitto publishes neither will (MQTT 3.1.1 and 5)', async () => {
    const watch = await watchWills(mosq);
    const capture = openCapture(file);
    const ac = new AbortController();
    // 4 packets written: both CONNECTs (answered) and both PUBLISHes; the DISCONNECTs are a minute away.
    const res = await replay(capture, { host: '127.0.0.1', port: mosq.port, speed: 1, signal: ac.signal,
      onProgress: (_b, packets) => { if (packets === 4) setTimeout(() => ac.abort(), 50); } });
    expect(res.interrupted).toBe(true);
    expect(res.conns.map((c) => [c.script.clientId, c.sent, c.received])).toEqual([['will-v4', 2, 1], ['will-v5', 2, 1]]);
    // Time for a will to arrive, had it been published.
    await new Promise((r) => setTimeout(r, 500));
    const seen = await watch.stop();
    expect(seen).not.toMatch(/died/);
    // mosquitto saw a DISCONNECT from each (its log names the client).
    expect(mosq.log()).toMatch(/Received DISCONNECT from will-v4/);
    expect(mosq.log()).toMatch(/Received DISCONNECT from will-v5/);
  }, 20_000);

  it('a connection still open at the end of the capture: mosquitto publishes no will', async () => {
    // CONNECT with a will, CONNACK, a PUBLISH, and the capture ends (no DISCONNECT, no FIN).
    const open = conversation([
      { dir: 'c2s', bytes: connectWithWill('will-open', 4) },
      { dir: 's2c', bytes: CONNACK },
      { dir: 'c2s', bytes: publishPacket('still/open', Buffer.from('x')) },
    ], { fin: false });
    const openFile = join(dir, 'open.pcap');
    await writeFile(openFile, pcapFile(open));
    const watch = await watchWills(mosq);
    const res = await replay(openCapture(openFile), { host: '127.0.0.1', port: mosq.port, speed: 'max' });
    expect(res.identical).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await watch.stop()).not.toMatch(/died/);
    expect(mosq.log()).toMatch(/Received DISCONNECT from will-open/);
  }, 20_000);
});
