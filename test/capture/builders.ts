// Test helpers: build pcap / pcapng files and link-layer frames in code, and a
// recording stand-in for the Engine.
import { encodeVarint } from '../../src/protocol/varint.js';
import type { EngineLike } from '../../src/capture/capture-session.js';
import { ethernetFrame, ipTcpPacket, MAC_CLIENT, MAC_SERVER, parseIPv4, type TcpFields } from '../../src/capture/frame-builder.js';
import type { ConnMeta, Direction } from '../../src/model/types.js';
import { isIP } from 'node:net';

export interface Rec {
  timeUs: number;
  data: Buffer;
  origLen?: number;
  linkType?: number; // pcapng: interface id chosen by caller
  iface?: number;
}

export function pcapFile(recs: Rec[], o: { nanos?: boolean; be?: boolean; linkType?: number; snap?: number } = {}): Buffer {
  const le = !o.be;
  const u32 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off));
  const u16 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
  const g = Buffer.alloc(24);
  u32(g, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(g, 2, 4);
  u16(g, 4, 6);
  u32(g, o.snap ?? 262144, 16);
  u32(g, o.linkType ?? 1, 20);
  const parts = [g];
  for (const r of recs) {
    const h = Buffer.alloc(16);
    u32(h, Math.floor(r.timeUs / 1e6), 0);
    u32(h, o.nanos ? (r.timeUs % 1e6) * 1000 + 999 : r.timeUs % 1e6, 4);
    u32(h, r.data.length, 8);
    u32(h, r.origLen ?? r.data.length, 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

/** pcapng builder; blocks are appended in order. */
export class PcapngBuilder {
  private parts: Buffer[] = [];
  private le = true;

  private block(type: number, body: Buffer): void {
    const pad = (4 - (body.length % 4)) % 4;
    const len = 12 + body.length + pad;
    const b = Buffer.alloc(len);
    this.w32(b, type, 0);
    this.w32(b, len, 4);
    body.copy(b, 8);
    this.w32(b, len, len - 4);
    this.parts.push(b);
  }

  private w32(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }

  private w16(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }

  section(be = false): this {
    this.le = !be;
    const body = Buffer.alloc(16);
    this.w32(body, 0x1a2b3c4d, 0);
    this.w16(body, 1, 4);
    this.w16(body, 0, 6);
    body.writeBigInt64LE(-1n, 8);
    this.block(0x0a0d0d0a, body);
    return this;
  }

  /** tsresol byte as in if_tsresol (e.g. 6 = µs, 9 = ns, 0x80|20 = 2^-20); tsoffset is if_tsoffset in seconds. */
  iface(linkType: number, tsresol?: number, snap = 0, tsoffset?: bigint): this {
    const opts: Buffer[] = [];
    if (tsresol !== undefined) {
      const o = Buffer.alloc(8);
      this.w16(o, 9, 0);
      this.w16(o, 1, 2);
      o[4] = tsresol;
      opts.push(o);
    }
    if (tsoffset !== undefined) {
      const o = Buffer.alloc(12);
      this.w16(o, 14, 0);
      this.w16(o, 8, 2);
      if (this.le) o.writeBigInt64LE(tsoffset, 4);
      else o.writeBigInt64BE(tsoffset, 4);
      opts.push(o);
    }
    const end = Buffer.alloc(4);
    const body = Buffer.alloc(8);
    this.w16(body, linkType, 0);
    this.w32(body, snap, 4);
    this.block(1, Buffer.concat([body, ...opts, end]));
    return this;
  }

  private ts(units: bigint): [number, number] {
    return [Number(units >> 32n), Number(units & 0xffffffffn)];
  }

  epb(iface: number, units: bigint, data: Buffer, origLen = data.length): this {
    const h = Buffer.alloc(20);
    const [hi, lo] = this.ts(units);
    this.w32(h, iface, 0);
    this.w32(h, hi, 4);
    this.w32(h, lo, 8);
    this.w32(h, data.length, 12);
    this.w32(h, origLen, 16);
    this.block(6, Buffer.concat([h, data]));
    return this;
  }

  pb(iface: number, units: bigint, data: Buffer): this {
    const h = Buffer.alloc(20);
    const [hi, lo] = this.ts(units);
    this.w16(h, iface, 0);
    this.w32(h, hi, 4);
    this.w32(h, lo, 8);
    this.w32(h, data.length, 12);
    this.w32(h, data.length, 16);
    this.block(2, Buffer.concat([h, data]));
    return this;
  }

  spb(data: Buffer): this {
    const h = Buffer.alloc(4);
    this.w32(h, data.length, 0);
    this.block(3, Buffer.concat([h, data]));
    return this;
  }

  unknown(type: number, body = Buffer.alloc(8)): this {
    this.block(type, body);
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export const CLIENT = { host: '10.0.0.1', port: 50000 };
export const SERVER = { host: '10.0.0.2', port: 1883 };

/** An Ethernet frame with IP+TCP from a to b. */
export function tcpFrame(src: { host: string; port: number }, dst: { host: string; port: number }, t: Omit<TcpFields, 'srcPort' | 'dstPort'>, vlans: number[] = []): Buffer {
  const ip = ipTcpPacket(src.host, dst.host, { ...t, srcPort: src.port, dstPort: dst.port });
  return ethernetFrame(MAC_SERVER, MAC_CLIENT, isIP(src.host) === 6 ? 0x86dd : 0x0800, ip, vlans);
}

/** The bare IP packet (for raw/SLL/loopback link types). */
export function ipOnly(src: { host: string; port: number }, dst: { host: string; port: number }, t: Omit<TcpFields, 'srcPort' | 'dstPort'>): Buffer {
  return ipTcpPacket(src.host, dst.host, { ...t, srcPort: src.port, dstPort: dst.port });
}

export function sll(ip: Buffer, ethertype = 0x0800): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(ethertype, 14);
  return Buffer.concat([h, ip]);
}

export function sll2(ip: Buffer, ethertype = 0x0800): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ethertype, 0);
  h.writeUInt32BE(1, 4);
  h.writeUInt16BE(1, 8);
  h[11] = 6;
  return Buffer.concat([h, ip]);
}

export function nullLink(ip: Buffer, af = 2, be = false): Buffer {
  const h = Buffer.alloc(4);
  if (be) h.writeUInt32BE(af, 0);
  else h.writeUInt32LE(af, 0);
  return Buffer.concat([h, ip]);
}

/** Split an IPv4 packet into fragments of `size` payload bytes (multiple of 8). */
export function fragmentIPv4(pkt: Buffer, size: number): Buffer[] {
  const hdr = pkt.subarray(0, 20);
  const body = pkt.subarray(20);
  const out: Buffer[] = [];
  for (let off = 0; off < body.length; off += size) {
    const part = body.subarray(off, Math.min(body.length, off + size));
    const h = Buffer.from(hdr);
    h.writeUInt16BE(20 + part.length, 2);
    const more = off + size < body.length;
    h.writeUInt16BE((more ? 0x2000 : 0) | (off / 8), 6);
    h.writeUInt16BE(0, 10);
    out.push(Buffer.concat([h, part]));
  }
  return out;
}

export { parseIPv4 };

export const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01, RST = 0x04;

/** MQTT 3.1.1 CONNECT with client id `id`. */
export function connectPacket(id = 'c1', level = 4): Buffer {
  const name = level === 3 ? 'MQIsdp' : 'MQTT';
  const body = Buffer.concat([
    Buffer.from([0, name.length]), Buffer.from(name), Buffer.from([level, 0x02, 0, 60]),
    ...(level === 5 ? [Buffer.from([0])] : []),
    Buffer.from([0, id.length]), Buffer.from(id),
  ]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

export function varint(n: number): Buffer {
  return Buffer.from(encodeVarint(n));
}

export function publishPacket(topic: string, payload: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), Buffer.from(topic), payload]);
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]);
}

