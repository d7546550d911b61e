// What the framers of all connections hold together is capped (framerMemory):
// --max-packet-size caps one unfinished packet per connection, but a client
// with many connections, each sending most of a large packet and never the
// rest, made the proxy hold connections × that size (40 × 15 MiB: 640 MiB).
import { createHash } from 'node:crypto';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Note } from '../../src/model/types.js';
import { Framer, type FramerMemory, framerMemory } from '../../src/stream/framer.js';
import { connect, rawServer, type RawServer, testProxy, type TestProxy, waitFor } from '../proxy/helpers.js';
import { MiB, retainedBuffers } from '../soak/wire.js';

/** A PUBLISH (QoS 0, topic "t") of `total` bytes in all: its fixed header and the start of its body. */
function publishHead(total: number): { head: Uint8Array; bodyLen: number } {
  // total = 1 + varint(rl) + rl; a 3-byte varint for rl in 16,384..2,097,151, 4 bytes above.
  const vlen = total - 1 - 3 <= 2_097_151 ? 3 : 4;
  const rl = total - 1 - vlen;
  const head = [0x30]; // PUBLISH, QoS 0
  for (let v = rl; ;) { const b = v % 128; v = Math.floor(v / 128); head.push(v > 0 ? b | 0x80 : b); if (v === 0) break; }
  expect(head.length).toBe(1 + vlen);
  head.push(0x00, 0x01, 0x74); // topic length 1, "t"
  return { head: Uint8Array.from(head), bodyLen: rl - 3 };
}

const PINGREQ = Uint8Array.from([0xc0, 0x00]); // PINGREQ, Remaining Length 0

function framer(memory: FramerMemory) {
  const packets: number[] = [];
  const notes: Note[] = [];
  const f = new Framer({ packet: (b) => packets.push(b.length), note: (n) => notes.push(n) }, { memory, dir: 'c2s' });
  return { f, packets, notes };
}

describe('framers share a cap on unfinished packets', () => {
  it('a packet that does not fit beside the others is skipped with a note, and the next one is decoded', () => {
    const memory: FramerMemory = { limit: MiB, used: 0 };
    const a = framer(memory);
    const b = framer(memory);
    const big = publishHead(900 * 1024);
    // A holds 500 KiB of a 900 KiB packet: its buffer is twice what came, at most the packet.
    a.f.push(big.head);
    a.f.push(new Uint8Array(500 * 1024 - big.head.length));
    const aShare = memory.used;
    expect(aShare).toBeGreaterThanOrEqual(500 * 1024);
    // B starts an 800 KiB packet: 200 KiB fit beside A's 500 KiB ...
    const other = publishHead(800 * 1024);
    b.f.push(other.head);
    b.f.push(new Uint8Array(200 * 1024 - other.head.length));
    expect(b.notes).toEqual([]);
    // ... growing to 800 KiB does not (1.3 MiB in all): the rest of B's packet is skipped.
    b.f.push(new Uint8Array(600 * 1024));
    b.f.push(PINGREQ);
    expect(b.notes.map((n) => n.code)).toEqual(['decoder-memory-full']);
    expect(b.notes[0]!.text).toMatch(/^packet of 819200 bytes was not decoded: unfinished packets already hold [\d.]+ MiB of the 1\.0 MiB the decoder buffers for all connections together; it was skipped, not decoded$/);
    expect(b.packets).toEqual([2]);
    expect(memory.used).toBe(aShare);
    // A's packet completes: its share is given back, and B's next large packet fits.
    a.f.push(new Uint8Array(400 * 1024));
    expect(a.packets).toEqual([900 * 1024]);
    expect(memory.used).toBe(0);
    b.f.push(other.head);
    b.f.push(new Uint8Array(800 * 1024 - other.head.length));
    expect(b.packets).toEqual([2, 800 * 1024]);
    expect(memory.used).toBe(0);
  });

  it('a packet refused while growing skips the rest of it; small packets are never refused', () => {
    const memory: FramerMemory = { limit: MiB, used: 0 };
    const a = framer(memory);
    const b = framer(memory);
    const big = publishHead(2 * MiB);
    a.f.push(big.head);
    a.f.push(new Uint8Array(900 * 1024)); // A holds 900 KiB (of a 2 MiB packet); alone, it could hold more than the limit
    expect(a.notes).toEqual([]);
    const grow = publishHead(300 * 1024);
    b.f.push(grow.head); // 4 KiB to start with: under 64 KiB, never refused
    expect(b.notes).toEqual([]);
    for (let i = 0; i < 4; i++) b.f.push(new Uint8Array(16 * 1024)); // grows to 64 KiB, then needs 128 KiB
    b.f.push(new Uint8Array(300 * 1024 - grow.head.length - 64 * 1024)); // the rest of it
    b.f.push(PINGREQ);
    expect(b.notes.map((n) => n.code)).toEqual(['decoder-memory-full']);
    expect(b.packets).toEqual([2]);
    // Small packets split across reads are still decoded while A holds everything.
    const small = publishHead(20_000);
    b.f.push(small.head);
    b.f.push(new Uint8Array(20_000 - small.head.length));
    expect(b.packets).toEqual([2, 20_000]);
    // A flush (the connection closed) gives back what A held.
    a.f.flush();
    expect(memory.used).toBe(0);
  });

  it('a gap drops the held packet and its share', () => {
    const memory: FramerMemory = { limit: MiB, used: 0 };
    const a = framer(memory);
    const big = publishHead(700 * 1024);
    a.f.push(big.head);
    a.f.push(new Uint8Array(300 * 1024));
    expect(memory.used).toBeGreaterThan(300 * 1024);
    a.f.gap();
    expect(memory.used).toBe(0);
  });
});

