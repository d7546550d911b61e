// Incremental MQTT framer for one direction of one connection.
// Chunks may split anywhere (inside the Remaining Length varint too) and one
// chunk may hold many packets. Complete packets are handed out as views into
// the chunk when they lie inside it (zero copy), or as a fresh buffer when
// they were assembled from several chunks.
import type { Note } from '../model/types.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { decodeVarint, varintBytesHex } from '../protocol/varint.js';

/** The protocol limit: a Remaining Length of ff ff ff 7f. */
export const MAX_REMAINING_LENGTH = 268_435_455;

export interface FramerSink {
  /** A complete packet, fixed header included. */
  packet(bytes: Uint8Array): void;
  /**
   * Optional: a complete packet as `buf[off, off+len)`, so that a sink that may not
   * need the bytes does not pay for a view. Used instead of packet() when present.
   */
  packetAt?(buf: Uint8Array, off: number, len: number): void;
  /** A framing problem; `skipped` bytes were not framed as packets. */
  note(note: Note, skipped: number): void;
  /**
   * Optional: a packet framed late from bytes that were held back in earlier chunks
   * (while a resync was undecided, or behind a Remaining Length that the end of the
   * stream showed to be bogus), with the time and frame (read from
   * FramerOptions.clock) of the chunk that brought its last byte. Without it (or
   * without a clock) such packets go to packetAt()/packet(), and the sink stamps them
   * with the chunk being pushed (or the end of the stream).
   */
  recovered?(buf: Uint8Array, off: number, len: number, time: number, frame: number): void;
}

/** Where the framer reads the time and frame of the chunk being pushed (only when it holds bytes back). */
export interface FramerClock {
  readonly curTime: number;
  readonly curFrame: number;
}

export interface FramerOptions {
  /** Largest packet (fixed header included) that is buffered and decoded. Larger ones are skipped. */
  maxPacketSize?: number;
  /** Which side sends this stream; lets resync reject types that side never sends. */
  dir?: 'c2s' | 's2c';
  /** The time and frame of the chunk being pushed: packets framed late from held bytes are stamped from it (FramerSink.recovered). */
  clock?: FramerClock;
  /**
   * What the framers sharing it may hold of unfinished packets, all together
   * (default: framerMemory, one for the process; null: no limit).
   */
  memory?: FramerMemory | null;
}

/** Bytes of unfinished packets held by the framers that share it, and how many they may hold. */
export interface FramerMemory {
  limit: number;
  used: number;
}

/**
 * The process's framers, together, buffer at most this much of unfinished
 * packets. --max-packet-size caps one packet, but not how many connections each
 * hold one: 40 connections each sending 15 MiB of a 16 MiB packet held 640 MiB.
 * Past the limit a new or growing packet is skipped (forwarded, not decoded) with a
 * `decoder-memory-full` note; packets up to FREE_CARRY are never refused, and a
 * framer that holds all of it may still grow (so one packet up to the largest size
 * is decoded whatever the limit).
 */
export const framerMemory: FramerMemory = { limit: 256 * 1024 * 1024, used: 0 };

/** A carried packet buffer up to this size is never refused (ordinary packets, and 10,000 connections trickling a header cost 40 MiB). */
const FREE_CARRY = 65_536;

/** A framer dropped while it held bytes (not flushed) gives its share back when collected. */
const dropped = new FinalizationRegistry<{ n: number; m: FramerMemory }>((a) => { a.m.used -= a.n; a.n = 0; });

const enum Mode { Aligned, Skip, Resync }

/** Largest packet we are willing to buffer to confirm a resync candidate. */
const RESYNC_CONFIRM_LIMIT = 65_536;
/**
 * First allocation for a packet carried over chunks. The buffer then grows as
 * bytes arrive (doubling), so a bogus Remaining Length (up to 256 MiB) costs only
 * what the stream really carries. Small, because every connection with a packet
 * split across reads holds one: 10,000 connections each trickling a header held
 * 640 MiB when this was 64 KiB.
 */
const CARRY_START = 4096;
/**
 * Most chunks remembered for the bytes held back; past it every other one is
 * forgotten, so a packet framed late may get the stamp of a chunk a little
 * before its own (only when over a thousand chunks trickled into held bytes).
 */
const MAX_MARKS = 1024;

