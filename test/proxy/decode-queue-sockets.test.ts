// The time-boxed decoder (src/proxy/decode-tap.ts) through the real proxy and real
// sockets, in the cases the fake-engine tests do not reach. The decoder's queue is
// made to fill on purpose: a clock that says every chunk after the first of a turn
// is over the time box, and a `defer` the test runs by hand, so the test decides
// when the queued events are decoded.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineObserver } from '../../src/engine/engine.js';
import { collect, connect, connectPacket, rawServer, testProxy, type RawServer, type TestProxy, waitFor } from './helpers.js';


/** PUBLISH QoS 0 to topic `t` with `n` payload bytes (`n` < 120: one-byte Remaining Length). */
function publish(n: number): Buffer {
  return Buffer.concat([Buffer.from([0x30, 3 + n, 0x00, 0x01, 0x74]), Buffer.alloc(n, 0x61)]);
}

/** A decode schedule whose queue the test drains: `run()` runs the deferred turns. */
function heldSchedule(): { opts: { clock: () => number; defer: (f: () => void) => void; sliceMs: number }; pending: () => number; run(): void } {
  let now = 0;
  let deferred: (() => void)[] = [];
  return {
    // Each clock read is 10 ms later: the first chunk of a window is decoded, the rest waits.
    opts: { clock: () => (now += 10), defer: (f) => { deferred.push(f); }, sliceMs: 5 },
    pending: () => deferred.length,
    run() {
      for (let i = 0; i < 10_000 && deferred.length > 0; i++) {
        const fs = deferred;
        deferred = [];
        for (const f of fs) f();
      }
    },
  };
}

let up: RawServer | null = null;
let proxy: TestProxy | null = null;
const socks: net.Socket[] = [];

afterEach(async () => {
  for (const s of socks.splice(0)) s.destroy();
  await proxy?.close().catch(() => undefined);
  await up?.close();
  proxy = null;
  up = null;
});

describe('decode queue through the proxy: failures of the analysis clock', () => {
  it('an analysis whose tick throws, with events queued, is reported and does not stop decoding or forwarding', async () => {
    up = await rawServer();
    const sched = heldSchedule();
    let ticks = 0;
    const failing: EngineObserver = { tick: () => { ticks++; throw new Error('tick exploded'); } };
    proxy = await testProxy(up.port, { decodeSchedule: sched.opts, engineOpts: { observers: [failing] } });
    const c = await connect(proxy.port);
    socks.push(c);
    const srv = await up.next();
    const got = collect(srv);
    c.write(connectPacket('ticker')); // decoded at once: it opens a decoding window
    await waitFor(() => got.bytes() >= 16, 5000, 'the CONNECT upstream');
    c.write(publish(10)); // the clock says the window is over: it waits for a deferred turn
    await waitFor(() => got.bytes() >= 16 + 15, 5000, 'the first PUBLISH upstream');
    expect(proxy.stats().decodeQueuedBytes).toBe(15);
    sched.run(); // the deferred turn decodes it and closes the window
    expect(proxy.stats().decodeQueuedBytes).toBe(0);
    c.write(publish(20)); // opens a new window: decoded at once
    await waitFor(() => got.bytes() >= 16 + 15 + 25, 5000, 'the second PUBLISH upstream');
    expect(proxy.stats().decodeQueuedBytes).toBe(0);
    c.write(publish(30)); // past the window: waits
    await waitFor(() => got.bytes() >= 16 + 15 + 25 + 35, 5000, 'the third PUBLISH upstream');
    expect(proxy.stats().decodeQueuedBytes).toBe(35);
    proxy.tick(1_000_000); // waits behind the queued PUBLISH
    c.write(publish(40));
    await waitFor(() => got.bytes() >= 16 + 15 + 25 + 35 + 45, 5000, 'the fourth PUBLISH upstream');
    // The turn that reaches the tick: before, the engine's exception escaped from the
    // deferred turn (an uncaught exception in `up`, which ends the process).
    expect(() => sched.run()).not.toThrow();
    expect(ticks).toBe(1);
    expect(proxy.logs).toEqual(['analysis tick failed: tick exploded']);
    expect(proxy.stats().decodeQueuedBytes).toBe(0);
    // Every packet, the ones queued after the tick included, was decoded.
    expect(proxy.packets().map((p) => p.summary.type)).toEqual([1, 3, 3, 3, 3]);
    // Forwarding goes on.
    c.write(publish(5));
    await waitFor(() => got.bytes() >= 16 + 15 + 25 + 35 + 45 + 10, 5000, 'a PUBLISH after the failed tick');
  });

  it('a tick that throws while close() decodes what is queued does not make close() fail', async () => {
    up = await rawServer();
    const sched = heldSchedule();
    const failing: EngineObserver = { tick: () => { throw new Error('tick exploded'); } };
    proxy = await testProxy(up.port, { decodeSchedule: sched.opts, engineOpts: { observers: [failing] } });
    const c = await connect(proxy.port);
    socks.push(c);
    const got = collect(await up.next());
    c.write(connectPacket('closer'));
    await waitFor(() => got.bytes() >= 16, 5000, 'the CONNECT upstream');
    c.write(publish(10));
    await waitFor(() => got.bytes() >= 16 + 15, 5000, 'the PUBLISH upstream');
    expect(proxy.stats().decodeQueuedBytes).toBe(15);
    proxy.tick(1_000_000);
    c.write(publish(20));
    await waitFor(() => got.bytes() >= 16 + 15 + 25, 5000, 'the second PUBLISH upstream');
    await expect(proxy.close()).resolves.toBeUndefined();
    expect(proxy.logs).toEqual(['analysis tick failed: tick exploded']);
    expect(proxy.packets().map((p) => p.summary.type)).toEqual([1, 3, 3]);
    expect(proxy.stats().decodeQueuedBytes).toBe(0);
  });

  it('a tick that throws with nothing queued is reported the same way, not thrown at the caller', async () => {
    up = await rawServer();
    const failing: EngineObserver = { tick: () => { throw new Error('tick exploded'); } };
    proxy = await testProxy(up.port, { engineOpts: { observers: [failing] } });
    expect(() => proxy!.tick(1_000_000)).not.toThrow();
    expect(proxy.logs).toEqual(['analysis tick failed: tick exploded']);
  });
});

