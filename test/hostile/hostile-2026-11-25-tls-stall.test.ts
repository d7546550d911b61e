// A broker that takes the TCP connection and never answers the TLS ClientHello
// (--upstream-tls): a client that gave up waiting got the line for a broker that never
// answered the TCP handshake, "is the broker's address right, and is it reachable?",
// though the address was right and it was the TLS handshake that hung. The line now
// says which. And a client that half-closed after its CONNECT (waiting for the answer)
// was held, with its sockets, for as long as the broker kept the TCP connection: the
// broker's TLS handshake now has the same timeout as a TLS client's (10 s by default).
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, connectPacket, rawServer, type RawServer, testProxy, type TestProxy, waitFor } from '../proxy/helpers.js';

let broker: RawServer | null = null;
let proxy: TestProxy | null = null;
let client: net.Socket | null = null;
afterEach(async () => {
  client?.destroy();
  await proxy?.close();
  await broker?.close();
  proxy = null;
  broker = null;
  client = null;
});

describe('a TLS broker connection whose handshake never finishes', () => {
  it('a client that gives up gets a line naming the TLS handshake, not an unreachable address', async () => {
    broker = await rawServer(); // takes TCP, never answers TLS
    proxy = await testProxy(broker.port, { upstreamTls: { rejectUnauthorized: false } });
    client = await connect(proxy.port);
    client.write(connectPacket('stalled'));
    const up = await broker.next();
    // The ClientHello reached the broker: a TLS record of type handshake (0x16).
    await new Promise<void>((r) => up.once('data', (d: Buffer) => { expect(d[0]).toBe(0x16); r(); }));
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s after which giving up is worth a line
    client.resetAndDestroy();
    await waitFor(() => proxy!.logs.length > 0, 5_000, 'a line');
    expect(proxy.logs).toHaveLength(1);
    expect(proxy.logs[0]).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${broker.port} accepted the TCP connection but did not finish the TLS handshake within 1\\.\\d s, when client 127\\.0\\.0\\.1:\\d+ gave up \\(does that port speak TLS\\? the broker's log should say why\\)$`));
  });
});

describe('a client that half-closes while the broker TLS handshake hangs', () => {
  it('is not held for good: after the handshake timeout its attempt fails with a line, and the client gets a FIN', async () => {
    broker = await rawServer();
    proxy = await testProxy(broker.port, { upstreamTls: { rejectUnauthorized: false }, tlsHandshakeTimeoutMs: 600 });
    client = await connect(proxy.port);
    const ended = new Promise<void>((r) => client!.once('end', () => r()));
    client.resume();
    client.end(connectPacket('half-closed')); // CONNECT, then FIN: it waits for the answer
    await broker.next();
    await ended;
    await waitFor(() => proxy!.stats().active === 0, 5_000, 'the connection to be closed');
    expect(proxy.stats().upstreamFailures).toBe(1);
    expect(proxy.logs).toHaveLength(1);
    expect(proxy.logs[0]).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${broker.port} accepted the TCP connection but did not finish the TLS handshake within 0\\.6 s \\(does that port speak TLS\\? the broker's log should say why\\); closing client 127\\.0\\.0\\.1:\\d+$`));
  }, 10_000);
});