export class Framer {
  private readonly sink: FramerSink;
  readonly maxPacketSize: number;
  private readonly typeMask: number;
  private mode: Mode = Mode.Aligned;
  /** Bytes of a packet (or header) carried over from earlier chunks. */
  private carry: Uint8Array | null = null;
  private carryLen = 0;
  /** Total size of the carried packet, or -1 while its header is incomplete. */
  private carryTotal = -1;
  /** Bytes still to drop while skipping an oversized packet. */
  private skipLeft = 0;
  /** Total bytes discarded while resyncing, reported once aligned again. */
  private resyncSkipped = 0;
  /** The last packet framed aligned was of the reserved type 0. */
  private afterReserved = false;

  private readonly byOffset: boolean;
  private readonly clock: FramerClock | null;
  /**
   * Where the held bytes (the carried packet, or the bytes held for a resync) came
   * from: triples [offset in them, time, frame], one per chunk, offsets increasing.
   * Kept only with a clock; read only when packets are framed late from held bytes.
   */
  private marks: number[] | null = null;
  /** The marks of a buffer being framed that joins held bytes and a new chunk (null: the new chunk alone). */
  private work: number[] | null = null;
  private readonly memory: FramerMemory | null;
  /** What this framer has charged to `memory` (the carry buffer's size), shared with the finalizer. */
  private acct: { n: number; m: FramerMemory } | null = null;

  constructor(sink: FramerSink, opts: FramerOptions = {}) {
    this.sink = sink;
    this.byOffset = typeof sink.packetAt === 'function';
    this.clock = opts.clock !== undefined && typeof sink.recovered === 'function' ? opts.clock : null;
    this.maxPacketSize = Math.max(2, opts.maxPacketSize ?? MAX_REMAINING_LENGTH + 5);
    this.typeMask = opts.dir === 'c2s' ? C2S_TYPES : opts.dir === 's2c' ? S2C_TYPES : ALL_TYPES;
    this.memory = opts.memory === undefined ? framerMemory : opts.memory;
  }

  /** The carried packet's buffer is now `buf`: charge (or give back) the difference. */
  private setCarry(buf: Uint8Array | null): void {
    this.carry = buf;
    const m = this.memory;
    if (m === null) return;
    const n = buf === null ? 0 : buf.length;
    let a = this.acct;
    if (a === null) {
      if (n === 0) return;
      a = this.acct = { n: 0, m };
      dropped.register(this, a);
    }
    m.used += n - a.n;
    a.n = n;
  }

  /** Whether a carry buffer of `size` bytes may be held (see framerMemory). */
  private mayHold(size: number): boolean {
    const m = this.memory;
    if (m === null || size <= FREE_CARRY) return true;
    const mine = this.acct?.n ?? 0;
    if (m.used - mine <= 0) return true;
    return m.used - mine + size <= m.limit;
  }

  /** The packet of `total` bytes cannot be held: say so (its bytes are skipped from here). */
  private memoryFull(total: number): void {
    const m = this.memory!;
    const mib = (n: number): string => `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MiB`;
    this.sink.note({
      severity: 'warn', code: 'decoder-memory-full',
      text: `packet of ${total} bytes was not decoded: unfinished packets already hold ${mib(m.used - (this.acct?.n ?? 0))} of the ${mib(m.limit)} the decoder buffers for all connections together; it was skipped, not decoded`,
      offset: 0,
    }, total);
  }

  /** Bytes currently held back waiting for the rest of a packet. */
  get buffered(): number {
    return this.carryLen;
  }

  get resyncing(): boolean {
    return this.mode === Mode.Resync;
  }

  /**
   * Bytes were lost before the next chunk: drop any partial packet and resync. When
   * the number lost is known (`lost`, exact) and falls inside the packet being read
   * (carried, with its length known, or skipped), the next packet starts exactly where
   * that one ends: that packet is dropped and framing stays aligned, instead of guessing
   * a boundary among its remaining bytes (a lost segment of a long text payload made
   * thousands of bogus packets). Returns what was dropped so, or null after a resync.
   */
  gap(lost?: number): string | null {
    if (lost !== undefined && lost > 0 && this.pendingResync === null) {
      if (this.mode === Mode.Skip && lost <= this.skipLeft) {
        this.skipLeft -= lost;
        if (this.skipLeft === 0) this.mode = Mode.Aligned;
        return 'they were inside a packet that was being skipped anyway, so framing resumes right after it';
      }
      const total = this.carryTotal;
      const have = this.carryLen;
      if (this.mode === Mode.Aligned && have > 0 && total > have && lost <= total - have) {
        const type = this.carry![0]! >> 4;
        this.setCarry(null);
        this.carryLen = 0;
        this.carryTotal = -1;
        this.marks = null;
        this.work = null;
        this.skipLeft = total - have - lost;
        if (this.skipLeft > 0) this.mode = Mode.Skip;
        return `they were inside a ${type === 0 ? 'packet of reserved type 0' : packetTypeName(type)} of ${total} bytes, which is not decoded; framing resumes right after it (${total - have - lost} more of its bytes skipped)`;
      }
    }
    this.setCarry(null);
    this.carryLen = 0;
    this.carryTotal = -1;
    this.skipLeft = 0;
    this.pendingResync = null;
    this.marks = null;
    this.work = null;
    this.mode = Mode.Resync;
    return null;
  }