/** Connect from a given local port, retrying while the kernel still holds it. */
async function connectFrom(port: number, localPort: number): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort, allowHalfOpen: true }, () => { s.off('error', reject); resolve(s); });
        s.once('error', reject);
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('decode queue through the proxy: a client port reused while the old connection is paused', () => {
  it('a client that resets while paused and reconnects from the same port gets a connection of its own, and the old one closes', async () => {
    up = await rawServer();
    const sched = heldSchedule();
    const seen: string[] = [];
    const observer: EngineObserver = {
      open: (m) => { seen.push(`open ${m.client.port}`); },
      close: (m, _t, how) => { seen.push(`close ${m.client.port} ${how}`); },
    };
    proxy = await testProxy(up.port, { decodeSchedule: { ...sched.opts, maxQueuedPerConn: 1000 }, engineOpts: { observers: [observer] } });
    const a = await connectFrom(proxy.port, 0);
    a.on('error', () => {});
    socks.push(a);
    const port = a.localPort!;
    const srvA = await up.next();
    srvA.on('end', () => srvA.end()); // a broker closes when its client does
    const upA = collect(srvA);
    upA.ended.catch(() => {});
    a.write(connectPacket('a'));
    await waitFor(() => upA.bytes() >= 11, 5000, 'the CONNECT of a upstream');
    // Queued past the cap: the decoder pauses a's sender. What a sends next fills the
    // socket's buffer, so the proxy stops reading from it and does not see its reset.
    a.write(publish(100));
    await waitFor(() => upA.bytes() >= 11 + 105, 5000, 'the PUBLISH of a upstream');
    for (let i = 0; i < 11; i++) a.write(publish(100));
    await waitFor(() => proxy!.stats().decodeQueuedBytes > 1000, 5000, 'a queue past the cap');
    a.write(Buffer.alloc(1 << 20, 0)); // more than the proxy reads while paused
    await new Promise((r) => setTimeout(r, 50));
    a.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.stats().active).toBe(1); // the proxy has not seen the reset

    // The same address and port: the same connection id, the old connection still open in the proxy.
    const b = await connectFrom(proxy.port, port);
    socks.push(b);
    const upB = collect(await up.next());
    b.write(Buffer.concat([connectPacket('b'), publish(5)]));
    await waitFor(() => upB.bytes() >= 11 + 10, 5000, 'the packets of b upstream');
    sched.run();
    // The old connection was let go and closes (before, the decoder's resume went to the
    // new connection, and the old one stayed paused until the proxy stopped).
    await waitFor(() => proxy!.stats().active === 1, 5000, 'the old connection to close');
    b.write(publish(6));
    await waitFor(() => upB.bytes() >= 11 + 10 + 11, 5000, 'the second PUBLISH of b upstream');
    sched.run();
    // The engine closed the old connection before it opened the new one, so b's CONNECT is
    // b's own (before, it went into a's state: a second CONNECT on a's connection, and b's
    // packets carried a's session).
    expect(seen).toEqual([`open ${port}`, `close ${port} reset`, `open ${port}`]);
    const b2 = proxy.packets().filter((p) => p.clientId === 'b').map((p) => p.summary.type);
    expect(b2).toEqual([1, 3, 3]);
    expect(proxy.findings()).toEqual([]);
    b.end();
    upB.ended.catch(() => {});
    await waitFor(() => upB.chunks.length > 0 && proxy!.stats().active === 1, 5000, 'b still open');
  });
});
