// Client bytes that arrive before the broker connection is up are held (--max-buffered,
// 1 MiB per connection). Nothing capped them across connections: while the broker
// was slow to answer (a TLS upstream that never finishes its handshake, an overloaded
// broker), N clients made the proxy hold N MiB. Now all connections together hold at
// most maxHeldBytesTotal (64 MiB by default); past it a client that sends more is
// paused (nothing is dropped) until its own broker connection is up, with one line.
import { describe, expect, it } from 'vitest';
import type { ConnMeta } from '../../src/model/types.js';
import type { End, EndEvents } from '../../src/proxy/ends.js';
import { Link, type UpstreamAttempt } from '../../src/proxy/link.js';
import { connect, proxyPerTest, waitFor } from '../proxy/helpers.js';
import { MiB, retainedBuffers } from '../soak/wire.js';

class PauseEnd implements End {
  ev: EndEvents | null = null;
  paused = false;
  chunks: Buffer[] = [];
  buffered = 0;
  destroyed = false;
  write(chunk: Buffer): boolean { this.chunks.push(chunk); return true; }
  end(): void {}
  reset(): void { this.destroyed = true; }
  destroy(): void { this.destroyed = true; }
  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; }
  listen(ev: EndEvents): void { this.ev = ev; }
}

function meta(port: number): ConnMeta {
  return { id: `c${port}`, client: { host: '127.0.0.1', port }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' };
}

/** Links sharing one held-bytes total; each broker connection settles when the test says. */
function rig(limit: number) {
  const full: string[] = [];
  const heldAll = { used: 0, limit, full: (l: Link, n: number) => { full.push(`${l.meta.client.port}:${n}`); } };
  const make = (port: number) => {
    const client = new PauseEnd();
    let attempt: UpstreamAttempt | null = null;
    const link = new Link(meta(port), client, {
      now: () => 0, tap: { open() {}, data() {}, close() {} }, log: () => {}, notice: () => {}, closed: () => {},
      upstreamLabel: 'b:1', maxBufferedBytes: 1000, heldAll,
    }, (a) => { attempt = a; return () => {}; });
    return { link, client, attempt: () => attempt! };
  };
  return { heldAll, full, make };
}

describe('Link: held bytes capped across connections', () => {
  it('past the total a client is paused under its own cap; its bytes go to the broker in order once it is up, and the total is given back', () => {
    const r = rig(1500);
    const a = r.make(1);
    const b = r.make(2);
    a.client.ev!.data(Buffer.from('a'.repeat(900))); // A: 900 of its 1000, 900 of the 1500 in all
    expect(a.client.paused).toBe(false);
    b.client.ev!.data(Buffer.from('b'.repeat(400))); // B: 400, 1300 in all
    expect(b.client.paused).toBe(false);
    b.client.ev!.data(Buffer.from('c'.repeat(300))); // B: 700, 1600 in all: over the total
    expect(b.client.paused).toBe(true);
    expect(r.full).toEqual(['2:700']);
    expect(r.heldAll.used).toBe(1600);
    // B's broker connection comes up: its 700 bytes go on unchanged and in order, it reads on.
    const up = new PauseEnd();
    b.attempt().connected(up);
    expect(Buffer.concat(up.chunks).toString()).toBe('b'.repeat(400) + 'c'.repeat(300));
    expect(b.client.paused).toBe(false);
    expect(r.heldAll.used).toBe(900);
    // A's broker connection fails: its share is given back too.
    a.attempt().failed(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    expect(r.heldAll.used).toBe(0);
  });

  it('a client that closes while its bytes are held gives its share back', () => {
    const r = rig(1500);
    const a = r.make(1);
    a.client.ev!.data(Buffer.from('x'.repeat(500)));
    expect(r.heldAll.used).toBe(500);
    a.client.ev!.close(); // the client goes before its broker connection is up: the attempt is given up
    expect(r.heldAll.used).toBe(0);
  });
});

const pair = proxyPerTest();
const socks = pair.socks;

describe('many clients sending while their TLS broker connections never come up', () => {
  it('the proxy holds at most the total (plus a read per client), with one line naming the client and the limit', async () => {
    // The broker accepts TCP and never answers the TLS ClientHello: no broker connection comes up.
    const { proxy, broker } = await pair.start({ upstreamTls: { rejectUnauthorized: false }, maxHeldBytesTotal: 16 * MiB });
    const base = retainedBuffers();
    const N = 60;
    const part = Buffer.alloc(MiB, 0x41); // what each client sends: its whole --max-buffered
    for (let i = 0; i < N; i++) {
      const c = await connect(proxy.port);
      c.on('error', () => {});
      socks.push(c);
      c.write(part);
    }
    await waitFor(() => broker.accepted.length === N, 10_000, 'every upstream TCP connection');
    // Every client has sent what the proxy takes: its own cap, or a pause for the total.
    await waitFor(() => proxy.connections().reduce((n, c) => n + c.held, 0) >= 16 * MiB, 15_000, 'the held total to be reached');
    await new Promise((r) => setTimeout(r, 500));
    const held = proxy.connections().reduce((n, c) => n + c.held, 0);
    // Without the total: 60 MiB held (each client its 1 MiB). With it: 16 MiB and a read (64 KiB) per client.
    expect(held).toBeLessThan(16 * MiB + N * 64 * 1024);
    expect((retainedBuffers() - base) / MiB).toBeLessThan(30);
    expect(proxy.logs.filter((l) => l.includes('is paused'))).toHaveLength(1);
    expect(proxy.logs[0]).toMatch(/^client 127\.0\.0\.1:\d+ is paused after \d+ bytes until its broker connection is up: clients waiting for 127\.0\.0\.1:\d+ hold \d+ bytes in all, the most held for connections still being set up \(16777216; --max-buffered caps one connection at 1048576\); \d+ connection\(s\) are waiting for the broker$/);
  }, 30_000);
});
