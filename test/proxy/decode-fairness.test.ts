// One client flooding the proxy must not hold up the other connections: decoding
// (with the analysis and the line view, as `up` runs them) shares the thread with
// forwarding in time-boxed slices (src/proxy/decode-tap.ts). Real sockets, a real
// mosquitto upstream. Before the slices, decoding ran after every write, a whole
// read at a time: with `decodeSchedule: { sliceMs: Infinity }` (the old way) the
// second client's PINGREQ round trip in this test was 440 ms at the median
// (2026-11-24), against 12 ms with the default schedule.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { startProxy } from '../../src/proxy/index.js';
import type { ProxyHandle } from '../../src/proxy/types.js';
import { createView } from '../../src/views/index.js';
import { startTestMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { connect, connectPacket, waitFor } from './helpers.js';


/** The smallest packets there are: PINGREQs, 2 bytes each, so one read holds tens of thousands. */
const PINGREQ = Buffer.from([0xc0, 0x00]);
const FLOOD_WRITE = 65_536; // packets per write (128 KiB)

/** Resolves with the next `n` bytes' arrival on a socket (a byte counter). */
function counter(sock: net.Socket): { until(n: number): Promise<void>; readonly have: number } {
  let have = 0;
  let want = Infinity;
  let wake: (() => void) | null = null;
  sock.on('data', (c: Buffer) => {
    have += c.length;
    if (wake !== null && have >= want) { const w = wake; wake = null; w(); }
  });
  return {
    get have() { return have; },
    until(n) {
      want = n;
      return have >= n ? Promise.resolve() : new Promise((r) => { wake = r; });
    },
  };
}

interface Rig {
  proxy: ProxyHandle;
  pings: () => number;
  viewLines: () => number;
}

async function rig(broker: RunningMosquitto): Promise<Rig> {
  let pings = 0;
  let lines = 0;
  // The line view, as `up` prints it, to a sink that only counts.
  const view = createView('line', { out: { write: (s: string) => { lines += s.length > 0 ? 1 : 0; return true; } }, color: false, showSecrets: false });
  const onRecord = (r: OutputRecord): void => {
    if (r.kind === 'packet' && r.summary.type === 12 && r.clientId === 'flooder') pings++;
    view.record(r);
  };
  const analyzer = new Analyzer(onRecord, { keepRecords: false, keepFlows: 0 });
  const proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: broker.port },
    onRecord,
    engineOpts: { observers: [analyzer] },
    log: () => {},
  });
  return { proxy, pings: () => pings, viewLines: () => lines };
}

/**
 * A client flooding PINGREQs and, alongside it, `pings` PINGREQ round trips of a
 * second client. Returns the round trips (ms) and how many PUBLISHes were sent.
 */
async function floodAndProbe(port: number, pings: number, decoded: () => number): Promise<{ rtts: number[]; sent: number; flooder: net.Socket }> {
  const flooder = await connect(port);
  const fin = counter(flooder);
  flooder.write(connectPacket('flooder'));
  await fin.until(4);
  const probe = await connect(port);
  probe.setNoDelay(true);
  const pin = counter(probe);
  probe.write(connectPacket('prober'));
  await pin.until(4);

  const batch = Buffer.concat(Array.from({ length: FLOOD_WRITE }, () => PINGREQ));
  flooder.resume(); // its PINGRESPs are read and dropped
  let sent = 0;
  let stop = false;
  const flood = (async () => {
    while (!stop) {
      // Ahead of the decoder by up to 4 writes (512 KiB), and no further: far enough that
      // its reads always have a backlog, near enough that the test ends soon after the probes.
      if (sent - decoded() >= 4 * FLOOD_WRITE) { await new Promise((r) => setTimeout(r, 1)); continue; }
      sent += FLOOD_WRITE;
      if (!flooder.write(batch)) await new Promise((r) => flooder.once('drain', r));
    }
  })();
  // Let the flood build up first.
  await new Promise((r) => setTimeout(r, 300));
  const rtts: number[] = [];
  for (let i = 0; i < pings; i++) {
    const t0 = performance.now();
    probe.write(Buffer.from([0xc0, 0x00]));
    await pin.until(4 + 2 * (i + 1));
    rtts.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  await flood;
  probe.destroy();
  return { rtts, sent, flooder };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('decoding in slices: a flooding client does not hold up the others', () => {
  let broker: RunningMosquitto;
  beforeAll(async () => { broker = await startTestMosquitto(); });
  afterAll(async () => { await broker?.close(); });

  it('another client round-trips in milliseconds while one floods, and every flooded PINGREQ is still decoded', async () => {
    const r = await rig(broker);
    try {
      const { rtts, sent, flooder } = await floodAndProbe(r.proxy.port, 15, r.pings);
      // The flood really outran the decoder: bytes waited in the queue.
      expect(r.proxy.stats().decodeQueuedPeak).toBeGreaterThan(64 * 1024);
      // Measured 1.5 s at the median with decoding after every write; a few ms with slices.
      expect(median(rtts)).toBeLessThan(150);
      flooder.end();
      await waitFor(() => r.proxy.stats().active === 0, 20_000, 'the connections to close');
      await waitFor(() => r.pings() === sent, 20_000, `all ${sent} PINGREQs decoded (have ${r.pings()})`);
      // Queue bounded: the flooder was paused while the decoder caught up.
      expect(r.proxy.stats().decodeQueuedPeak).toBeLessThan(2 << 20);
      expect(r.proxy.stats().decodeQueuedBytes).toBe(0);
      expect(r.viewLines()).toBeGreaterThan(sent);
    } finally {
      await r.proxy.close();
    }
  }, 60_000);
});