export const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

type EngineEvent =
  | { ev: 'open'; meta: ConnMeta; time: number; midstream: boolean }
  | { ev: 'data'; id: string; dir: Direction; bytes: Buffer; time: number; frame?: number }
  | { ev: 'gap'; id: string; dir: Direction; time: number; frame: number; lost?: number }
  | { ev: 'close'; id: string; time: number; how?: string }
  | { ev: 'end'; time: number };

/** Records what the capture session tells the engine. */
export class RecordingEngine implements EngineLike {
  events: EngineEvent[] = [];
  open(meta: ConnMeta, time: number, opts: { midstream?: boolean } = {}): void {
    this.events.push({ ev: 'open', meta, time, midstream: !!opts.midstream });
  }
  data(id: string, dir: Direction, chunk: Uint8Array, time: number, frame?: number): void {
    this.events.push({ ev: 'data', id, dir, bytes: Buffer.from(chunk), time, frame });
  }
  gap(id: string, dir: Direction, time: number, frame: number, lost?: number): void {
    this.events.push({ ev: 'gap', id, dir, time, frame, lost });
  }
  close(id: string, time: number, how?: string, by?: Direction): void {
    this.events.push({ ev: 'close', id, time, how, ...(by !== undefined ? { by } : {}) });
  }
  end(time: number): void {
    this.events.push({ ev: 'end', time });
  }
  opens(): Extract<EngineEvent, { ev: 'open' }>[] {
    return this.events.filter((e): e is Extract<EngineEvent, { ev: 'open' }> => e.ev === 'open');
  }
  /** Concatenated bytes per connection and direction. */
  stream(dir: Direction, id?: string): Buffer {
    return Buffer.concat(this.events.flatMap((e) => (e.ev === 'data' && e.dir === dir && (id === undefined || e.id === id) ? [e.bytes] : [])));
  }
  of<K extends EngineEvent['ev']>(k: K): Extract<EngineEvent, { ev: K }>[] {
    return this.events.filter((e): e is Extract<EngineEvent, { ev: K }> => e.ev === k);
  }
}

