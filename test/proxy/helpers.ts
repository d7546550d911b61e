// Shared pieces of the proxy tests: raw TCP peers, hashing, random chunked writers.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../../src/proxy/index.js';
import type { End, EndEvents } from '../../src/proxy/ends.js';
import { afterEach } from 'vitest';
import WebSocket from 'ws';

export function sha256(chunks: Buffer[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** A deterministic PRNG (mulberry32) so failures can be replayed from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Split `data` into random pieces of 1..maxChunk bytes. */
export function randomChunks(data: Buffer, rnd: () => number, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < data.length;) {
    const n = 1 + Math.floor(rnd() * Math.min(maxChunk, data.length - o));
    out.push(data.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** Write pieces one by one, honouring backpressure and yielding now and then so the pieces reach the wire separately. */
export async function writeChunks(sock: net.Socket, chunks: Buffer[], rnd: () => number): Promise<void> {
  for (const c of chunks) {
    if (sock.destroyed) throw new Error('socket destroyed while writing');
    if (!sock.write(c)) await new Promise<void>((r) => sock.once('drain', () => r()));
    const x = rnd();
    if (x < 0.2) await new Promise<void>((r) => setImmediate(r));
    else if (x < 0.22) await new Promise<void>((r) => setTimeout(r, 1));
  }
}

export function collect(sock: net.Socket): { chunks: Buffer[]; bytes(): number; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve());
    sock.on('error', reject);
  });
  return { chunks, bytes: () => chunks.reduce((n, c) => n + c.length, 0), ended };
}

export interface RawServer {
  port: number;
  server: net.Server;
  /** Sockets accepted so far, in order. */
  accepted: net.Socket[];
  next(): Promise<net.Socket>;
  close(): Promise<void>;
}

/** A plain TCP server that hands each accepted socket to the test (allowHalfOpen). */
export async function rawServer(): Promise<RawServer> {
  const accepted: net.Socket[] = [];
  const waiters: ((s: net.Socket) => void)[] = [];
  let taken = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    accepted.push(s);
    s.on('error', () => { /* asserted by the tests that care */ });
    const w = waiters.shift();
    if (w) { taken++; w(s); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    server,
    accepted,
    next: () => new Promise<net.Socket>((resolve) => {
      if (taken < accepted.length) resolve(accepted[taken++]!);
      else waiters.push(resolve);
    }),
    close: async () => {
      for (const s of accepted) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, allowHalfOpen: true }, () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

export interface TestProxy extends ProxyHandle {
  records: OutputRecord[];
  packets(): PacketRecord[];
  findings(): Finding[];
  logs: string[];
}

/** startProxy on a free loopback port, collecting records and log lines. */
export async function testProxy(upstreamPort: number, extra: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const records: OutputRecord[] = [];
  const logs: string[] = [];
  const p = await startProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstreamPort },
    onRecord: (r) => records.push(r),
    log: (l) => logs.push(l),
    ...extra,
  });
  return Object.assign(p, {
    records,
    logs,
    packets: () => records.filter((r): r is PacketRecord => r.kind === 'packet'),
    findings: () => records.filter((r): r is Finding => r.kind === 'finding'),
  });
}

/**
 * For a test file whose tests each run a proxy in front of a raw broker: start() makes the
 * pair (with `base` options, then the test's); after each test the sockets in `socks`, the
 * proxy and the broker are closed.
 */
export function proxyPerTest(base: Partial<ProxyOptions> = {}): { socks: net.Socket[]; clients: WebSocket[]; start(extra?: Partial<ProxyOptions>): Promise<{ proxy: TestProxy; broker: RawServer }> } {
  let proxy: TestProxy | null = null;
  let broker: RawServer | null = null;
  const socks: net.Socket[] = [];
  const clients: WebSocket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    for (const s of socks.splice(0)) s.destroy();
    await proxy?.close();
    await broker?.close();
    proxy = null;
    broker = null;
  });
  return {
    socks,
    clients,
    async start(extra = {}) {
      broker = await rawServer();
      proxy = await testProxy(broker.port, { ...base, ...extra });
      return { proxy, broker };
    },
  };
}

/** A WebSocket client connected to `port`, offering `protocols` (none when undefined). */
export function openWs(port: number, protocols?: string | string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = protocols === undefined ? new WebSocket(`ws://127.0.0.1:${port}`) : new WebSocket(`ws://127.0.0.1:${port}`, protocols);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** proxyPerTest with a WebSocket listener. */
export function wsProxyPerTest(): ReturnType<typeof proxyPerTest> {
  return proxyPerTest({ wsListen: { host: '127.0.0.1', port: 0 } });
}

export function typeCounts(recs: PacketRecord[]): Record<string, number> {
  const names = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];
  const out: Record<string, number> = {};
  for (const r of recs) {
    const n = names[r.summary.type] ?? String(r.summary.type);
    out[n] = (out[n] ?? 0) + 1;
  }
  return out;
}

export async function waitFor(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { randomBytes };

/** CONNECT, MQTT 3.1.1, clean session, keep-alive 60 s, the given client id (under 128 bytes in all). */
export function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const vh = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]);
  const rest = Buffer.concat([vh, Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, rest.length]), rest]);
}

/** A stand-in for a socket End, for Link tests: counts what is written, records its listeners. */
export class FakeEnd implements End {
  ev: EndEvents | null = null;
  written = 0;
  buffered = 0;
  destroyed = false;
  writable: boolean | undefined = undefined;
  write(chunk: Buffer): boolean { this.written += chunk.length; return true; }
  end(): void {}
  reset(): void { this.destroyed = true; }
  destroy(): void { this.destroyed = true; }
  pause(): void {}
  resume(): void {}
  listen(ev: EndEvents): void { this.ev = ev; }
}
