// WebSocket clients that each start a big message and never finish it. ws hands a
// message on only once it is complete, so until then the proxy holds it: maxPayload
// caps one message, not how many connections hold one. 30 clients each holding 15 MiB
// of a 16 MiB message took the proxy from 60 MiB to 540 MiB of RSS. All WebSocket
// clients together are now capped (256 MiB by default, 1 MiB here): past it, a client
// whose unfinished message passes 64 KiB is closed, with one log line.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor, wsProxyPerTest } from '../proxy/helpers.js';
import { wsClient } from './ws-client.js';

const KiB = 1024;
const ws = wsProxyPerTest();
const socks = ws.socks;

/** One masked frame with an all-zero mask (so the payload goes as is). */
function frame(opcode: number, fin: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  // FIN bit and opcode (2: binary, 0: continuation).
  h[0] = (fin ? 0x80 : 0) | opcode;
  // MASK bit, 127: a 64-bit length follows.
  h[1] = 0x80 | 127;
  // The payload length.
  h.writeBigUInt64BE(BigInt(payload.length), 2);
  // The masking key, 00 00 00 00.
  h.writeUInt32BE(0, 10);
  return Buffer.concat([h, payload]);
}

describe('unfinished WebSocket messages across connections', () => {
  it('closes the client that takes the total over the cap, and keeps the others', async () => {
    const { proxy, broker } = await ws.start({ maxWsUnfinishedBytes: 1024 * KiB });
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = await wsClient(proxy.wsPort!, socks);
      // The first fragment of a binary message, 400 KiB, without FIN.
      c.sock.write(frame(2, false, Buffer.alloc(400 * KiB, 0x41)));
      clients.push(c);
      await waitFor(() => proxy.connections().length === i + 1 || proxy.logs.length > 0, 5000, 'the connection');
      await new Promise((r) => setTimeout(r, 100));
    }
    // 400 + 400 KiB fit under 1 MiB; the third client takes it to 1200 KiB.
    await Promise.race([clients[2]!.closed, new Promise((_, no) => setTimeout(() => no(new Error('the third client was not closed')), 5000))]);
    expect(proxy.logs).toHaveLength(1);
    expect(proxy.logs[0]).toMatch(/^client 127\.0\.0\.1:\d+ holds an unfinished WebSocket message of \d+ bytes while all WebSocket clients hold \d+ \(more than 1048576\); closing the connection$/);
    await waitFor(() => proxy.connections().length === 2, 5000, 'the close');
    // The first client finishes its message: all of it reaches the broker.
    const up = await broker.next();
    const got: Buffer[] = [];
    up.on('data', (c: Buffer) => got.push(c));
    clients[0]!.sock.write(frame(0, true, Buffer.alloc(100 * KiB, 0x42)));
    await waitFor(() => got.reduce((n, c) => n + c.length, 0) === 500 * KiB, 5000, 'the message');
    const want = Buffer.concat([Buffer.alloc(400 * KiB, 0x41), Buffer.alloc(100 * KiB, 0x42)]);
    expect(createHash('sha256').update(Buffer.concat(got)).digest('hex')).toBe(createHash('sha256').update(want).digest('hex'));
  });

  it('what closed clients held is given back: later clients are measured against the cap afresh', async () => {
    const { proxy } = await ws.start({ maxWsUnfinishedBytes: 1024 * KiB });
    // 20 clients one after the other, each 200 KiB into a message, then gone (4000 KiB in all).
    for (let i = 0; i < 20; i++) {
      const c = await wsClient(proxy.wsPort!, socks);
      c.sock.write(frame(2, false, Buffer.alloc(200 * KiB, 0x41)));
      await waitFor(() => proxy.connections().length === 1, 5000, 'the connection');
      await new Promise((r) => setTimeout(r, 20));
      c.sock.destroy();
      await waitFor(() => proxy.connections().length === 0, 5000, 'the close');
    }
    // 900 + 100 KiB is under 1 MiB: neither is closed.
    const a = await wsClient(proxy.wsPort!, socks);
    a.sock.write(frame(2, false, Buffer.alloc(900 * KiB, 0x41)));
    await new Promise((r) => setTimeout(r, 100));
    const b = await wsClient(proxy.wsPort!, socks);
    b.sock.write(frame(2, false, Buffer.alloc(100 * KiB, 0x41)));
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.logs).toEqual([]);
    expect(proxy.connections()).toHaveLength(2);
  });

  it('never closes one client on its own, even with a message larger than the cap', async () => {
    const { proxy, broker } = await ws.start({ maxWsUnfinishedBytes: 256 * KiB });
    const c = await wsClient(proxy.wsPort!, socks);
    const up = await broker.next();
    const got: Buffer[] = [];
    up.on('data', (x: Buffer) => got.push(x));
    // 1 MiB in four fragments of 256 KiB.
    for (let i = 0; i < 4; i++) c.sock.write(frame(i === 0 ? 2 : 0, i === 3, Buffer.alloc(256 * KiB, 0x30 + i)));
    await waitFor(() => got.reduce((n, x) => n + x.length, 0) === 1024 * KiB, 5000, 'the message');
    expect(proxy.logs).toEqual([]);
    expect(proxy.connections()).toHaveLength(1);
  });
});