  /** Start in resync mode (a capture that joins a connection mid-stream). */
  startResync(): void {
    this.gap();
  }

  push(chunk: Uint8Array): void {
    if (this.pendingResync !== null) { this.pushResync(chunk); return; }
    let pos = 0;
    const end = chunk.length;
    if (this.mode === Mode.Skip) {
      const n = Math.min(this.skipLeft, end);
      this.skipLeft -= n;
      pos = n;
      if (this.skipLeft > 0) return;
      this.mode = Mode.Aligned;
    }
    if (this.carryLen > 0) {
      pos = this.fillCarry(chunk, pos);
      if (this.carryLen > 0) return; // still incomplete, chunk consumed
    }
    if (this.mode === Mode.Resync) {
      this.resync(chunk, pos);
      return;
    }
    this.frameAligned(chunk, pos);
  }

  /**
   * Frame `chunk` from `pos`, aligned (or resyncing), alternating as framing
   * needs. A loop, not the two calling each other: a chunk of packets each
   * followed by a 5-byte Remaining Length resyncs thousands of times, and
   * the recursion overflowed the stack ("Maximum call stack size exceeded":
   * 9,000 resyncs in one 64 KiB read).
   */
  private frameAligned(chunk: Uint8Array, pos: number, aligned = true): void {
    let p = pos;
    let a = aligned;
    while (p >= 0) {
      p = a ? this.alignedStep(chunk, p) : this.resyncStep(chunk, p);
      a = !a;
    }
  }

  private resync(chunk: Uint8Array, pos: number): void {
    this.frameAligned(chunk, pos, false);
  }

