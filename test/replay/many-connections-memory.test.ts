// Memory of a replay must not grow with the number of connections in the
// capture beyond the report's small record of each: a finished connection's
// socket, decoder state, trackers and script (its answer matcher, its queues)
// were all kept to the end, about 9 KB per connection (450 MB for 50,000).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay, type ConnScript } from '../../src/replay/index.js';
import { CONNACK, connectPacket, conversation, pcapFile, type Rec } from '../capture/builders.js';

const CONNS = Number(process.env.CONNS ?? 3000);
const DISCONNECT = Buffer.from([
  0xe0, // DISCONNECT
  0x00, // Remaining Length
]);

function manyConnections(): Buffer {
  const recs: Rec[] = [];
  for (let i = 0; i < CONNS; i++) {
    // Each client: CONNECT, CONNACK, DISCONNECT, then FINs; 10 ms apart, one address each.
    recs.push(...conversation(
      [{ dir: 'c2s', bytes: connectPacket(`many-${i}`) }, { dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: DISCONNECT }],
      { client: { host: `10.1.${i >> 8}.${i & 255}`, port: 40000 + (i % 20000) }, t0: 1_700_000_000_000_000 + i * 10_000 },
    ));
  }
  return pcapFile(recs);
}

const alive = (refs: WeakRef<object>[]): number => refs.filter((r) => r.deref() !== undefined).length;

describe('replay of a capture with many short connections', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-many-'));
    file = join(dir, 'many.pcap');
    await writeFile(file, manyConnections());
  }, 60_000);
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets a finished connection go: sockets and scripts kept stay few, heap growth per connection stays small', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Every socket the player opens and every script it is handed, watched without being kept.
    const sockets: WeakRef<object>[] = [];
    const scripts: WeakRef<object>[] = [];
    const seen = new WeakSet<ConnScript>();
    const connect = net.connect;
    (net as { connect: unknown }).connect = (...args: Parameters<typeof net.connect>) => {
      const s = connect(...args);
      sockets.push(new WeakRef(s));
      return s;
    };
    const capture = openCapture(file);
    const next = capture.next.bind(capture);
    capture.next = async () => {
      const ev = await next();
      if (ev && !seen.has(ev.script)) { seen.add(ev.script); scripts.push(new WeakRef(ev.script)); }
      return ev;
    };
    // Checks are made on a later turn (WeakRefs made in the current job stay alive until it ends).
    const checks: { conns: number; heap: number; sockets: number; scripts: number }[] = [];
    const due = [CONNS / 4, (3 * CONNS) / 4];
    let pending: Promise<void> = Promise.resolve();
    try {
      const res = await replay(capture, {
        host: broker.host, port: broker.port, speed: 'max',
        onProgress: (_b, packets) => {
          // Two packets per connection: the CONNECT and the DISCONNECT.
          if (due.length > 0 && packets / 2 >= due[0]!) {
            due.shift();
            pending = pending.then(() => new Promise<void>((r) => setImmediate(() => {
              gc();
              checks.push({ conns: packets / 2, heap: process.memoryUsage().heapUsed, sockets: alive(sockets), scripts: alive(scripts) });
              r();
            })));
          }
        },
      });
      await pending;
      expect(res.conns).toHaveLength(CONNS);
      expect(res.identical).toBe(true);
      expect(res.conns.map((c) => c.script.index)).toEqual(Array.from({ length: CONNS }, (_, i) => i + 1));
      expect(formatReport(res, 'b').split('\n')[CONNS - 1]).toMatch(new RegExp(`^#${CONNS} .* client 'many-${CONNS - 1}': same answers \\(2 packet\\(s\\) sent, 1 answer\\(s\\) in the capture, 1 now\\)$`));
    } finally {
      (net as { connect: unknown }).connect = connect;
    }
    expect(checks).toHaveLength(2);
    const [a, b] = checks as [typeof checks[0], typeof checks[0]];
    // Only connections still being played are kept whole (before the fix: every one started so far).
    expect(b.sockets).toBeLessThan(50);
    expect(b.scripts).toBeLessThan(50);
    // Heap per connection played: the report record plus the capture reader's closed-connection
    // markers, which expire with capture time (about 2 KB here; before the fix about 9 KB).
    expect((b.heap - a.heap) / (b.conns - a.conns)).toBeLessThan(4500);
  }, 120_000);
});
