// Hand-built MQTT packets for the soak tests. mqtt-packet's generate() costs a
// few microseconds a call, which is most of the run time when a test opens
// hundreds of thousands of connections; these are plain byte pushes.
import { Analyzer, type AnalyzerOptions } from '../../src/analysis/index.js';
import { getGc } from '../../src/cli/heap.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding, OutputRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';

const enc = new TextEncoder();

/** Packets back to back, as one read. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function varint(n: number, out: number[]): void {
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
}

function str(s: string | Uint8Array, out: number[]): void {
  const b = typeof s === 'string' ? enc.encode(s) : s;
  out.push(b.length >> 8, b.length & 0xff);
  for (const x of b) out.push(x);
}

/** Fixed header + body. */
export function packet(first: number, body: number[] | Uint8Array): Uint8Array {
  const head: number[] = [first];
  varint(body.length, head);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

export interface ConnectOpts {
  version?: 4 | 5;
  clean?: boolean;
  keepAlive?: number;
  will?: { topic: string; payload: Uint8Array; delaySeconds?: number };
  username?: string;
  /** MQTT 5 Session Expiry Interval (seconds): a will's delay ends with the session at the latest. */
  sessionExpiry?: number;
}

export function connect(clientId: string, o: ConnectOpts = {}): Uint8Array {
  const v = o.version ?? 4;
  const b: number[] = [];
  str('MQTT', b);
  b.push(v);
  let flags = o.clean === false ? 0 : 0x02;
  if (o.will) flags |= 0x04;
  if (o.username !== undefined) flags |= 0x80;
  b.push(flags, (o.keepAlive ?? 60) >> 8, (o.keepAlive ?? 60) & 0xff);
  if (v === 5) {
    const e = o.sessionExpiry;
    // CONNECT properties: none, or Session Expiry Interval (0x11, four bytes).
    if (e === undefined) b.push(0);
    else b.push(5, 0x11, (e >>> 24) & 0xff, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff);
  }
  str(clientId, b);
  if (o.will) {
    if (v === 5) {
      if (o.will.delaySeconds !== undefined) {
        const d = o.will.delaySeconds;
        b.push(5, 0x18, (d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
      } else b.push(0);
    }
    str(o.will.topic, b);
    str(o.will.payload, b);
  }
  if (o.username !== undefined) str(o.username, b);
  return packet(0x10, b);
}

export function connack(o: { version?: 4 | 5; code?: number; sessionPresent?: boolean } = {}): Uint8Array {
  const b = [o.sessionPresent ? 1 : 0, o.code ?? 0];
  if (o.version === 5) b.push(0);
  return packet(0x20, b);
}

export function publish(topic: string, payload: Uint8Array | string, o: { qos?: 0 | 1 | 2; id?: number; version?: 4 | 5; alias?: number; retain?: boolean } = {}): Uint8Array {
  const b: number[] = [];
  str(o.alias !== undefined && topic === '' ? '' : topic, b);
  const qos = o.qos ?? 0;
  if (qos > 0) b.push((o.id ?? 1) >> 8, (o.id ?? 1) & 0xff);
  if (o.version === 5) {
    if (o.alias !== undefined) b.push(3, 0x23, o.alias >> 8, o.alias & 0xff);
    else b.push(0);
  }
  const p = typeof payload === 'string' ? enc.encode(payload) : payload;
  const body = new Uint8Array(b.length + p.length);
  body.set(b, 0);
  body.set(p, b.length);
  return packet(0x30 | (qos << 1) | (o.retain ? 1 : 0), body);
}

export function subscribe(id: number, filter: string, qos = 0): Uint8Array {
  const b: number[] = [id >> 8, id & 0xff];
  str(filter, b);
  b.push(qos);
  return packet(0x82, b);
}

export function suback(id: number, code = 0): Uint8Array {
  return packet(0x90, [id >> 8, id & 0xff, code]);
}

export function unsubscribe(id: number, filter: string): Uint8Array {
  const b: number[] = [id >> 8, id & 0xff];
  str(filter, b);
  return packet(0xa2, b);
}

export function unsuback(id: number): Uint8Array {
  return packet(0xb0, [id >> 8, id & 0xff]);
}

export const PINGREQ = new Uint8Array([0xc0, 0]);
export const PINGRESP = new Uint8Array([0xd0, 0]);
export const DISCONNECT = new Uint8Array([0xe0, 0]);

export const T0 = 1_790_000_000_000_000;

/** The Engine and the Analyzer in one process, with counters instead of kept records. */
export class Rig {
  readonly analyzer: Analyzer;
  readonly engine: Engine;
  time = T0;
  packets = 0;
  findings = 0;
  readonly byCode = new Map<string, number>();
  /** The first few findings, for messages. */
  readonly sample: Finding[] = [];
  /** Sees every record and finding too, in order (a test that keeps some, as the TUI's ring does). */
  tap: ((r: OutputRecord) => void) | null = null;
  private port = 0;

  constructor(opts: AnalyzerOptions = {}, engineOpts: { maxPacketSize?: number } = {}) {
    const onFinding = (f: Finding): void => {
      this.findings++;
      this.byCode.set(f.code, (this.byCode.get(f.code) ?? 0) + 1);
      if (this.sample.length < 5) this.sample.push(f);
      this.tap?.(f);
    };
    this.analyzer = new Analyzer(onFinding, { keepFlows: 0, keepRecords: false, ...opts });
    this.engine = new Engine({
      onRecord: (r: OutputRecord) => {
        if (r.kind !== 'packet') { onFinding(r); return; }
        this.packets++;
        this.tap?.(r);
      },
      observers: [this.analyzer],
      ...engineOpts,
    });
  }

  /** A new connection (distinct address and port each time). */
  open(): string {
    const n = this.port++;
    const host = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const port = 1024 + (n % 60_000);
    const meta: ConnMeta = { id: `${host}:${port}-10.0.0.1:1883`, client: { host, port }, server: { host: '10.0.0.1', port: 1883 }, transport: 'tcp' };
    this.engine.open(meta, this.time);
    return meta.id;
  }

  c(id: string, bytes: Uint8Array): void { this.engine.data(id, 'c2s', bytes, this.time); }
  s(id: string, bytes: Uint8Array): void { this.engine.data(id, 's2c', bytes, this.time); }

  /** Move the clock by `us` microseconds and tick. */
  advance(us: number): void {
    this.time += us;
    this.engine.tick(this.time);
  }
}

/** Heap in use after full collections (the test process's own; needs no flag). */
export function retainedHeap(): number {
  const gc = getGc();
  if (!gc) throw new Error('no gc() available');
  gc(); gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes of ArrayBuffers (read buffers, payload copies) in use after full collections. */
export function retainedBuffers(): number {
  const gc = getGc();
  if (!gc) throw new Error('no gc() available');
  gc(); gc();
  return process.memoryUsage().arrayBuffers;
}

export const MiB = 1024 * 1024;
