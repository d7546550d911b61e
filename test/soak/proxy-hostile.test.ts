// Hostile clients through a real proxy (sockets, no broker: a raw TCP server
// that reads and hashes everything): forwarding stays byte-exact, what the
// proxy holds per connection stays capped, and decoding goes on for the other
// connections and the next ones.
import { createHash, randomBytes } from 'node:crypto';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Analyzer } from '../../src/analysis/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { collect, connect, rawServer, type RawServer, sha256, testProxy, type TestProxy, waitFor } from '../proxy/helpers.js';
import { connack, connect as connectPacket, MiB, PINGREQ, publish, retainedBuffers } from './wire.js';

/** Hashes everything a socket receives, without keeping it. */
function hashing(sock: net.Socket): { bytes: () => number; digest: () => string; ended: Promise<void> } {
  const h = createHash('sha256');
  let n = 0;
  const ended = new Promise<void>((resolve, reject) => {
    sock.on('data', (c: Buffer) => { h.update(c); n += c.length; });
    sock.on('end', () => { sock.end(); resolve(); });
    sock.on('error', reject);
  });
  let d: string | null = null;
  return { bytes: () => n, digest: () => (d ??= h.digest('hex')), ended };
}

async function write(sock: net.Socket, b: Uint8Array): Promise<void> {
  if (!sock.write(b)) await new Promise<void>((r) => sock.once('drain', () => r()));
}

let server: RawServer | null = null;
let proxy: TestProxy | null = null;
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  proxy = null;
  server = null;
});

