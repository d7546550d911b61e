// TLS on both sides of the proxy when things go wrong: clients that never
// finish (or never start) the handshake, plain MQTT on the TLS port, and a TLS
// broker whose certificate the proxy does not trust.
import net from 'node:net';
import tls from 'node:tls';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts, type GeneratedCerts } from '../../src/proxy/index.js';
import { startBroker } from '../../src/broker/broker.js';
import { requireBinary } from '../helpers/peers.js';
import { connect, rawServer, testProxy, waitFor } from './helpers.js';
import { runCmd, tlsMosquitto } from './peers.js';

let certs: GeneratedCerts;
let cert: Buffer;
let key: Buffer;
let certDir: string | undefined;
let ca: Buffer;

beforeAll(async () => {
  requireBinary('openssl');
  certDir = await mkdtemp(join(tmpdir(), 'mqttscope-tlserr-'));
  certs = await generateCerts(certDir);
  [cert, key, ca] = await Promise.all([readFile(certs.cert), readFile(certs.key), readFile(certs.caCert)]);
});
afterAll(async () => { if (certDir !== undefined) await rm(certDir, { recursive: true, force: true }); });

/** The proxy closed the connection: FIN (the helpers' sockets are half-open) or close. */
function closed(sock: net.Socket): Promise<void> {
  return new Promise((r) => {
    if (sock.destroyed || sock.readableEnded) { r(); return; }
    sock.once('end', () => r());
    sock.once('close', () => r());
  });
}