  /**
   * Fast path: frame packets starting at `pos` of an aligned chunk. Returns -1
   * when the chunk is used up (framed, carried or skipped), or where to resync from.
   */
  private alignedStep(chunk: Uint8Array, start: number): number {
    const end = chunk.length;
    let pos = start;
    while (pos < end) {
      // A packet of the reserved type 0 is framed (and reported); a second one right after it
      // means the bytes are not MQTT here (garbage after a skipped packet framed 01 01 01 ...
      // as millions of them): resync instead, which never takes type 0 for a boundary.
      if (chunk[pos]! < 0x10) {
        if (this.afterReserved) {
          this.afterReserved = false;
          this.mode = Mode.Resync;
          return pos;
        }
        this.afterReserved = true;
      } else if (this.afterReserved) this.afterReserved = false;
      // Decode the Remaining Length varint inline [MQTT-1.5.5].
      let len = 0;
      let mul = 1;
      let i = pos + 1;
      let b = 0;
      let complete = false;
      for (let k = 0; k < 4; k++) {
        if (i >= end) break;
        b = chunk[i++]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) { complete = true; break; }
      }
      if (!complete) {
        if (i - pos >= 5) {
          // Four continuation bits in a row: no valid length can follow.
          this.badLength(chunk, pos);
          this.mode = Mode.Resync;
          return pos + 1;
        }
        this.startCarry(chunk, pos, -1);
        return -1;
      }
      const total = i - pos + len;
      if (total > this.maxPacketSize) {
        this.sink.note({
          severity: 'warn', code: 'packet-too-large',
          text: `packet of ${total} bytes exceeds the maximum decode size of ${this.maxPacketSize} bytes; it was skipped, not decoded (--max-packet-size of proxy and up sets that size)`,
          offset: 0,
        }, total);
        const avail = end - pos;
        if (avail >= total) { pos += total; continue; }
        this.skipLeft = total - avail;
        this.mode = Mode.Skip;
        return -1;
      }
      if (pos + total <= end) {
        if (this.byOffset) this.sink.packetAt!(chunk, pos, total);
        // A chunk that is exactly one packet is handed out as is (no view object).
        else this.sink.packet(pos === 0 && total === end ? chunk : chunk.subarray(pos, pos + total));
        pos += total;
      } else {
        this.startCarry(chunk, pos, total);
        return -1;
      }
    }
    return -1;
  }

  private badLength(chunk: Uint8Array, pos: number): void {
    this.sink.note({
      severity: 'error', code: 'remaining-length-too-long',
      text: `Remaining Length ${varintBytesHex(chunk, pos + 1, pos + 5)} has its continuation bit set in the 4th byte; a valid length has at most 4 bytes. Resyncing`,
      spec: 'MQTT-1.5.5', offset: 1,
    }, 0);
  }

  private startCarry(chunk: Uint8Array, pos: number, total: number): void {
    const have = chunk.length - pos;
    const cap = Math.max(total > 0 ? Math.min(total, Math.max(CARRY_START, have * 2)) : 8, have);
    if (!this.mayHold(cap)) {
      this.memoryFull(total);
      this.skipLeft = total - have;
      this.mode = Mode.Skip;
      return;
    }
    if (this.clock !== null) this.holdMarks(pos);
    this.setCarry(new Uint8Array(cap));
    this.carry!.set(chunk.subarray(pos), 0);
    this.carryLen = have;
    this.carryTotal = total;
  }

  /** Append from chunk to the carried packet; returns the new position in chunk. */
  private fillCarry(chunk: Uint8Array, pos: number): number {
    const end = chunk.length;
    if (this.clock !== null && pos < end) this.markAppend(this.carryLen);
    if (this.carryTotal < 0) {
      // The header is incomplete: take bytes one by one until the varint ends.
      const carry = this.carry!;
      while (pos < end && this.carryTotal < 0) {
        carry[this.carryLen++] = chunk[pos++]!;
        const hdr = readHeader(carry, 0, this.carryLen);
        if (hdr === HEADER_INCOMPLETE) continue;
        if (hdr === HEADER_INVALID) {
          const bad = carry.slice(0, this.carryLen);
          this.setCarry(null); this.carryLen = 0; this.carryTotal = -1;
          this.badLength(bad, 0);
          this.mode = Mode.Resync;
          // Re-examine the bytes after the first one as resync candidates.
          const marks = this.marks;
          this.marks = null;
          this.work = marks !== null ? rebaseMarks(marks, 1) : null;
          this.resync(concat(bad.subarray(1), chunk.subarray(pos)), 0);
          this.work = null;
          return end;
        }
        const total = hdr;
        if (total > this.maxPacketSize) {
          const have = this.carryLen;
          this.setCarry(null); this.carryLen = 0; this.carryTotal = -1;
          this.marks = null;
          this.sink.note({
            severity: 'warn', code: 'packet-too-large',
            text: `packet of ${total} bytes exceeds the maximum decode size of ${this.maxPacketSize} bytes; it was skipped, not decoded (--max-packet-size of proxy and up sets that size)`,
            offset: 0,
          }, total);
          this.skipLeft = total - have;
          this.mode = Mode.Skip;
          const n = Math.min(this.skipLeft, end - pos);
          this.skipLeft -= n;
          pos += n;
          if (this.skipLeft === 0) this.mode = Mode.Aligned;
          else return end;
          return pos;
        }
        const grown = new Uint8Array(Math.min(total, Math.max(CARRY_START, this.carryLen)));
        grown.set(carry.subarray(0, this.carryLen));
        this.setCarry(grown);
        this.carryTotal = total;
      }
      if (this.carryTotal < 0) return pos;
    }
    const need = this.carryTotal - this.carryLen;
    const n = Math.min(need, end - pos);
    if (this.carryLen + n > this.carry!.length) {
      // Grow by doubling (at most to the declared size).
      const size = Math.min(this.carryTotal, Math.max(this.carryLen + n, this.carry!.length * 2));
      if (!this.mayHold(size)) {
        // Skip the rest of this packet: what was held and what is still to come.
        this.memoryFull(this.carryTotal);
        this.skipLeft = this.carryTotal - this.carryLen;
        this.setCarry(null); this.carryLen = 0; this.carryTotal = -1;
        this.marks = null;
        this.mode = Mode.Skip;
        const k = Math.min(this.skipLeft, end - pos);
        this.skipLeft -= k;
        pos += k;
        if (this.skipLeft > 0) return end;
        this.mode = Mode.Aligned;
        return pos;
      }
      const grown = new Uint8Array(size);
      grown.set(this.carry!.subarray(0, this.carryLen));
      this.setCarry(grown);
    }
    this.carry!.set(chunk.subarray(pos, pos + n), this.carryLen);
    this.carryLen += n;
    pos += n;
    if (this.carryLen === this.carryTotal) {
      const pkt = this.carry!;
      this.setCarry(null); this.carryLen = 0; this.carryTotal = -1;
      // Kept for the next split packet (two chunks, six numbers), unless a long trickle grew it.
      if (this.marks !== null) { if (this.marks.length > 24) this.marks = null; else this.marks.length = 0; }
      if (this.byOffset) this.sink.packetAt!(pkt, 0, pkt.length);
      else this.sink.packet(pkt);
    }
    return pos;
  }

  /**
   * Look for the next plausible packet boundary at or after `pos`. A candidate
   * needs a valid type/flags byte, a valid Remaining Length, a body that fits
   * its type, and (when the bytes are there) a plausible header right after it.
   */
  private resyncStep(chunk: Uint8Array, pos: number): number {
    const end = chunk.length;
    // Keep at most RESYNC_CONFIRM_LIMIT bytes pending while undecided.
    // The earliest candidate that is not refuted wins: a later "confirmed"
    // one is often a false boundary inside a payload.
    let p = pos;
    while (p < end) {
      const verdict = plausibleAt(chunk, p, end, this.maxPacketSize, this.typeMask);
      if (verdict === PLAUSIBLE) {
        if (this.resyncSkipped + (p - pos) > 0) this.reportResync(this.resyncSkipped + (p - pos));
        this.resyncSkipped = 0;
        this.mode = Mode.Aligned;
        // Bytes held from earlier chunks: packets that ended in them keep those chunks' stamps.
        if (this.work !== null) p = this.emitHeld(chunk, p);
        return p;
      }
      if (verdict === UNDECIDED && end - p < RESYNC_CONFIRM_LIMIT) {
        // Wait for more bytes, keeping the tail (bounded by the confirm limit).
        this.resyncSkipped += p - pos;
        this.holdForResync(chunk, p);
        return -1;
      }
      p++;
    }
    this.resyncSkipped += end - pos;
    return -1;
  }

  /** Hold `buf` from `from` on (under the confirm limit) until more bytes decide the resync. */
  private holdForResync(buf: Uint8Array, from: number): void {
    if (this.clock !== null) this.holdMarks(from);
    // push() will call resync again with it prepended.
    this.pendingResync = buf.slice(from);
  }

  /** The held bytes start at `from` of the buffer being framed: take its marks from there. */
  private holdMarks(from: number): void {
    const w = this.work;
    if (w !== null) { this.marks = rebaseMarks(w, from); return; }
    const c = this.clock!;
    const m = (this.marks ??= []);
    m.length = 0;
    m.push(0, c.curTime, c.curFrame);
  }

  /** Bytes of the chunk being pushed join the held bytes at `offset`. */
  private markAppend(offset: number): void {
    const c = this.clock!;
    const m = (this.marks ??= []);
    const n = m.length;
    if (n >= 3 && m[n - 2] === c.curTime && m[n - 1] === c.curFrame) return;
    if (n >= 3 * MAX_MARKS) thinMarks(m);
    m.push(offset, c.curTime, c.curFrame);
  }

  private pendingResync: Uint8Array | null = null;

  private reportResync(skipped: number): void {
    this.sink.note({
      severity: 'warn', code: 'resync',
      text: `skipped ${skipped} byte(s) that did not start a plausible MQTT packet before finding the next packet boundary`,
    }, skipped);
  }

  /** Entry used by push() when bytes are held for a resync decision. */
  pushResync(chunk: Uint8Array): boolean {
    const pending = this.pendingResync;
    if (pending === null) return false;
    const joined = concat(pending, chunk);
    this.pendingResync = null;
    if (this.clock !== null) {
      // The joined buffer's marks: the held bytes', then this chunk's.
      this.markAppend(pending.length);
      this.work = this.marks;
      this.marks = null;
    }
    this.resync(joined, 0);
    this.work = null;
    return true;
  }

  /**
   * End of stream: report what was left unframed. A packet whose declared
   * Remaining Length was never reached gets a note saying so; when the bytes
   * after its header frame exactly into complete, plausible packets up to the
   * end of the stream, the length was bogus and those packets are handed out
   * (the sink sees them now, at the end of the stream; with a clock, each stamped
   * with the time and frame of the chunk that brought its last byte).
   */
  flush(): void {
    const carry = this.carry;
    const carried = this.carryLen;
    const total = this.carryTotal;
    const pending = this.pendingResync;
    const marks = this.marks;
    let held = pending?.length ?? 0;
    this.setCarry(null); this.carryLen = 0; this.carryTotal = -1; this.pendingResync = null;
    this.marks = null; this.work = null;
    if (carry !== null && carried > 0 && total > carried) {
      this.unfinishedPacket(carry.subarray(0, carried), total, marks);
      return;
    }
    if (pending !== null && held > 0) {
      // Bytes held while a resync was undecided (an early candidate's length pointed
      // past what had arrived). The stream has ended, so the end decides: framing
      // resumes at the earliest offset from which complete packets run exactly to it.
      const from = chainToEnd(pending, 0, this.maxPacketSize, this.typeMask);
      if (from >= 0) {
        const skipped = this.resyncSkipped + from;
        this.resyncSkipped = 0;
        if (skipped > 0) this.reportResync(skipped);
        this.mode = Mode.Aligned;
        this.emitChain(pending, from, marks, 0);
        held = 0;
      }
    }
    if (this.resyncSkipped > 0) {
      // Skipped while looking for a boundary the stream ended before finding.
      this.sink.note({
        severity: 'warn', code: 'resync',
        text: `skipped ${this.resyncSkipped} byte(s) that did not start a plausible MQTT packet; the stream ended before a packet boundary was found`,
      }, this.resyncSkipped);
      this.resyncSkipped = 0;
    }
    const left = carried + held;
    if (left > 0) {
      this.sink.note({
        severity: 'warn', code: 'truncated-packet',
        text: `stream ended with ${left} byte(s) of an incomplete packet${total > 0 ? ` (expected ${total})` : ''}`,
      }, left);
    }
  }

  private unfinishedPacket(bytes: Uint8Array, total: number, marks: number[] | null): void {
    const v = decodeVarint(bytes, 1, bytes.length);
    const hdr = v === 'more' || v === 'invalid' ? 2 : v.next;
    const rl = total - hdr;
    const type = bytes[0]! >> 4;
    const name = type === 0 ? 'reserved type 0' : packetTypeName(type);
    const from = chainToEnd(bytes, 1, this.maxPacketSize, this.typeMask);
    this.sink.note({
      severity: 'warn', code: 'truncated-packet',
      text: `${name} declares Remaining Length ${rl} (expected ${total} bytes in all) but the stream ended after ${bytes.length - hdr} byte(s) of its body; `
        + (from > 0
          ? `the length is bogus: its last ${bytes.length - from} byte(s) frame as packets up to the end of the stream and are decoded from there (${this.clock !== null ? 'each stamped with the time and frame its last byte arrived in' : 'stamped with where the stream ended'})`
          : 'the packet is cut, or its length is bogus and what followed could not be framed'),
    }, from < 0 ? bytes.length : from);
    if (from < 0) return;
    this.mode = Mode.Aligned;
    // A copy: records must not keep the whole (possibly huge) carried buffer alive.
    this.emitChain(bytes.slice(from), 0, marks, from);
  }

  /**
   * A resync decided on a buffer that joins held bytes and the chunk being pushed:
   * hand out the whole packets from `p` that end before that chunk's bytes, each
   * stamped (this.work) with the chunk that brought its last byte. Returns where
   * aligned framing goes on.
   */
  private emitHeld(buf: Uint8Array, p: number): number {
    const w = this.work!;
    const newFrom = w[w.length - 3]!; // where the bytes of the chunk being pushed start
    let mi = 0;
    while (p < newFrom) {
      const total = readHeader(buf, p, buf.length);
      if (total <= 0 || total > this.maxPacketSize || p + total > newFrom) break;
      // As alignedStep does: a second reserved-type-0 packet in a row is left to it, which
      // resyncs there (without this, framing with a clock framed it where framing without did not).
      if (buf[p]! < 0x10) {
        if (this.afterReserved) break;
        this.afterReserved = true;
      } else this.afterReserved = false;
      const last = p + total - 1;
      while (mi + 3 < w.length && w[mi + 3]! <= last) mi += 3;
      this.sink.recovered!(buf, p, total, w[mi + 1]!, w[mi + 2]!);
      p += total;
    }
    return p;
  }

  /**
   * Hand out the packets that run exactly from buf[from] to its end (chainToEnd
   * found them), each stamped from `marks` (which give offsets of buf + `base`)
   * by the chunk that brought its last byte, when the sink takes stamps.
   */
  private emitChain(buf: Uint8Array, from: number, marks: number[] | null, base: number): void {
    const sink = this.sink;
    const stamped = this.clock !== null && marks !== null && marks.length > 0;
    const end = buf.length;
    let mi = 0;
    for (let p = from; p < end;) {
      const total = readHeader(buf, p, end);
      if (total <= 0 || p + total > end) break; // cannot happen after chainToEnd
      if (stamped) {
        const last = base + p + total - 1;
        while (mi + 3 < marks.length && marks[mi + 3]! <= last) mi += 3;
        sink.recovered!(buf, p, total, marks[mi + 1]!, marks[mi + 2]!);
      } else if (this.byOffset) sink.packetAt!(buf, p, total);
      else sink.packet(buf.subarray(p, p + total));
      p += total;
    }
  }
}