describe('hostile clients through the proxy', () => {
  it('100 MiB of garbage: forwarded byte for byte, findings bounded, and decoding goes on for other connections', async () => {
    server = await rawServer();
    const analyzer = new Analyzer(() => {}, { keepFlows: 0, keepRecords: false });
    proxy = await testProxy(server.port, { engineOpts: { observers: [analyzer] } });
    const junk = randomBytes(4 * MiB);
    const buffersBefore = retainedBuffers();
    const h = createHash('sha256');
    for (let i = 0; i < 25; i++) h.update(junk);
    const want = h.digest('hex');
    const bad = await connect(proxy.port);
    const badId = `127.0.0.1:${bad.localPort}-127.0.0.1:${proxy.port}`;
    const badSrv = hashing(await server.next());
    // A well-behaved client at the same time.
    const good = await connect(proxy.port);
    const goodPort = good.localPort;
    const goodSock = await server.next();
    const goodSrv = collect(goodSock);
    void goodSrv.ended.then(() => goodSock.end());
    const before = proxy.packets().length;
    let peak = 0;
    for (let i = 0; i < 25; i++) {
      for (let o = 0; o < junk.length; o += 64 * 1024) await write(bad, junk.subarray(o, o + 64 * 1024));
      if (i === 0) await write(good, connectPacket('good'));
      if (i > 0) await write(good, publish('still/here', `n${i}`));
      for (const c of proxy.connections()) peak = Math.max(peak, c.bufferedToUpstream + c.held);
    }
    bad.end();
    good.end();
    await badSrv.ended;
    await goodSrv.ended;
    expect([badSrv.bytes(), badSrv.digest()]).toEqual([100 * MiB, want]);
    expect(sha256(goodSrv.chunks)).toBe(sha256([Buffer.from(connectPacket('good')), ...Array.from({ length: 24 }, (_, k) => Buffer.from(publish('still/here', `n${k + 1}`)))]));
    // What the proxy queued towards the broker stayed within a few socket buffers.
    expect(peak).toBeLessThan(4 * MiB);
    await waitFor(() => proxy!.stats().active === 0, 10_000, 'both connections to close');
    expect(proxy.engine.connection(badId)).toBeUndefined();
    const goodPackets = proxy.packets().slice(before).filter((r) => r.conn.client.port === goodPort);
    expect(goodPackets.map((r) => r.summary.type)).toEqual([1, ...Array(24).fill(3)]);
    const findings = proxy.findings().filter((f) => f.conn === badId).length;
    // Garbage earns findings per resync, not per byte (a dozen here for 100 MiB).
    expect(findings).toBeLessThan(10_000);
    // The next connection is decoded as usual.
    const next = await connect(proxy.port);
    const nextSock = await server.next();
    const nextSrv = collect(nextSock);
    void nextSrv.ended.then(() => nextSock.end());
    await write(next, connectPacket('next'));
    await write(next, PINGREQ);
    next.end();
    await nextSrv.ended;
    await waitFor(() => proxy!.packets().some((r) => r.clientId === 'next' && r.summary.type === 12), 5_000, 'the next connection to be decoded');
    expect(proxy.stats().decodeFailures).toBe(0);
    proxy.records.length = 0; // the test's own copy of every record (garbage framed as packets of up to 16 MiB)
    // Whatever the framer held for the garbage (up to a packet of --max-packet-size) is gone.
    expect((retainedBuffers() - buffersBefore) / MiB).toBeLessThan(8);
  }, 60_000);

  it('a packet exactly at the maximum decode size is decoded; one byte over is skipped and reported; both forwarded exactly', async () => {
    server = await rawServer();
    proxy = await testProxy(server.port, { maxPacketSize: 65_536 });
    const client = await connect(proxy.port);
    const srvSock = await server.next();
    const srv = collect(srvSock);
    void srv.ended.then(() => srvSock.end());
    // Fixed header 1 + 3 (Remaining Length 65,532 takes 3 bytes), topic 2 + 3.
    const at = publish('big', new Uint8Array(65_536 - 9).fill(7));
    const over = publish('big', new Uint8Array(65_536 - 9 + 1).fill(8));
    expect([at.length, over.length]).toEqual([65_536, 65_537]);
    const all = [connectPacket('edge'), at, over, PINGREQ];
    // Trickled in odd pieces, so the boundaries fall inside the packets.
    for (const p of all) for (let o = 0; o < p.length; o += 7_777) { await write(client, p.subarray(o, o + 7_777)); await new Promise((r) => setImmediate(r)); }
    client.end();
    await srv.ended;
    expect(sha256(srv.chunks)).toBe(sha256(all.map((p) => Buffer.from(p))));
    await waitFor(() => proxy!.stats().active === 0, 5_000, 'the connection to close');
    const types = proxy.packets().map((r: PacketRecord) => [r.summary.type, r.size]);
    expect(types).toEqual([[1, all[0]!.length], [3, 65_536], [12, 2]]);
    const tooLarge = proxy.findings().filter((f) => f.extra['note'] === 'packet-too-large');
    expect(tooLarge.map((f) => f.code)).toEqual(['protocol-violation']);
    expect(tooLarge[0]!.text).toContain('65537 bytes exceeds the maximum decode size of 65536 bytes; it was skipped, not decoded (--max-packet-size of proxy and up sets that size)');
  });

  it('2,000 idle connections: per-connection state is small and all of it goes when they close', async () => {
    server = await rawServer();
    const analyzer = new Analyzer(() => {}, { keepFlows: 0, keepRecords: false });
    proxy = await testProxy(server.port, { engineOpts: { observers: [analyzer] } });
    const N = 2000;
    const heap0 = retainedBuffers() + process.memoryUsage().heapUsed;
    const clients: net.Socket[] = [];
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const c = await connect(proxy.port);
      clients.push(c);
      ids.push(`127.0.0.1:${c.localPort}-127.0.0.1:${proxy.port}`);
      c.write(connectPacket(`idle-${i}`, { keepAlive: 0 }));
    }
    await waitFor(() => proxy!.packets().length === N, 20_000, 'every CONNECT to be decoded');
    await waitFor(() => server!.accepted.length === N, 20_000, 'every upstream connection');
    for (const s of server.accepted) s.write(connack());
    await waitFor(() => proxy!.packets().length === 2 * N, 20_000, 'every CONNACK to be decoded');
    const perConn = (retainedBuffers() + process.memoryUsage().heapUsed - heap0) / N;
    expect(proxy.stats().active).toBe(N);
    expect(analyzer.snapshot().sessions.filter((s) => s.state === 'connected').length).toBe(N);
    // Three sockets' objects in this process (client, proxied, upstream; the server's fourth),
    // the engine's framers and the session: a few KiB, nothing sized like a read buffer.
    expect(perConn).toBeLessThan(32 * 1024);
    for (const s of server.accepted) { s.on('end', () => s.end()); s.resume(); }
    for (const c of clients) c.destroy();
    await waitFor(() => proxy!.stats().active === 0, 20_000, 'every connection to close');
    expect(ids.filter((id) => proxy!.engine.connection(id) !== undefined)).toEqual([]);
    expect(analyzer.snapshot().sessions.filter((s) => s.closedAt === null)).toEqual([]);
  }, 60_000);

  it('a client that declares a huge Remaining Length and trickles: held bytes capped per connection', async () => {
    server = await rawServer();
    proxy = await testProxy(server.port, { maxPacketSize: 16 * MiB });
    const base = retainedBuffers();
    const N = 200;
    const socks: net.Socket[] = [];
    // Half declare 15 MiB (under the limit: the framer keeps what arrives), half 200 MiB (skipped, nothing kept).
    for (let i = 0; i < N; i++) {
      const c = await connect(proxy.port);
      socks.push(c);
      const rl = i % 2 === 0 ? 15 * MiB : 200 * MiB;
      const head = [0x30];
      for (let v = rl; ; ) { const b = v % 128; v = Math.floor(v / 128); head.push(v > 0 ? b | 0x80 : b); if (v === 0) break; }
      c.write(Buffer.from([...head, 0, 1, 0x74]));
    }
    // Then a trickle: 20 rounds of 50 bytes on every connection.
    for (let r = 0; r < 20; r++) {
      for (const c of socks) c.write(Buffer.alloc(50, r));
      await new Promise((res) => setTimeout(res, 5));
    }
    await waitFor(() => server!.accepted.length === N, 10_000, 'every upstream connection');
    await waitFor(() => server!.accepted.reduce((n, s) => n + s.bytesRead, 0) >= N * 1000, 10_000, 'the trickle to be forwarded');
    const grown = retainedBuffers() - base;
    // The framer starts a packet split across reads in a 4 KiB buffer and grows it with what
    // arrives (never to the declared size); a skipped packet costs nothing. (All connections'
    // unfinished packets together are capped too: test/hostile/framer-memory.test.ts.)
    expect(grown / (N / 2)).toBeLessThan(80 * 1024);
    const tooLarge = proxy.findings().filter((f) => f.extra['note'] === 'packet-too-large');
    expect(tooLarge.length).toBe(N / 2);
    for (const s of server.accepted) { s.on('end', () => s.end()); s.resume(); }
    for (const c of socks) c.destroy();
    await waitFor(() => proxy!.stats().active === 0, 10_000, 'every connection to close');
    expect((retainedBuffers() - base) / MiB).toBeLessThan(4);
  }, 30_000);
});

function openWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'mqtt');
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

// MQTT over WebSocket: the ws library buffers a whole message before handing it
// on, so the size of one message is what one connection can make the proxy
// hold. It is capped by --max-packet-size (plus a fixed header), not by ws's
// default of 100 MiB.
describe('MQTT over WebSocket: message size', () => {
  it('a message up to --max-packet-size + 5 bytes is forwarded; a larger one closes the connection (1009) with a log line', async () => {
    server = await rawServer();
    const max = 256 * 1024;
    proxy = await testProxy(server.port, { maxPacketSize: max, wsListen: { host: '127.0.0.1', port: 0 } });
    const ws = await openWs(proxy.wsPort!);
    const srvSock = await server.next();
    const got = collect(srvSock);
    got.ended.catch(() => { /* the proxy resets the broker side when it drops the client */ });
    const ok = Buffer.alloc(max + 5, 1);
    ws.send(ok);
    await waitFor(() => got.bytes() === ok.length, 10_000, 'the message to be forwarded');
    expect(sha256(got.chunks)).toBe(sha256([ok]));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(max + 6, 2));
    expect(await closed).toBe(1009);
    await waitFor(() => proxy!.stats().active === 0, 10_000, 'the proxied connection to close');
    expect(got.bytes()).toBe(ok.length);
    expect(proxy.logs.join('\n')).toMatch(/WebSocket message larger than 262149 bytes \(--max-packet-size \+ 5\); closing the connection/);
  }, 15_000);
});
