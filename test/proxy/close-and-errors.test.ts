// Half-close, reset and error propagation; clear errors for a busy port and a
// refused upstream; pre-connect holding over a TLS upstream.
import net from 'node:net';
import tls from 'node:tls';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, requireBinary } from '../helpers/peers.js';
import { generateCerts } from '../../src/proxy/index.js';
import type { CloseHow, EngineObserver } from '../../src/engine/engine.js';
import { collect, connect, randomBytes, rawServer, sha256, testProxy, waitFor } from './helpers.js';

/** An engine observer that records how each connection closed. */
function closeLog(): { hows: CloseHow[]; observer: EngineObserver } {
  const hows: CloseHow[] = [];
  return { hows, observer: { close: (_c, _t, how) => { hows.push(how); } } };
}

function errorOf(sock: net.Socket): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    sock.once('close', () => resolve(null));
  });
}

describe('proxy half-close', () => {
  it('passes a client FIN on and lets the server keep sending until its own FIN', async () => {
    const server = await rawServer();
    const log = closeLog();
    const proxy = await testProxy(server.port, { engineOpts: { observers: [log.observer] } });
    try {
      const client = await connect(proxy.port);
      const clientGot = collect(client);
      const srv = await server.next();
      const srvGot = collect(srv);
      client.end(Buffer.from('hello'));
      await srvGot.ended; // the server saw the client's FIN...
      expect(Buffer.concat(srvGot.chunks).toString()).toBe('hello');
      // ...and can still talk back through the half-open connection.
      srv.write('world, ');
      await new Promise((r) => setTimeout(r, 50));
      srv.end('bye');
      await clientGot.ended;
      expect(Buffer.concat(clientGot.chunks).toString()).toBe('world, bye');
      await waitFor(() => proxy.stats().active === 0);
      expect(log.hows).toEqual(['fin']);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('passes a server FIN on while the client keeps sending', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port);
    try {
      const client = await connect(proxy.port);
      const clientGot = collect(client);
      const srv = await server.next();
      const srvGot = collect(srv);
      srv.end('closing');
      await clientGot.ended;
      expect(Buffer.concat(clientGot.chunks).toString()).toBe('closing');
      const late = randomBytes(500_000);
      client.end(late);
      await srvGot.ended;
      expect(sha256(srvGot.chunks)).toBe(sha256([late]));
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});

describe('proxy resets and errors', () => {
  it('turns a client reset into a reset towards the server', async () => {
    const server = await rawServer();
    const log = closeLog();
    const proxy = await testProxy(server.port, { engineOpts: { observers: [log.observer] } });
    try {
      const client = await connect(proxy.port);
      client.on('error', () => {});
      const srv = await server.next();
      const srvErr = errorOf(srv);
      client.write('x');
      await new Promise((r) => setTimeout(r, 50));
      client.resetAndDestroy();
      const err = await srvErr;
      expect(err?.code).toBe('ECONNRESET');
      await waitFor(() => proxy.stats().active === 0);
      expect(log.hows).toEqual(['reset']);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('turns a server reset into a reset towards the client', async () => {
    const server = await rawServer();
    const log = closeLog();
    const proxy = await testProxy(server.port, { engineOpts: { observers: [log.observer] } });
    try {
      const client = await connect(proxy.port);
      const cliErr = errorOf(client);
      const srv = await server.next();
      srv.write('y');
      await new Promise((r) => setTimeout(r, 50));
      srv.resetAndDestroy();
      const err = await cliErr;
      expect(err?.code).toBe('ECONNRESET');
      await waitFor(() => proxy.stats().active === 0);
      expect(log.hows).toEqual(['reset']);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('says which address is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(testProxy(1, { listen: { host: '127.0.0.1', port } })).rejects.toThrow(
        `127.0.0.1:${port} is already in use; pick another with --listen`,
      );
      await expect(testProxy(1, { wsListen: { host: '127.0.0.1', port } })).rejects.toThrow(
        `127.0.0.1:${port} is already in use; pick another with --ws-listen`,
      );
    } finally {
      blocker.close();
    }
  });

  it('logs a line naming the upstream when it refuses, and closes the client', async () => {
    const dead = await freePort();
    const proxy = await testProxy(dead);
    try {
      const client = await connect(proxy.port);
      const got = collect(client);
      client.write('hello?');
      await got.ended.catch(() => undefined);
      await waitFor(() => client.destroyed || client.readableEnded);
      await waitFor(() => proxy.logs.length > 0);
      expect(proxy.logs[0]).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${dead} refused the connection; closing client 127\\.0\\.0\\.1:\\d+$`));
      expect(proxy.stats().upstreamFailures).toBe(1);
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
    }
  });
});

describe('upstream host names', () => {
  it('a host name that does not resolve is named as such, with the flag to fix', async () => {
    // .invalid never resolves (RFC 2606); without DNS at all the lookup fails with EAI_AGAIN.
    const proxy = await testProxy(1883, { upstream: { host: 'mqttscope-no-such-host.invalid', port: 1883 } });
    try {
      const client = await connect(proxy.port);
      client.on('error', () => {});
      client.write('hello?');
      await waitFor(() => proxy.logs.length > 0);
      expect(proxy.logs[0]).toMatch(/^upstream mqttscope-no-such-host\.invalid:1883 could not be reached: its host name does not resolve \((ENOTFOUND|EAI_AGAIN, DNS did not answer)\); check the HOST in --upstream; closing client 127\.0\.0\.1:\d+$/);
    } finally {
      await proxy.close();
    }
  });
});

describe('proxy TLS', () => {
  it('terminates TLS from clients and speaks TLS to the broker, holding early bytes', async () => {
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-cert-'));
    const c = await generateCerts(dir);
    const [cert, key, ca] = await Promise.all([readFile(c.cert), readFile(c.key), readFile(c.caCert)]);
    // A TLS "broker" that echoes everything back, upper-cased markers aside.
    const echo = tls.createServer({ cert, key, allowHalfOpen: true }, (s) => {
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const echoPort = (echo.address() as net.AddressInfo).port;
    const proxy = await testProxy(echoPort, { tls: { cert, key }, upstreamTls: { ca } });
    try {
      const data = randomBytes(2_000_000);
      const client = tls.connect({ host: '127.0.0.1', port: proxy.port, ca, servername: 'localhost', allowHalfOpen: true } as tls.ConnectionOptions);
      await new Promise<void>((r, j) => { client.once('secureConnect', () => r()); client.once('error', j); });
      const got = collect(client as unknown as net.Socket);
      client.end(data);
      await got.ended;
      expect(sha256(got.chunks)).toBe(sha256([data]));
      // The upstream handshake takes longer than the client's first write: those bytes were held.
      expect(proxy.stats().heldBytes).toBeGreaterThan(0);
      await waitFor(() => proxy.stats().active === 0);
    } finally {
      await proxy.close();
      echo.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails the client when the broker certificate is not trusted, with a log line', async () => {
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-cert-'));
    const c = await generateCerts(dir);
    const other = await generateCerts(join(dir, 'other'));
    const [cert, key] = await Promise.all([readFile(c.cert), readFile(c.key)]);
    const echo = tls.createServer({ cert, key }, (s) => s.pipe(s));
    echo.on('tlsClientError', () => {});
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const proxy = await testProxy((echo.address() as net.AddressInfo).port, { upstreamTls: { ca: await readFile(other.caCert) } });
    try {
      const client = await connect(proxy.port);
      client.on('error', () => {});
      client.write('hi');
      await waitFor(() => client.destroyed || client.readableEnded);
      await waitFor(() => proxy.logs.length > 0);
      expect(proxy.logs[0]).toMatch(/^upstream 127\.0\.0\.1:\d+ sent a TLS certificate that the --cafile CA did not sign \([A-Z_]+\); give the CA that signed the broker's certificate with --cafile; closing client/);
    } finally {
      await proxy.close();
      echo.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