/** Marks of the bytes from `from` on of the buffer `marks` describe, with offsets from there. */
function rebaseMarks(marks: number[], from: number): number[] {
  let i = 0;
  while (i + 3 < marks.length && marks[i + 3]! <= from) i += 3;
  const out: number[] = [];
  for (let k = i; k < marks.length; k += 3) out.push(Math.max(0, marks[k]! - from), marks[k + 1]!, marks[k + 2]!);
  return out;
}

/** Forget every other mark but the first (the marks still cover every byte, some less precisely). */
function thinMarks(m: number[]): void {
  let w = 3;
  for (let r = 6; r < m.length; r += 6) {
    m[w] = m[r]!; m[w + 1] = m[r + 1]!; m[w + 2] = m[r + 2]!;
    w += 3;
  }
  m.length = w;
}

const HEADER_INCOMPLETE = -1;
const HEADER_INVALID = -2;

/** Total packet size from a header at `pos`, or HEADER_INCOMPLETE / HEADER_INVALID. */
export function readHeader(buf: Uint8Array, pos: number, end: number): number {
  const v = decodeVarint(buf, pos + 1, end);
  if (v === 'more') return HEADER_INCOMPLETE;
  if (v === 'invalid') return HEADER_INVALID;
  return v.next - pos + v.value;
}