/**
 * A TCP conversation as a list of frames: handshake, data segments (each
 * direction's chunks), FIN exchange. Returns link-layer frames with times.
 */
export function conversation(
  chunks: { dir: Direction; bytes: Buffer }[],
  o: {
    client?: { host: string; port: number }; server?: { host: string; port: number }; handshake?: boolean; fin?: boolean; wrap?: (ip: Buffer) => Buffer; t0?: number;
    /** Initial sequence numbers (default 1000 and 5000): a real new connection on the same ports has others. */
    isn?: { client: number; server: number };
  } = {},
): Rec[] {
  const c = o.client ?? CLIENT;
  const s = o.server ?? SERVER;
  let cs = o.isn?.client ?? 1000;
  let ss = o.isn?.server ?? 5000;
  let t = o.t0 ?? 1_700_000_000_000_000;
  const recs: Rec[] = [];
  const mk = (dir: Direction, flags: number, payload?: Buffer) => {
    const [a, b] = dir === 'c2s' ? [c, s] : [s, c];
    const fields = { seq: dir === 'c2s' ? cs : ss, ack: dir === 'c2s' ? ss : cs, flags, payload };
    const data = o.wrap ? o.wrap(ipOnly(a, b, fields)) : tcpFrame(a, b, fields);
    recs.push({ timeUs: (t += 1000), data });
  };
  if (o.handshake !== false) {
    mk('c2s', SYN); cs++;
    mk('s2c', SYN | ACK); ss++;
    mk('c2s', ACK);
  }
  for (const ch of chunks) {
    mk(ch.dir, ACK | PSH, ch.bytes);
    if (ch.dir === 'c2s') cs += ch.bytes.length;
    else ss += ch.bytes.length;
  }
  if (o.fin !== false) {
    mk('c2s', FIN | ACK); cs++;
    mk('s2c', FIN | ACK); ss++;
    mk('c2s', ACK);
  }
  return recs;
}