describe('TLS listener: clients that do not finish the handshake', () => {
  it('closes a client that never sends a ClientHello after the handshake timeout, with one log line', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port, { tls: { cert, key }, tlsHandshakeTimeoutMs: 300 });
    try {
      const idle = await connect(proxy.port);
      idle.on('error', () => {});
      const t0 = Date.now();
      await closed(idle);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(proxy.logs).toEqual([`TLS handshake with 127.0.0.1:${idle.localPort} did not finish within 0.3 s; closing the connection`]);
      // Nothing reached the broker, and nothing is left open.
      expect(server.accepted.length).toBe(0);
      expect(proxy.stats().active).toBe(0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('close() ends clients that are still in their handshake, at once', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port, { tls: { cert, key } }); // default timeout: 10 s
    const idle = await connect(proxy.port);
    idle.on('error', () => {});
    // One that sent half a ClientHello and stalls.
    const half = await connect(proxy.port);
    half.on('error', () => {});
    half.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await proxy.close();
    await Promise.all([closed(idle), closed(half)]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(proxy.logs).toEqual([]);
    await server.close();
  });

  it('a client that leaves in the middle of its handshake is forgotten quietly', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port, { tls: { cert, key }, tlsHandshakeTimeoutMs: 500 });
    try {
      const c = tls.connect({ host: '127.0.0.1', port: proxy.port, rejectUnauthorized: false });
      c.on('error', () => {});
      await new Promise<void>((r) => c.once('secureConnect', () => r()));
      c.destroy(); // before the proxy has seen the client's Finished
      await new Promise((r) => setTimeout(r, 800));
      expect(proxy.logs.filter((l) => l.includes('did not finish'))).toEqual([]);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});

describe('TLS listener: what the log says', () => {
  it('plain MQTT on the TLS port (mosquitto_pub without --cafile) gets one clear line', async () => {
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const proxy = await testProxy(broker.port, { tls: { cert, key } });
    try {
      const r = await runCmd('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(proxy.port), '-t', 'Room1/Light', '-m', 'Turn On']);
      expect(r.code).not.toBe(0);
      await waitFor(() => proxy.logs.length > 0);
      await new Promise((r2) => setTimeout(r2, 100));
      expect(proxy.logs).toHaveLength(1);
      expect(proxy.logs[0]).toMatch(/^client 127\.0\.0\.1:\d+ sent plain MQTT \(not TLS\) to the TLS listener; closing the connection$/);
      // Other bytes that are not TLS.
      const http = await connect(proxy.port);
      http.on('error', () => {});
      http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed(http);
      await waitFor(() => proxy.logs.length === 2);
      expect(proxy.logs[1]).toBe(`client 127.0.0.1:${http.localPort} sent bytes that are not TLS (first byte 0x47) to the TLS listener; closing the connection`);
    } finally {
      await proxy.close();
      await broker.close();
    }
  });

  it('a client that rejects the certificate: one line, no OpenSSL source path', async () => {
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const proxy = await testProxy(broker.port, { tls: { cert, key } });
    try {
      const r = await runCmd('mosquitto_pub', ['-h', 'localhost', '-p', String(proxy.port), '--cafile', '/etc/ssl/certs/ca-certificates.crt', '-t', 'x', '-m', 'y']);
      expect(r.code).not.toBe(0);
      await waitFor(() => proxy.logs.length > 0);
      expect(proxy.logs[0]).toMatch(/^TLS handshake with 127\.0\.0\.1:\d+ failed: the client did not accept the certificate \(TLS alert: unknown ca; does it trust the CA that signed --tls-cert\?\)$/);
      for (const l of proxy.logs) {
        expect(l).not.toMatch(/\n|deps\/openssl|\.c:\d+/);
      }
    } finally {
      await proxy.close();
      await broker.close();
    }
  });
});

describe('TLS to the broker (--upstream-tls), a real mosquitto with a TLS listener', () => {
  let m: Awaited<ReturnType<typeof tlsMosquitto>>;
  // With cafile set, mosquitto sends the CA along with its certificate (as in a typical setup).
  beforeAll(async () => { m = await tlsMosquitto(certs.cert, certs.key, certs.caCert); });
  afterAll(async () => { await m?.close(); });

  async function attempt(upstreamTls: NonNullable<Parameters<typeof testProxy>[1]>['upstreamTls'], host = '127.0.0.1'): Promise<{ code: number | null; logs: string[] }> {
    const proxy = await testProxy(m.port, { upstreamTls, upstream: { host, port: m.port } });
    try {
      const r = await runCmd('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(proxy.port), '-t', 'Room1/Light', '-m', 'Turn On']);
      await waitFor(() => proxy.stats().active === 0);
      return { code: r.code, logs: proxy.logs };
    } finally {
      await proxy.close();
    }
  }

  it('says the certificate is not trusted and suggests --cafile (not "could not be reached")', async () => {
    const r = await attempt({});
    expect(r.code).not.toBe(0);
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${m.port} sent a TLS certificate that is not trusted \\(SELF_SIGNED_CERT_IN_CHAIN\\); give the CA that signed it with --cafile; closing client 127\\.0\\.0\\.1:\\d+$`));
  });

  it('with the wrong CA in --cafile, says that CA did not sign it (not "give --cafile")', async () => {
    const other = await generateCerts(join(certs.dir, 'other-ca'));
    const r = await attempt({ ca: await readFile(other.caCert) });
    expect(r.code).not.toBe(0);
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${m.port} sent a TLS certificate that the --cafile CA did not sign \\([A-Z_]+\\); give the CA that signed the broker's certificate with --cafile; closing client 127\\.0\\.0\\.1:\\d+$`));
  });

  it('without --upstream-tls, says the broker hung up without answering and suggests --upstream-tls', async () => {
    const r = await attempt(undefined);
    expect(r.code).not.toBe(0);
    // mosquitto drops the plain CONNECT on its TLS listener; before, the proxy said nothing at all.
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${m.port} closed the connection without answering \\(client 127\\.0\\.0\\.1:\\d+ sent \\d+ bytes, the broker none\\); if that port expects TLS, add --upstream-tls \\(and --cafile\\); otherwise the broker's log should say why$`));
  });

  it('works with the CA given', async () => {
    const r = await attempt({ ca });
    expect(r.code).toBe(0);
    expect(r.logs).toEqual([]);
  });

  it('names a host name mismatch', async () => {
    const other = await generateCerts(join(certs.dir, 'other-name'), { hosts: ['broker.example'] });
    const m2 = await tlsMosquitto(other.cert, other.key, other.caCert);
    try {
      const proxy = await testProxy(m2.port, { upstreamTls: { ca: await readFile(other.caCert) } });
      try {
        const client = await connect(proxy.port);
        client.on('error', () => {});
        client.write(Buffer.from([0xc0, 0x00]));
        await waitFor(() => proxy.logs.length > 0);
        expect(proxy.logs[0]).toMatch(/^upstream 127\.0\.0\.1:\d+ sent a TLS certificate for another name \(ERR_TLS_CERT_ALTNAME_INVALID: .*127\.0\.0\.1.*\); use the host name the certificate lists in --upstream; closing client/);
      } finally {
        await proxy.close();
      }
    } finally {
      await m2.close();
    }
  });

  it('a plain port with --upstream-tls: says the broker did not do TLS', async () => {
    const plain = await startBroker({ host: '127.0.0.1', port: 0 });
    const proxy = await testProxy(plain.port, { upstreamTls: { ca } });
    try {
      const client = await connect(proxy.port);
      client.on('error', () => {});
      await waitFor(() => proxy.logs.length > 0);
      expect(proxy.logs[0]).toMatch(/^upstream 127\.0\.0\.1:\d+ (closed the connection during the TLS handshake|did not answer in TLS) \(is this a plain MQTT port\? then leave out --upstream-tls and --cafile\); closing client/);
    } finally {
      await proxy.close();
      await plain.close();
    }
  });
});