const PLAUSIBLE = 0;
const IMPLAUSIBLE = 1;
const UNDECIDED = 2;

/** Required low nibble per packet type; -1 means "any" (PUBLISH, checked separately). */
const FIXED_FLAGS = [-2, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

// Packet types each side may send (bit per type).
const ALL_TYPES = 0xfffe;
const C2S_TYPES = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 12) | (1 << 14) | (1 << 15);
const S2C_TYPES = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 9) | (1 << 11) | (1 << 13) | (1 << 14) | (1 << 15);

function plausibleHeader(buf: Uint8Array, pos: number, typeMask: number = ALL_TYPES): boolean {
  const b0 = buf[pos]!;
  const type = b0 >> 4;
  if ((typeMask & (1 << type)) === 0) return false;
  const flags = b0 & 0x0f;
  const rule = FIXED_FLAGS[type]!;
  if (rule === -2) return false;
  if (rule === -1) return (flags & 0x06) !== 0x06; // QoS 3 is never valid
  return flags === rule;
}

/** Checks the first body bytes of a candidate against its type's shape. */
function plausibleBody(buf: Uint8Array, type: number, qos: number, body: number, rl: number, end: number): number {
  const at = (i: number): number => (body + i < end ? buf[body + i]! : -1);
  switch (type) {
    case 12: case 13: return rl === 0 ? PLAUSIBLE : IMPLAUSIBLE; // PINGREQ/PINGRESP
    case 14: return rl === 0 || (rl >= 1 && rl < 256) ? PLAUSIBLE : IMPLAUSIBLE; // DISCONNECT
    case 2: { // CONNACK: ack flags 0000000x
      if (rl < 2 || rl > 4096) return IMPLAUSIBLE;
      const f = at(0);
      return f < 0 ? UNDECIDED : (f & 0xfe) === 0 ? PLAUSIBLE : IMPLAUSIBLE;
    }
    case 4: case 5: case 6: case 7: case 11: { // acks: non-zero packet id
      if (rl < 2 || rl > 4096) return IMPLAUSIBLE;
      const hi = at(0); const lo = at(1);
      if (hi < 0 || lo < 0) return UNDECIDED;
      return hi === 0 && lo === 0 ? IMPLAUSIBLE : PLAUSIBLE;
    }
    case 8: case 9: case 10: {
      if (rl < 3) return IMPLAUSIBLE;
      const hi = at(0); const lo = at(1);
      if (hi < 0 || lo < 0) return UNDECIDED;
      return hi === 0 && lo === 0 ? IMPLAUSIBLE : PLAUSIBLE;
    }
    case 1: { // CONNECT: 00 04 'MQTT' or 00 06 'MQIsdp'
      if (rl < 10) return IMPLAUSIBLE;
      const n0 = at(0); const n1 = at(1);
      if (n0 < 0 || n1 < 0) return UNDECIDED;
      if (n0 !== 0 || (n1 !== 4 && n1 !== 6)) return IMPLAUSIBLE;
      const c = at(2);
      if (c < 0) return UNDECIDED;
      return c === 0x4d ? PLAUSIBLE : IMPLAUSIBLE;
    }
    case 3: { // PUBLISH: topic length fits, topic has no NUL or wildcard
      if (rl < 2) return IMPLAUSIBLE;
      const hi = at(0); const lo = at(1);
      if (hi < 0 || lo < 0) return UNDECIDED;
      const tl = (hi << 8) | lo;
      if (tl + 2 + (qos > 0 ? 2 : 0) > rl) return IMPLAUSIBLE;
      const stop = Math.min(body + 2 + tl, end);
      for (let i = body + 2; i < stop; i++) {
        const c = buf[i]!;
        if (c === 0 || c === 0x23 || c === 0x2b) return IMPLAUSIBLE;
      }
      return body + 2 + tl <= end ? PLAUSIBLE : UNDECIDED;
    }
    default: return PLAUSIBLE;
  }
}

