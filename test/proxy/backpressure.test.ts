// Backpressure: a reader that stops reading must stop the writer on the other
// side of the proxy, not make the proxy buffer everything in memory.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { collect, connect, prng, rawServer, sha256, testProxy, waitFor } from './helpers.js';

const TOTAL = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;

function pattern(i: number): Buffer {
  const b = Buffer.alloc(CHUNK);
  const r = prng(i);
  for (let k = 0; k < CHUNK; k += 4) b.writeUInt32LE((r() * 0x100000000) >>> 0, k);
  return b;
}

/** Write TOTAL bytes honouring backpressure; resolves when all were accepted. Reports progress. */
function pump(sock: net.Socket, progress: { written: number }): { done: Promise<void>; chunks: Buffer[] } {
  const chunks = Array.from({ length: TOTAL / CHUNK }, (_, i) => pattern(i));
  const done = (async () => {
    for (const c of chunks) {
      if (!sock.write(c)) await new Promise<void>((r) => sock.once('drain', () => r()));
      progress.written += c.length;
    }
    sock.end();
  })();
  return { done, chunks };
}

describe('proxy backpressure', () => {
  it('stops reading from the client while the broker does not read (bounded buffers)', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port);
    try {
      const client = await connect(proxy.port);
      const srvP = server.next();
      const progress = { written: 0 };
      const rss0 = process.memoryUsage().rss;
      const { done, chunks } = pump(client, progress);
      const srv = await srvP;
      srv.pause();
      // Let everything fill up: the writer must stall well before TOTAL.
      let last = -1;
      await waitFor(() => {
        const stalled = progress.written === last;
        last = progress.written;
        return stalled && progress.written > 0;
      }, 20_000, 'the client writer to stall');
      await new Promise((r) => setTimeout(r, 300));
      const info = proxy.connections()[0]!;
      expect(progress.written).toBeLessThan(TOTAL / 2);
      expect(info.held).toBe(0);
      expect(info.bufferedToUpstream).toBeLessThanOrEqual(256 * 1024);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(64 * 1024 * 1024 + 48 * 1024 * 1024);
      // Now read: everything arrives, in order.
      const got = collect(srv);
      srv.resume();
      await Promise.all([done, got.ended]);
      expect(got.bytes()).toBe(TOTAL);
      expect(sha256(got.chunks)).toBe(sha256(chunks));
      srv.end();
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('stops reading from the broker while the client does not read (bounded buffers)', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port);
    try {
      const client = await connect(proxy.port);
      client.pause();
      const srv = await server.next();
      const progress = { written: 0 };
      const { done, chunks } = pump(srv, progress);
      let last = -1;
      await waitFor(() => {
        const stalled = progress.written === last;
        last = progress.written;
        return stalled && progress.written > 0;
      }, 20_000, 'the broker writer to stall');
      await new Promise((r) => setTimeout(r, 300));
      const info = proxy.connections()[0]!;
      expect(progress.written).toBeLessThan(TOTAL / 2);
      expect(info.bufferedToClient).toBeLessThanOrEqual(256 * 1024);
      const got = collect(client);
      client.resume();
      await Promise.all([done, got.ended]);
      expect(sha256(got.chunks)).toBe(sha256(chunks));
      client.end();
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
