// IPv4 (with fragment reassembly), IPv6 (extension headers skipped, fragments
// reassembled) and the TCP header.
import type { CaptureNote } from './notes.js';

export interface TcpSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  /** Captured payload bytes. */
  payload: Buffer;
  /** Payload length on the wire (> payload.length when the frame was cut by the snap length). */
  wireLen: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The decoder's reusable view of the last TCP segment (IpDecoder.decodeAt): no
 * strings or Buffers are made per packet. IPv4 addresses are kept as numbers;
 * the payload is buf[start, end) and only valid until the next decode.
 */
export class TcpSegmentView {
  v6 = false;
  /** IPv4 addresses as unsigned 32-bit numbers (IPv4 only). */
  src4 = 0;
  dst4 = 0;
  /** Text addresses (IPv6 only; IPv4 ones are made on demand by srcHost/dstHost). */
  src6 = '';
  dst6 = '';
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  wireLen = 0;

  get srcHost(): string {
    return this.v6 ? this.src6 : ipv4FromNumber(this.src4);
  }

  get dstHost(): string {
    return this.v6 ? this.dst6 : ipv4FromNumber(this.dst4);
  }

  get payloadLength(): number {
    return this.end - this.start;
  }
}

export function ipv4FromNumber(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** decodeAt results. */
export const IP_NONE = 0;
export const IP_TCP = 1;
export const IP_BAD = 2;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export type IpResult =
  | { kind: 'tcp'; seg: TcpSegment }
  | { kind: 'none' } // not TCP, or a fragment still waiting for the rest
  | { kind: 'bad'; note: Omit<CaptureNote, 'frame'> };

interface FragBuf {
  parts: { off: number; data: Buffer }[];
  total: number; // -1 until the last fragment is seen
  bytes: number;
  firstFrame: number;
  lastSeen: number;
  header: { src: string; dst: string; proto: number };
}

export interface IpDecoderOptions {
  /** Most fragment reassemblies held at once. */
  maxFragmentSets?: number;
  /** Most bytes held in fragments. */
  maxFragmentBytes?: number;
  /** A set not completed within this many µs of capture time is dropped. */
  fragmentTimeoutUs?: number;
}

export function ipv4String(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form of a 16-byte IPv6 address. */
export function ipv6String(b: Uint8Array, o: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  // Longest run of zero words (length >= 2) becomes '::'.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export class IpDecoder {
  private readonly frags = new Map<string, FragBuf>();
  private fragBytes = 0;
  private readonly maxSets: number;
  private readonly maxBytes: number;
  private readonly timeoutUs: number;
  /** Notes about fragment sets given up; drained by the caller. */
  readonly pendingNotes: CaptureNote[] = [];

  constructor(opts: IpDecoderOptions = {}) {
    this.maxSets = opts.maxFragmentSets ?? 1024;
    this.maxBytes = opts.maxFragmentBytes ?? 16 * 1024 * 1024;
    this.timeoutUs = opts.fragmentTimeoutUs ?? 60_000_000;
  }

  /** The last segment decoded by decodeAt (reused: copy what you keep). */
  readonly seg = new TcpSegmentView();
  /** The note of the last IP_BAD result. */
  badNote: Omit<CaptureNote, 'frame'> | null = null;

  decode(version: 4 | 6, b: Buffer, offset: number, frame: number, timeUs: number, truncated: boolean): IpResult {
    const r = this.decodeAt(version === 6, b, offset, b.length, frame, timeUs, truncated);
    if (r === IP_BAD) return { kind: 'bad', note: this.badNote! };
    if (r === IP_NONE) return { kind: 'none' };
    const v = this.seg;
    return {
      kind: 'tcp',
      seg: {
        src: v.srcHost, dst: v.dstHost, srcPort: v.srcPort, dstPort: v.dstPort, seq: v.seq, ack: v.ack, flags: v.flags,
        payload: v.buf.subarray(v.start, v.end), wireLen: v.wireLen,
      },
    };
  }

  /**
   * Decode the IP packet at `offset` of a frame that ends at `end` (captured
   * bytes). IP_TCP: `seg` holds the segment; IP_BAD: `badNote` says why; IP_NONE:
   * not TCP, or a fragment still waiting for the rest.
   */
  decodeAt(v6: boolean, b: Buffer, offset: number, end: number, frame: number, timeUs: number, truncated: boolean): number {
    return v6 ? this.v6(b, offset, end, frame, timeUs, truncated) : this.v4(b, offset, end, frame, timeUs, truncated);
  }

  private bad(code: string, text: string): number {
    this.badNote = { severity: 'warn', code, text };
    return IP_BAD;
  }

  private v4(b: Buffer, o: number, bufEnd: number, frame: number, timeUs: number, truncated: boolean): number {
    if (bufEnd < o + 20) return this.bad('short-ip', 'IPv4 header cut short');
    const ihl = (b[o]! & 0x0f) * 4;
    // What tshark calls a bogus version, header length or total length, said by field.
    if (b[o]! >> 4 !== 4) return this.bad('bad-ip', `not a valid IPv4 header: its version field is ${b[o]! >> 4}, not 4`);
    if (ihl < 20) return this.bad('bad-ip', `not a valid IPv4 header: its header length is ${ihl} bytes, below the minimum of 20`);
    let total = (b[o + 2]! << 8) | b[o + 3]!;
    if (total !== 0 && total < ihl) return this.bad('bad-ip', `not a valid IPv4 header: its total length ${total} is less than its header length ${ihl}`);
    // Total length 0 happens with TCP segmentation offload: use what was captured.
    if (total === 0) total = bufEnd - o;
    const proto = b[o + 9]!;
    const flagsFrag = (b[o + 6]! << 8) | b[o + 7]!;
    const more = (flagsFrag & 0x2000) !== 0;
    const fragOff = (flagsFrag & 0x1fff) * 8;
    // Ethernet pads short frames: trust the IP total length, not the frame length.
    const end = Math.min(bufEnd, o + total);
    const wireEnd = truncated ? o + total : this.wholeFrame(o + total, bufEnd, frame, 'IPv4 total length', total);
    if (more || fragOff > 0) {
      if (proto !== 6) return IP_NONE;
      const src = ipv4String(b, o + 12);
      const dst = ipv4String(b, o + 16);
      const key = `4|${src}|${dst}|${(b[o + 4]! << 8) | b[o + 5]!}|${proto}`;
      const whole = this.fragment(key, fragOff, Buffer.from(b.subarray(o + ihl, end)), more, frame, timeUs, { src, dst, proto }, truncated || end < wireEnd);
      if (!whole) return IP_NONE;
      this.seg.v6 = false;
      this.seg.src4 = u32(b, o + 12);
      this.seg.dst4 = u32(b, o + 16);
      return this.tcp(whole, 0, whole.length, whole.length);
    }
    if (proto !== 6) return IP_NONE;
    this.seg.v6 = false;
    this.seg.src4 = u32(b, o + 12);
    this.seg.dst4 = u32(b, o + 16);
    return this.tcp(b, o + ihl, end, wireEnd);
  }

  private v6(b: Buffer, o: number, bufEnd: number, frame: number, timeUs: number, truncated: boolean): number {
    if (bufEnd < o + 40) return this.bad('short-ip', 'IPv6 header cut short');
    const plen = (b[o + 4]! << 8) | b[o + 5]!;
    let next = b[o + 6]!;
    const src = ipv6String(b, o + 8);
    const dst = ipv6String(b, o + 24);
    const claimed = o + 40 + (plen === 0 ? bufEnd - o - 40 : plen); // 0: jumbogram or TSO
    const wireEnd = truncated ? claimed : this.wholeFrame(claimed, bufEnd, frame, 'IPv6 payload length', plen);
    const end = Math.min(bufEnd, wireEnd);
    let p = o + 40;
    let frag: { off: number; more: boolean; id: number } | null = null;
    let fragStart = 0;
    // Skip extension headers: hop-by-hop 0, routing 43, fragment 44, AH 51, destination options 60.
    for (;;) {
      if (next === 6) break;
      if (next === 0 || next === 43 || next === 60 || next === 51 || next === 44) {
        if (p + 8 > end) return this.bad('short-ip', 'IPv6 extension header cut short');
        const nh = b[p]!;
        let len: number;
        if (next === 44) {
          const fo = (b[p + 2]! << 8) | b[p + 3]!;
          frag = { off: fo & 0xfff8, more: (fo & 1) !== 0, id: u32(b, p + 4) };
          len = 8;
          fragStart = p + 8;
        } else if (next === 51) {
          len = (b[p + 1]! + 2) * 4;
        } else {
          len = (b[p + 1]! + 1) * 8;
        }
        next = nh;
        p += len;
        if (frag && (frag.off > 0 || frag.more)) break; // later headers are inside the reassembled payload
        continue;
      }
      return IP_NONE; // not TCP (ESP, UDP, ICMPv6, no next header...)
    }
    this.seg.v6 = true;
    this.seg.src6 = src;
    this.seg.dst6 = dst;
    if (frag && (frag.off > 0 || frag.more)) {
      if (next !== 6) return IP_NONE;
      const key = `6|${src}|${dst}|${frag.id}`;
      const whole = this.fragment(key, frag.off, Buffer.from(b.subarray(fragStart, end)), frag.more, frame, timeUs, { src, dst, proto: next }, truncated || end < wireEnd);
      if (!whole) return IP_NONE;
      return this.tcp(whole, 0, whole.length, whole.length);
    }
    return this.tcp(b, p, end, wireEnd);
  }

  /**
   * Where an IP packet ends when its frame was captured whole (not cut by a snap length): a
   * length field claiming more than the frame holds is wrong, not bytes that went missing
   * (tshark: "IPv4 total length exceeds packet length", and it decodes what is there). Taking
   * it at its word made a stream-gap that cost the packets after it their framing.
   */
  private wholeFrame(claimedEnd: number, bufEnd: number, frame: number, field: string, value: number): number {
    if (claimedEnd <= bufEnd) return claimedEnd;
    this.pendingNotes.push({
      frame, severity: 'warn', code: 'ip-length-exceeds-frame',
      text: `frame ${frame}: the ${field} (${value}) claims ${claimedEnd - bufEnd} byte(s) more than the frame holds, yet the frame was captured whole; the length field is wrong, so the captured bytes are taken as the whole packet${field.startsWith('IPv4') ? ' (tshark: "IPv4 total length exceeds packet length")' : ''}`,
    });
    return bufEnd;
  }

  /** Parse the TCP header at `o` into `seg`; `end` is where captured bytes stop, `wireEnd` where the packet really ends. */
  private tcp(b: Buffer, o: number, end: number, wireEnd: number): number {
    if (end - o < 20) return this.bad('short-tcp', 'TCP header cut short');
    const hl = (b[o + 12]! >> 4) * 4;
    if (hl < 20) return this.bad('bad-tcp', 'TCP header length below 20 bytes');
    // The snap length cut the options (a SYN's 20 option bytes under `tcpdump -s 64`): the
    // fixed 20 bytes still give ports, seq, ack and flags, as tshark shows them; every payload
    // byte is missing. Without a cut, options running past the packet are malformed.
    let start = o + hl;
    if (start > end) {
      if (end >= wireEnd || start > wireEnd) return this.bad('short-tcp', 'TCP options cut short');
      start = end;
    }
    const v = this.seg;
    v.srcPort = (b[o]! << 8) | b[o + 1]!;
    v.dstPort = (b[o + 2]! << 8) | b[o + 3]!;
    v.seq = u32(b, o + 4);
    v.ack = u32(b, o + 8);
    v.flags = b[o + 13]!;
    v.buf = b;
    v.start = start;
    v.end = end;
    v.wireLen = Math.max(0, wireEnd - o - hl);
    return IP_TCP;
  }

  private fragment(
    key: string, off: number, data: Buffer, more: boolean, frame: number, timeUs: number,
    header: FragBuf['header'], cut: boolean,
  ): Buffer | null {
    this.expire(timeUs);
    let fb = this.frags.get(key);
    if (!fb && this.isDoneCopy(key, off, data, more, timeUs)) return null;
    if (!fb) {
      if (this.frags.size >= this.maxSets) this.dropOldest('too many IP fragment sets pending');
      fb = { parts: [], total: -1, bytes: 0, firstFrame: frame, lastSeen: timeUs, header };
      this.frags.set(key, fb);
    }
    if (cut) {
      this.pendingNotes.push({ frame, severity: 'warn', code: 'ip-fragment-incomplete', text: `frame ${frame}: IP fragment was not fully captured; the reassembled packet (first fragment in frame ${fb.firstFrame}) is dropped` });
      this.remove(key);
      return null;
    }
    fb.lastSeen = timeUs;
    fb.parts.push({ off, data });
    fb.bytes += data.length;
    this.fragBytes += data.length;
    if (!more) {
      // Two last fragments that end in different places: the length is unknowable.
      if (fb.total >= 0 && fb.total !== off + data.length) return this.inconsistent(key, fb, frame);
      fb.total = off + data.length;
    }
    while (this.fragBytes > this.maxBytes && this.frags.size > 0) this.dropOldest('IP fragment memory limit reached');
    if (!this.frags.has(key) || fb.total < 0) return null;
    // Complete when the parts cover [0, total).
    const parts = [...fb.parts].sort((x, y) => x.off - y.off);
    let covered = 0;
    for (const part of parts) {
      if (part.off > covered) return null;
      covered = Math.max(covered, part.off + part.data.length);
    }
    if (covered < fb.total) return null;
    // A fragment reaching past the end the last fragment gave (RFC 791 reassembly: the datagram is bogus).
    if (covered > fb.total) return this.inconsistent(key, fb, frame);
    const out = Buffer.alloc(fb.total);
    for (const part of parts) part.data.copy(out, part.off, 0, Math.min(part.data.length, fb.total - part.off));
    this.remove(key);
    this.keepDone(key, out, timeUs);
    return out;
  }

  /**
   * Datagrams reassembled lately, by fragment key: a fragment that arrives again after its
   * datagram was completed (the same packets captured twice, on two interfaces or by a span
   * port) is a copy, dropped as tshark marks it, not the start of a set that never completes.
   * Only a fragment whose bytes equal the completed datagram's counts: an IP id used again
   * for a new datagram starts a new set.
   */
  private readonly done = new Map<string, { data: Buffer; timeUs: number }>();
  private doneBytes = 0;

  private keepDone(key: string, data: Buffer, timeUs: number): void {
    this.forgetDone(key);
    this.done.set(key, { data, timeUs });
    this.doneBytes += data.length;
    for (const [k, d] of this.done) {
      if (this.done.size <= DONE_MAX_SETS && this.doneBytes <= DONE_MAX_BYTES && timeUs - d.timeUs <= this.timeoutUs) break;
      this.forgetDone(k);
    }
  }

  private forgetDone(key: string): void {
    const d = this.done.get(key);
    if (!d) return;
    this.doneBytes -= d.data.length;
    this.done.delete(key);
  }

  private isDoneCopy(key: string, off: number, data: Buffer, more: boolean, timeUs: number): boolean {
    const d = this.done.get(key);
    if (!d) return false;
    const end = off + data.length;
    if (timeUs - d.timeUs <= this.timeoutUs && end <= d.data.length && (more || end === d.data.length)
      && d.data.subarray(off, end).equals(data)) return true;
    this.forgetDone(key);
    return false;
  }

  private inconsistent(key: string, fb: FragBuf, frame: number): null {
    this.pendingNotes.push({
      frame, severity: 'warn', code: 'ip-fragment-inconsistent',
      text: `frame ${frame}: the fragments of the IP packet from ${fb.header.src} to ${fb.header.dst} (first in frame ${fb.firstFrame}) disagree about where it ends; the packet is dropped`,
    });
    this.remove(key);
    return null;
  }

  private remove(key: string): void {
    const fb = this.frags.get(key);
    if (!fb) return;
    this.fragBytes -= fb.bytes;
    this.frags.delete(key);
  }

  private dropOldest(why: string): void {
    const first = this.frags.entries().next();
    if (first.done) return;
    const [key, fb] = first.value;
    this.pendingNotes.push({ frame: fb.firstFrame, severity: 'warn', code: 'ip-fragment-incomplete', text: `frame ${fb.firstFrame}: IP packet from ${fb.header.src} to ${fb.header.dst} dropped before all fragments arrived (${why})` });
    this.remove(key);
  }

  private expire(now: number): void {
    for (const [key, fb] of this.frags) {
      if (now - fb.lastSeen <= this.timeoutUs) continue;
      this.pendingNotes.push({ frame: fb.firstFrame, severity: 'warn', code: 'ip-fragment-incomplete', text: `frame ${fb.firstFrame}: IP packet from ${fb.header.src} to ${fb.header.dst} is missing fragments; it was not reassembled` });
      this.remove(key);
    }
  }

  /** End of input: every unfinished fragment set becomes a note. */
  finish(): void {
    for (const [key, fb] of [...this.frags]) {
      this.pendingNotes.push({ frame: fb.firstFrame, severity: 'warn', code: 'ip-fragment-incomplete', text: `frame ${fb.firstFrame}: IP packet from ${fb.header.src} to ${fb.header.dst} is missing fragments at the end of the capture; it was not reassembled` });
      this.remove(key);
    }
  }
}

/** Completed datagrams remembered to recognise copies of their fragments (see IpDecoder.done). */
const DONE_MAX_SETS = 256;
const DONE_MAX_BYTES = 4 * 1024 * 1024;

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