function plausibleAt(buf: Uint8Array, pos: number, end: number, max: number, typeMask: number): number {
  if (!plausibleHeader(buf, pos, typeMask)) return IMPLAUSIBLE;
  const v = decodeVarint(buf, pos + 1, end);
  if (v === 'invalid') return IMPLAUSIBLE;
  if (v === 'more') return UNDECIDED;
  const rl = v.value;
  const body = v.next;
  const total = body - pos + rl;
  if (total > max) return IMPLAUSIBLE;
  const b0 = buf[pos]!;
  const shape = plausibleBody(buf, b0 >> 4, (b0 >> 1) & 3, body, rl, end);
  if (shape === IMPLAUSIBLE) return IMPLAUSIBLE;
  const next = pos + total;
  if (next > end || shape === UNDECIDED) return total <= RESYNC_CONFIRM_LIMIT ? UNDECIDED : PLAUSIBLE;
  if (next === end) return PLAUSIBLE;
  return plausibleHeader(buf, next, typeMask) ? PLAUSIBLE : IMPLAUSIBLE;
}

/**
 * The earliest offset >= `start` from which buf frames exactly into one or more
 * complete, plausible packets ending at buf's end, or -1. Worked backwards (each
 * offset asks only whether the offset after its packet chains), so it is linear.
 */
