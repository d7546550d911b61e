// Builds Ethernet/IPv4/IPv6/TCP frames with correct checksums (used by the
// pcap writer and by tests).
import { isIP } from 'node:net';

export function parseIPv4(s: string): Buffer {
  const parts = s.split('.').map(Number);
  return Buffer.from(parts);
}

export function parseIPv6(s: string): Buffer {
  let str = s.replace(/%.*$/, ''); // drop a zone id
  // Embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex words.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(str);
  if (v4) {
    const b = parseIPv4(v4[1]!);
    str = `${str.slice(0, -v4[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const split = str.split('::');
  const words = (x: string | undefined) => (x ? x.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(split[0]);
  const r = split.length > 1 ? words(split[1]) : [];
  const all = [...h, ...new Array<number>(Math.max(0, 8 - h.length - r.length)).fill(0), ...r];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(all[i] ?? 0, i * 2);
  return out;
}

/** Ones' complement sum over the buffers, folded to 16 bits and inverted. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | null = null;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === null) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = null;
      }
    }
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  payload?: Uint8Array;
}

export function tcpSegment(t: TcpFields, pseudo: Buffer | null): Buffer {
  const payload = t.payload ?? new Uint8Array(0);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(t.srcPort, 0);
  h.writeUInt16BE(t.dstPort, 2);
  h.writeUInt32BE(t.seq >>> 0, 4);
  h.writeUInt32BE(t.ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = t.flags;
  h.writeUInt16BE(t.window ?? 65535, 14);
  if (pseudo) h.writeUInt16BE(inetChecksum(pseudo, h, payload), 16);
  return Buffer.concat([h, payload]);
}

export function ipv4Packet(src: string, dst: string, proto: number, payload: Buffer, opts: { id?: number; flagsFrag?: number; ttl?: number } = {}): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(opts.id ?? 0, 4);
  h.writeUInt16BE(opts.flagsFrag ?? 0x4000, 6);
  h[8] = opts.ttl ?? 64;
  h[9] = proto;
  parseIPv4(src).copy(h, 12);
  parseIPv4(dst).copy(h, 16);
  h.writeUInt16BE(inetChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

export function ipv6Packet(src: string, dst: string, next: number, payload: Buffer, hopLimit = 64): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = hopLimit;
  parseIPv6(src).copy(h, 8);
  parseIPv6(dst).copy(h, 24);
  return Buffer.concat([h, payload]);
}

function pseudoV4(src: string, dst: string, len: number): Buffer {
  const p = Buffer.alloc(12);
  parseIPv4(src).copy(p, 0);
  parseIPv4(dst).copy(p, 4);
  p[9] = 6;
  p.writeUInt16BE(len, 10);
  return p;
}

function pseudoV6(src: string, dst: string, len: number): Buffer {
  const p = Buffer.alloc(40);
  parseIPv6(src).copy(p, 0);
  parseIPv6(dst).copy(p, 16);
  p.writeUInt32BE(len, 32);
  p[39] = 6;
  return p;
}

/** A complete IPv4 or IPv6 packet carrying a TCP segment with a correct checksum. */
export function ipTcpPacket(src: string, dst: string, t: TcpFields, opts: { id?: number } = {}): Buffer {
  const len = 20 + (t.payload?.length ?? 0);
  if (isIP(src) === 6) return ipv6Packet(src, dst, 6, tcpSegment(t, pseudoV6(src, dst, len)));
  return ipv4Packet(src, dst, 6, tcpSegment(t, pseudoV4(src, dst, len)), { id: opts.id });
}

export const MAC_CLIENT = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
export const MAC_SERVER = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);

export function ethernetFrame(dstMac: Buffer, srcMac: Buffer, ethertype: number, payload: Buffer, vlans: number[] = []): Buffer {
  const tags = vlans.map((vid, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100, 0);
    t.writeUInt16BE(vid & 0x0fff, 2);
    return t;
  });
  const et = Buffer.alloc(2);
  et.writeUInt16BE(ethertype, 0);
  return Buffer.concat([dstMac, srcMac, ...tags, et, payload]);
}
