// Time-boxed decoding must not change what is decoded. The same traffic of three
// connections, with the analysis, goes (a) straight into an Engine, a chunk at a
// time, and (b) through the proxy's DecodeTap, where a fake clock makes decoding
// "slow" so chunks are queued and cut into pieces, and the loop's turns run at
// random points. Packets, notes and findings must come out the same, in the same
// order (and with the same timestamps: a piece keeps its chunk's time).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import type { ConnMeta, Direction } from '../../src/model/types.js';
import { DecodeTap } from '../../src/proxy/decode-tap.js';
import { concat, connack, connect, packet, publish, subscribe, suback, PINGREQ, PINGRESP, T0 } from '../soak/wire.js';

const puback = (id: number): Uint8Array => packet(0x40, [id >> 8, id & 0xff]);

const meta = (n: number): ConnMeta => ({ id: `10.0.0.${n}:5000${n}-10.0.0.9:1883`, client: { host: `10.0.0.${n}`, port: 50000 + n }, server: { host: '10.0.0.9', port: 1883 }, transport: 'tcp' });
const CONNS = [meta(1), meta(2), meta(3)];

/** One event of the traffic: bytes of a connection in one direction, or a tick. */
type Ev = { conn: number; dir: Direction; bytes: Uint8Array } | { tick: true };

/** A publisher (conn 0), a subscriber (conn 1) and a client that sends garbage now and then (conn 2). */
function traffic(n: number, garbage: number[]): Ev[] {
  const ev: Ev[] = [];
  const add = (conn: number, dir: Direction, bytes: Uint8Array): void => { ev.push({ conn, dir, bytes }); };
  for (let c = 0; c < 3; c++) { add(c, 'c2s', connect(`c${c}`)); add(c, 's2c', connack()); }
  add(1, 'c2s', subscribe(1, 'sensors/#', 1));
  add(1, 's2c', suback(1, 1));
  for (let i = 0; i < n; i++) {
    const id = (i % 65535) + 1;
    add(0, 'c2s', publish(`sensors/${i % 7}`, `v=${i}`, { qos: 1, id }));
    add(0, 's2c', puback(id));
    // The broker drops every fifth delivery: findings come out of the analysis.
    if (i % 5 !== 4) { add(1, 's2c', publish(`sensors/${i % 7}`, `v=${i}`, { qos: 1, id })); add(1, 'c2s', puback(id)); }
    if (garbage.includes(i)) add(2, 'c2s', new Uint8Array([0xf5, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    else if (i % 3 === 0) { add(2, 'c2s', PINGREQ); add(2, 's2c', PINGRESP); }
    if (i % 50 === 49) ev.push({ tick: true });
  }
  return ev;
}

/** Merge the events of one connection and direction that follow each other into chunks cut at `cuts`. */
function chunked(ev: Ev[], cut: (i: number) => boolean): Ev[] {
  const out: Ev[] = [];
  for (const [i, e] of ev.entries()) {
    const last = out.at(-1);
    if ('bytes' in e && last !== undefined && 'bytes' in last && last.conn === e.conn && last.dir === e.dir && !cut(i)) {
      out[out.length - 1] = { conn: e.conn, dir: e.dir, bytes: concat([last.bytes, e.bytes]) };
    } else out.push(e);
  }
  return out;
}

/** What a record says, minus the engine's running sequence number. */
function key(r: OutputRecord): string {
  if (r.kind === 'packet') return `P ${r.conn.id} ${r.dir} ${r.time} ${Buffer.from(r.bytes).toString('hex')} ${r.summary.notes.map((x) => x.code).join(',')}`;
  if (r.kind === 'finding') return `F ${r.code} ${r.conn} ${r.time} ${r.text}`;
  return r.kind;
}

function direct(ev: Ev[]): string[] {
  const out: string[] = [];
  const emit = (r: OutputRecord): void => { out.push(key(r)); };
  const engine = new Engine({ onRecord: emit, observers: [new Analyzer(emit, { deliveryWindowUs: 2_000_000 })] });
  for (const m of CONNS) engine.open(m, T0);
  let t = T0;
  for (const e of ev) {
    t += 1000;
    if ('tick' in e) engine.tick(t);
    else engine.data(CONNS[e.conn]!.id, e.dir, e.bytes, t);
  }
  for (const m of CONNS) engine.close(m.id, t + 1, 'fin', 'c2s');
  engine.end(t + 2);
  return out;
}

function scheduled(ev: Ev[], costPerByte: number, turnAt: (i: number) => boolean): { out: string[]; queuedPeak: number } {
  const out: string[] = [];
  const emit = (r: OutputRecord): void => { out.push(key(r)); };
  const engine = new Engine({ onRecord: emit, observers: [new Analyzer(emit, { deliveryWindowUs: 2_000_000 })] });
  let now = 0;
  const deferred: (() => void)[] = [];
  const tap = new DecodeTap(engine, emit, undefined, {
    sliceMs: 1,
    maxQueuedPerConn: 2048,
    clock: () => now,
    defer: (f) => { deferred.push(f); },
  });
  // Decoding "costs" fake time: wrap the engine's data() so the clock moves with the bytes.
  const data = engine.data.bind(engine);
  engine.data = (id, dir, chunk, time, frame) => { now += chunk.length * costPerByte; data(id, dir, chunk, time, frame); };
  const turn = (): void => { const fs = deferred.splice(0); for (const f of fs) f(); };
  for (const m of CONNS) tap.open(m, T0);
  let t = T0;
  for (const [i, e] of ev.entries()) {
    t += 1000;
    if ('tick' in e) tap.tick(t);
    else tap.data(CONNS[e.conn]!.id, e.dir, e.bytes, t);
    if (turnAt(i)) turn();
  }
  for (const m of CONNS) tap.close(m.id, t + 1, 'fin', 'c2s');
  const peak = tap.peakQueued;
  tap.flush();
  engine.end(t + 2);
  return { out, queuedPeak: peak };
}

describe('DecodeTap with the real Engine and Analyzer', () => {
  it('property: queueing and cutting chunks into pieces changes nothing in the records', () => {
    fc.assert(fc.property(
      fc.integer({ min: 20, max: 150 }),
      fc.array(fc.integer({ min: 0, max: 149 }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.double({ min: 0.0005, max: 0.02, noNaN: true }),
      (n, garbage, seed, cost) => {
        let s = seed;
        const rnd = (): number => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
        const ev = chunked(traffic(n, garbage), () => rnd() < 0.5);
        const want = direct(ev);
        const got = scheduled(ev, cost, () => rnd() < 0.2);
        expect(got.out).toEqual(want);
      },
    ), { numRuns: 60 });
  });

  it('the slow case really queues: a long run with costly decoding builds a queue and still matches', () => {
    const ev = chunked(traffic(400, [100, 250]), () => false);
    const got = scheduled(ev, 0.05, (i) => i % 40 === 0);
    expect(got.queuedPeak).toBeGreaterThan(2048);
    expect(got.out).toEqual(direct(ev));
    // Findings from the analysis (dropped deliveries) and the garbage are among them.
    expect(got.out.some((k) => k.startsWith('F '))).toBe(true);
  });
});