function chainToEnd(buf: Uint8Array, start: number, max: number, typeMask: number): number {
  const end = buf.length;
  // ok[i]: a chain runs from i to the end (ok[end] by definition).
  const ok = new Uint8Array(end + 1);
  ok[end] = 1;
  let best = -1;
  // The body checks scan a PUBLISH's topic: hostile bytes can make many offsets
  // candidates with long topics, so the work is budgeted (linear in the buffer);
  // past the budget nothing is recovered.
  let budget = 8 * (end - start) + 65_536;
  for (let p = end - 1; p >= start; p--) {
    if (!plausibleHeader(buf, p, typeMask)) continue;
    const v = decodeVarint(buf, p + 1, end);
    // A header whose Remaining Length has 5 bytes ends the search: the framer would
    // resync from the next byte, not necessarily onto this chain.
    if (v === 'invalid') break;
    if (v === 'more') continue;
    const next = v.next + v.value;
    if (next > end || next - p > max || ok[next] !== 1) continue;
    const b0 = buf[p]!;
    budget -= 16 + ((b0 >> 4) === 3 && v.next + 2 <= end ? ((buf[v.next]! << 8) | buf[v.next + 1]!) : 0);
    if (budget < 0) return -1;
    if (plausibleBody(buf, b0 >> 4, (b0 >> 1) & 3, v.next, v.value, end) !== PLAUSIBLE) continue;
    if (!consistentBody(buf, b0 >> 4, v.next, v.value)) continue;
    ok[p] = 1;
    best = p;
  }
  return best;
}

/**
 * Checks stricter than plausibleBody, for a body that is all there: where a
 * packet ends in MQTT 5 properties, their length must account for the rest of
 * the body exactly (acks [MQTT-3.4.2.1], CONNACK, DISCONNECT; an ack without
 * properties has 2 or 3 bytes), and a PUBLISH topic holds no control characters.
 */
function consistentBody(buf: Uint8Array, type: number, body: number, rl: number): boolean {
  /** The property length at `at` ends the body exactly. */
  const propsFill = (at: number): boolean => {
    const v = decodeVarint(buf, at, body + rl);
    return v !== 'more' && v !== 'invalid' && v.next + v.value === body + rl;
  };
  switch (type) {
    case 4: case 5: case 6: case 7: return rl <= 3 || propsFill(body + 3);
    case 2: return rl === 2 || propsFill(body + 2);
    case 14: return rl <= 1 || propsFill(body + 1);
    case 3: {
      const tl = (buf[body]! << 8) | buf[body + 1]!;
      for (let i = body + 2; i < body + 2 + tl; i++) {
        const c = buf[i]!;
        if (c < 0x20 || c === 0x7f) return false;
      }
      return true;
    }
    default: return true;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
