// A reset passed on to a side whose FIN from us is still under way. libuv refuses to
// reset a socket while its shutdown is pending (EINVAL); Node reports that as an error
// and never closes the socket. So a client that half-closed and then reset (it closed
// while the broker was still sending) left the broker connection open for good and
// the link counted as active: 66 of 300 such clients in a run. Such a side is now
// closed instead, over TLS as well (where the pending shutdown is the TLS socket's).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketEnd } from '../../src/proxy/ends.js';
import { requireBinary } from '../helpers/peers.js';
import { generateCerts } from '../../src/proxy/index.js';
import { testProxy, waitFor, type TestProxy } from './helpers.js';

const cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

async function pair(onAccept: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true }, onAccept);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.close());
  return server;
}

describe('a reset right after a half-close', () => {
  it('SocketEnd: end() then reset() in the same turn closes the socket, without an error', async () => {
    const server = await pair((s) => { s.resume(); s.on('error', () => {}); });
    const sock = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    cleanup.push(() => sock.destroy());
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const errors: string[] = [];
    sock.on('error', (e: NodeJS.ErrnoException) => errors.push(`${e.code} ${e.syscall}`));
    const closed = new Promise<boolean>((r) => { sock.once('close', () => r(true)); setTimeout(() => r(false), 2000); });
    const end = new SocketEnd(sock);
    end.end();
    end.reset();
    expect(await closed).toBe(true);
    expect(errors).toEqual([]);
  });

  it('over TLS too: end() then reset() closes the TLS socket and the TCP socket under it', async () => {
    requireBinary('openssl');
    const dir = mkdtempSync(join(tmpdir(), 'mqttscope-reset-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = await generateCerts(dir);
    const server = tls.createServer({ cert: readFileSync(c.cert), key: readFileSync(c.key), allowHalfOpen: true }, (s) => { s.resume(); s.on('error', () => {}); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => server.close());
    const raw = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    const sock = tls.connect({ socket: raw, ca: readFileSync(c.caCert), servername: 'localhost' });
    cleanup.push(() => { sock.destroy(); raw.destroy(); });
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    const errors: string[] = [];
    sock.on('error', (e: NodeJS.ErrnoException) => errors.push(`tls ${e.code} ${e.syscall}`));
    raw.on('error', (e: NodeJS.ErrnoException) => errors.push(`tcp ${e.code} ${e.syscall}`));
    const rawClosed = new Promise<boolean>((r) => { raw.once('close', () => r(true)); setTimeout(() => r(false), 2000); });
    const end = new SocketEnd(sock, raw);
    end.end();
    end.reset();
    expect(await rawClosed).toBe(true);
    expect(errors).toEqual([]);
  });

  it('clients that close while the broker floods them: every link and every broker socket closes', async () => {
    const data = randomBytes(256 * 1024);
    const brokerSocks: net.Socket[] = [];
    const server = await pair((s) => {
      brokerSocks.push(s);
      s.on('error', () => {});
      s.resume();
      const pump = (): void => {
        while (!s.destroyed && s.write(data));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    const proxy: TestProxy = await testProxy((server.address() as net.AddressInfo).port);
    cleanup.push(() => { void proxy.close(); });
    const N = 120;
    await Promise.all(Array.from({ length: N }, (_, i) => new Promise<void>((resolve) => {
      const c = net.connect(proxy.port, '127.0.0.1', () => {
        c.write(Buffer.from('c000', 'hex'));
        // destroy(): a FIN, then a reset from the kernel when more bytes arrive.
        setTimeout(() => c.destroy(), (i * 7) % 150);
      });
      c.on('data', () => {});
      c.on('error', () => {});
      c.on('close', () => resolve());
    })));
    await waitFor(() => proxy.stats().active === 0, 5000, `no active links (${proxy.stats().active} left)`);
    await waitFor(() => brokerSocks.every((s) => s.destroyed), 5000, `every broker socket closed (${brokerSocks.filter((s) => !s.destroyed).length} open)`);
    expect(proxy.stats().accepted).toBe(N);
  });
});
