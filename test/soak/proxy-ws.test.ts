// MQTT over WebSocket: the ws library buffers a whole message before handing it
// on, so the size of one message is what one connection can make the proxy
// hold. It is capped by --max-packet-size (plus a fixed header), not by ws's
// default of 100 MiB.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { collect, rawServer, type RawServer, testProxy, type TestProxy, waitFor } from '../proxy/helpers.js';

let server: RawServer | null = null;
let proxy: TestProxy | null = null;
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  proxy = null;
  server = null;
});

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'mqtt');
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const hash = (b: Uint8Array | Buffer[]): string => {
  const h = createHash('sha256');
  for (const c of Array.isArray(b) ? b : [b]) h.update(c);
  return h.digest('hex');
};

describe('MQTT over WebSocket: message size', () => {
  it('a message up to --max-packet-size + 5 bytes is forwarded; a larger one closes the connection (1009) with a log line', async () => {
    server = await rawServer();
    const max = 256 * 1024;
    proxy = await testProxy(server.port, { maxPacketSize: max, wsListen: { host: '127.0.0.1', port: 0 } });
    const ws = await open(proxy.wsPort!);
    const srvSock = await server.next();
    const got = collect(srvSock);
    got.ended.catch(() => { /* the proxy resets the broker side when it drops the client */ });
    const ok = Buffer.alloc(max + 5, 1);
    ws.send(ok);
    await waitFor(() => got.bytes() === ok.length, 10_000, 'the message to be forwarded');
    expect(hash(got.chunks)).toBe(hash(ok));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(max + 6, 2));
    expect(await closed).toBe(1009);
    await waitFor(() => proxy!.stats().active === 0, 10_000, 'the proxied connection to close');
    expect(got.bytes()).toBe(ok.length);
    expect(proxy.logs.join('\n')).toMatch(/WebSocket message larger than 262149 bytes \(--max-packet-size \+ 5\); closing the connection/);
  }, 15_000);
});