let server: RawServer | null = null;
let proxy: TestProxy | null = null;
const savedLimit = framerMemory.limit;
afterEach(async () => {
  framerMemory.limit = savedLimit;
  await proxy?.close();
  await server?.close();
  proxy = null;
  server = null;
});

describe('many connections each sending most of a large packet, through the proxy', () => {
  it('what the proxy holds is capped across connections; every byte is forwarded; the next connection is decoded', async () => {
    framerMemory.limit = 16 * MiB;
    server = await rawServer();
    proxy = await testProxy(server.port, { maxPacketSize: 4 * MiB });
    const base = retainedBuffers();
    const usedBefore = framerMemory.used;
    const N = 20;
    const pkt = publishHead(4 * MiB - 16);
    const part = Buffer.concat([Buffer.from(pkt.head), Buffer.alloc(3 * MiB, 0x61)]); // 3 of the packet's 4 MiB
    const want = createHash('sha256').update(part).digest('hex');
    const socks: net.Socket[] = [];
    for (let i = 0; i < N; i++) {
      const c = await connect(proxy.port);
      socks.push(c);
      c.write(part);
    }
    await waitFor(() => server!.accepted.length === N, 10_000, 'every upstream connection');
    const got = server.accepted.map((s) => {
      const h = createHash('sha256');
      let n = 0;
      s.on('data', (d: Buffer) => { h.update(d); n += d.length; });
      return { n: () => n, digest: () => h.digest('hex') };
    });
    await waitFor(() => got.every((g) => g.n() === part.length), 15_000, 'the bytes to be forwarded');
    expect(got.map((g) => g.digest())).toEqual(Array(N).fill(want));
    const held = (retainedBuffers() - base) / MiB;
    // Without the cap: 20 × 3 MiB (and more, buffers grow by doubling). With it: 16 MiB and the slack of small reads.
    expect(held).toBeLessThan(32);
    const full = proxy.findings().filter((f) => f.extra['note'] === 'decoder-memory-full');
    expect(full.length).toBeGreaterThan(N / 2);
    expect(full[0]!.code).toBe('stream-gap');
    expect(full[0]!.text).toMatch(/^client→broker: packet of 4194288 bytes was not decoded: unfinished packets already hold [\d.]+ MiB of the 16 MiB the decoder buffers for all connections together/);
    for (const s of server.accepted) { s.on('end', () => s.end()); s.resume(); }
    for (const c of socks) c.destroy();
    await waitFor(() => proxy!.stats().active === 0, 10_000, 'every connection to close');
    expect(framerMemory.used).toBe(usedBefore);
    // A new connection's large packet is decoded again.
    const c = await connect(proxy.port);
    // The new connection's upstream side (next() would hand out the first of the N above, never taken).
    await waitFor(() => server!.accepted.length === N + 1, 10_000, 'the new upstream connection');
    const s = server.accepted[N]!;
    s.resume();
    const before = proxy.packets().length;
    const whole = Buffer.concat([Buffer.from(pkt.head), Buffer.alloc(pkt.bodyLen, 0x62)]);
    c.write(whole);
    await waitFor(() => proxy!.packets().length > before, 10_000, 'the packet to be decoded');
    expect(proxy.packets().at(-1)!.size).toBe(4 * MiB - 16);
    c.destroy();
  }, 30_000);
});
