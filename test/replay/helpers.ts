// Peers for replay tests: the CLI as a child process, a mosquitto that logs
// every packet, and a recording TCP proxy that decodes both directions with
// mqtt-packet (an oracle independent of mqttscope's own decoder).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { expect } from 'vitest';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket } from '../capture/builders.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { ROOT } from '../read/run.js';

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(args: string[]): Promise<CliResult> {
  return new Promise((res) => {
    const c = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; });
    c.on('exit', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

function waitPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((res, rej) => {
    let tries = 0;
    const probe = (): void => {
      if (child.exitCode !== null) { rej(new Error(`peer exited: ${log()}`)); return; }
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(); });
      s.once('error', () => { if (++tries > 200) rej(new Error(`nothing listening on ${port}: ${log()}`)); else setTimeout(probe, 50); });
    };
    probe();
  });
}

export interface Peer { port: number; log(): string; stop(): Promise<void> }

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); });
}

/** The bundled broker (`mqttscope broker`), anonymous, on a free port. */
export async function startBundledBroker(): Promise<Peer> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'broker', '--port', String(port), '--allow-anonymous'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => { log += d; });
  await waitPort(port, child, () => log);
  return { port, log: () => log, stop: () => stopChild(child) };
}

/**
 * mosquitto with `log_type all`, so its log shows every packet id it receives.
 * Started as root it runs as user mosquitto: the files are world-readable.
 */
export async function startVerboseMosquitto(): Promise<Peer> {
  const bin = requireBinary('mosquitto');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'replay-mosquitto-'));
  await chmod(dir, 0o755);
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type all', ''].join('\n'));
  await chmod(conf, 0o644);
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => { log += d; });
  child.stderr!.on('data', (d) => { log += d; });
  await waitPort(port, child, () => log);
  return {
    port, log: () => log,
    stop: async () => { await stopChild(child); await rm(dir, { recursive: true, force: true }); },
  };
}

export interface SeenPacket { conn: number; dir: 'c2s' | 's2c'; cmd: string; messageId?: number; clientId?: string }

/** A TCP proxy to `upstreamPort` that records every MQTT 3.1.1 packet in both directions. */
export async function startRecordingProxy(upstreamPort: number): Promise<{ port: number; seen: SeenPacket[]; stop(): Promise<void> }> {
  const seen: SeenPacket[] = [];
  const sockets = new Set<net.Socket>();
  let n = 0;
  const server = net.createServer((down) => {
    const conn = ++n;
    const up = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(down); sockets.add(up);
    const tap = (dir: 'c2s' | 's2c'): mqttPacket.Parser => {
      const p = mqttPacket.parser({ protocolVersion: 4 });
      p.on('packet', (pk) => {
        const rec: SeenPacket = { conn, dir, cmd: pk.cmd };
        if ('messageId' in pk && typeof pk.messageId === 'number') rec.messageId = pk.messageId;
        if (pk.cmd === 'connect') rec.clientId = pk.clientId;
        seen.push(rec);
      });
      p.on('error', () => { /* a malformed packet ends decoding; bytes still pass */ });
      return p;
    };
    const c2s = tap('c2s'), s2c = tap('s2c');
    down.on('data', (d) => { c2s.parse(d); up.write(d); });
    up.on('data', (d) => { s2c.parse(d); down.write(d); });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
    down.on('close', () => sockets.delete(down));
    up.on('close', () => sockets.delete(up));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port, seen,
    stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/**
 * One connection whose script waits behind an ack: the captured broker delivered a QoS 1
 * message (packet id 7) that nobody publishes in the replay, and the client's PUBACK for it
 * is followed by `publishes` QoS 0 PUBLISHes of 300 bytes and a DISCONNECT (40 make about
 * 18 KiB, over a 4 KiB read-ahead cap). Returns the pcap file's bytes.
 */
export function heldBehindAckCapture(clientId: string, publishes: number): Buffer {
  const delivery = Buffer.concat([
    Buffer.from([0x32, 2 + 8 + 2 + 1]), // PUBLISH QoS 1, remaining length
    Buffer.from([0, 8]), Buffer.from('nobody/t'), // topic
    Buffer.from([0, 7]), // packet id 7
    Buffer.from('x'), // payload
  ]);
  const chunks = [
    { dir: 'c2s' as const, bytes: connectPacket(clientId) },
    { dir: 's2c' as const, bytes: CONNACK },
    // The delivery nobody publishes in the replay...
    { dir: 's2c' as const, bytes: delivery },
    // ...and the client's PUBACK: it waits for a delivery that never comes.
    { dir: 'c2s' as const, bytes: Buffer.from([
      0x40, // PUBACK
      0x02, // Remaining Length
      0x00, 0x07, // Packet Identifier 7
    ]) },
  ];
  for (let i = 0; i < publishes; i++) chunks.push({ dir: 'c2s', bytes: publishPacket('held/t', Buffer.alloc(300, i)) });
  chunks.push({ dir: 'c2s', bytes: Buffer.from([
    0xe0, // DISCONNECT
    0x00, // Remaining Length
  ]) });
  return pcapFile(conversation(chunks));
}

/** The one CONNECT in `bytes`, as mqtt-packet parses it; the test fails if it does not parse whole. */
export function parseConnect(bytes: Uint8Array, protocolVersion: number): mqttPacket.IConnectPacket {
  const parser = mqttPacket.parser({ protocolVersion });
  const got: mqttPacket.Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => got.push(p));
  parser.on('error', (e) => errors.push(e));
  parser.parse(Buffer.from(bytes));
  expect(errors).toEqual([]);
  expect(got).toHaveLength(1);
  return got[0] as mqttPacket.IConnectPacket;
}
