// Per-direction TCP reassembly following sequence numbers: in-order bytes are
// delivered once, out-of-order segments are held (bounded), retransmissions
// and overlaps are trimmed, and bytes that never show up become a gap.

export interface TcpDirectionSink {
  /**
   * In-order bytes; `frame`/`timeUs` are those of the segment that carried them,
   * or, for bytes held behind a hole, of the segment that filled the hole (a
   * segment released because its hole was declared lost keeps its own).
   */
  data(bytes: Uint8Array, frame: number, timeUs: number): void;
  /**
   * `lost` bytes were never captured before the next delivered byte. The frame is
   * the segment right after the hole when one was held (where tshark reports
   * "previous segment not captured"), else the one that showed the hole.
   * `kind`: `not-captured` when not one segment of this direction was captured so far
   * (the first ACK past its bytes, see skipUnseen); `snap-cut` when the bytes are the
   * tail of a segment cut short in the capture (`frame`, cut by the snap length or a
   * damaged block; see cutGap); otherwise (undefined) a hole in a captured direction.
   */
  gap(lost: number, frame: number, timeUs: number, kind?: 'not-captured' | 'snap-cut'): void;
  /**
   * A retransmission (frame) carries bytes that differ from the copy already
   * taken at the same sequence numbers; the first copy stays. Called once per direction.
   */
  conflict?(frame: number, timeUs: number): void;
  /**
   * At flush: not one segment of this direction was captured (a one-way capture),
   * yet the peer acknowledged `bytes` of it, first at `firstFrame`, last at
   * `lastFrame`. Only the first of those holes was passed to `gap`. Called at most once.
   */
  uncaptured?(bytes: number, firstFrame: number, lastFrame: number): void;
}

export interface TcpReassemblyOptions {
  /** Most out-of-order payload bytes held per direction. Default 4 MiB. */
  maxHeldBytes?: number;
  /** Most out-of-order segments held per direction. Default 1024. */
  maxHeldSegments?: number;
  /**
   * Out-of-order bytes held by all the directions that share it (a capture's
   * connections): a direction that holds more while it is over `limit` gives up
   * on its holes (they become gaps), as at its own cap. The per-direction caps
   * alone let 65,536 connections hold 4 MiB each.
   */
  shared?: HeldPool;
}

/** Out-of-order bytes held by the directions sharing it, and the most they may hold together. */
export interface HeldPool {
  limit: number;
  used: number;
}

interface Held {
  seq: number;
  data: Uint8Array;
  /** The segment's payload length on the wire: more than data.length when the snap length cut it. */
  wire: number;
  /** The frame and time that carried the segment. */
  frame: number;
  timeUs: number;
}

/** Signed distance a - b in 32-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpDirection {
  private readonly sink: TcpDirectionSink;
  private readonly maxBytes: number;
  private readonly maxSegs: number;
  /** Sequence number of the next byte to deliver (null until known). */
  nextSeq: number | null = null;
  /** Started without seeing a SYN. */
  midstream = false;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Sequence number of the FIN, when seen. */
  private finSeq: number | null = null;
  /** The frame and time of that FIN's segment (null when it was inferred, not captured). */
  private finFrame: number | null = null;
  private finTimeUs = 0;
  /**
   * The frame that showed the FIN: its own segment, or, when it was not captured, the peer's
   * segment whose acknowledgement covered it (0: no FIN known). See finInferred.
   */
  finAt = 0;
  /** Highest sequence number seen on the wire (end of any segment). */
  private highSeq: number | null = null;
  /** Highest acknowledgement from the peer. */
  private peerAck: number | null = null;
  /** The last chunk delivered, ending at nextSeq (null after a gap): retransmissions are compared with it. */
  private last: Uint8Array | null = null;
  /**
   * The tail of the last delivered segment that the snap length cut off, waiting for one
   * more event: a full copy of that segment (the same traffic captured on a second
   * interface without the snap length, then merged) fills it, or a whole segment from at or
   * before the cut fills part of it and the rest waits again; anything else makes what is
   * left a gap at the cut frame.
   */
  private cut: { from: number; to: number; frame: number; timeUs: number } | null = null;
  private conflictSeen = false;
  /**
   * The sequence number of the one-byte first segment taken for a keep-alive (-1: none, or
   * decided). A zero-window probe looks the same (one byte, no PSH), but its byte is new data at
   * the next sequence number, not the last byte already acknowledged: the receiver, without
   * room, drops it and later gets the data again from that byte. A segment of more than one byte
   * starting there, before anything past it was delivered, shows the probe was one.
   */
  private probeSeq = -1;
  /** The peer sent its FIN (an ACK of ours came with or after it). */
  private peerClosed = false;
  /**
   * While no segment of this direction was seen: the last acknowledgement that advanced came
   * on a segment without payload (a pure ACK or a FIN), and the peer sent no payload since. An
   * ACK of our FIN looks so: after a DISCONNECT and FIN the broker sends nothing; an answer
   * (PINGRESP, PUBACK) carries the acknowledgement of what it answers.
   */
  private lastAckBare = false;
  /** A segment of this direction (SYN, data, pure ACK, FIN or RST) was captured. */
  private seen = false;
  /**
   * While no segment was seen: bytes the peer acknowledged anyway, the frames
   * where that was first and last seen, and the part not yet passed to `gap`
   * (only the first hole is: a one-way capture would otherwise get a gap per
   * ACK). Counters only, whatever the number of ACKs.
   */
  private unseenBytes = 0;
  private unseenFirst = 0;
  private unseenLast = 0;
  private unseenQuiet = 0;
  /** Statistics. */
  delivered = 0;
  retransmitted = 0;
  lost = 0;

  constructor(sink: TcpDirectionSink, opts: TcpReassemblyOptions = {}) {
    this.sink = sink;
    this.maxBytes = opts.maxHeldBytes ?? 4 * 1024 * 1024;
    this.maxSegs = opts.maxHeldSegments ?? 1024;
    this.pool = opts.shared ?? null;
  }

  private readonly pool: HeldPool | null;

  private addHeld(n: number): void {
    this.heldBytes += n;
    if (this.pool !== null) this.pool.used += n;
  }

  /** The direction is dropped with its connection: let go of what it holds (and its share of the pool). */
  discard(): void {
    this.cut = null;
    if (this.pool !== null) this.pool.used -= this.heldBytes;
    this.heldBytes = 0;
    this.held = [];
    this.last = null;
  }

  get started(): boolean {
    return this.nextSeq !== null;
  }

  /** All bytes up to the FIN have been delivered. */
  get finished(): boolean {
    return this.finSeq !== null && this.nextSeq !== null && seqDiff(this.nextSeq, this.finSeq) >= 0;
  }

  /**
   * Stop comparing retransmissions with the last delivered chunk (a quiet
   * connection should not keep the buffer that chunk lives in).
   */
  releaseLast(): void {
    this.last = null;
  }

  /** The FIN is known only from the peer's acknowledgement of it (a one-way capture). */
  get finInferred(): boolean {
    return this.finSeq !== null && this.finFrame === null;
  }

  /** A FIN was seen (or inferred) in this direction. */
  get finSent(): boolean {
    return this.finSeq !== null;
  }

  get heldByteCount(): number {
    return this.heldBytes;
  }

  /** A SYN with sequence number `seq`: data starts at seq+1. */
  syn(seq: number): void {
    this.seen = true;
    if (this.nextSeq === null || (this.delivered === 0 && this.held.length === 0)) {
      this.nextSeq = (seq + 1) >>> 0;
      this.midstream = false;
    }
  }

  /** Start mid-stream at `seq` (learnt from the peer's acknowledgement). */
  startAt(seq: number): void {
    if (this.nextSeq !== null) return;
    this.nextSeq = seq >>> 0;
    this.midstream = true;
  }

  /**
   * A segment. `payload` holds the captured bytes; `wireLen` (>= payload.length)
   * is the payload length on the wire (larger when the snap length cut it).
   * `push`: the segment has PSH set (false only tells a keep-alive from data, see below).
   */
  segment(seq: number, payload: Uint8Array, wireLen: number, fin: boolean, frame: number, timeUs: number, push = true): void {
    // The first segment after bytes skipped quietly: they become a gap here, before it.
    if (!this.seen) this.firstSeen(frame, timeUs);
    if (this.nextSeq === null) {
      if (payload.length === 0 && !fin) return;
      this.midstream = true;
      if (payload.length === 1 && wireLen === 1 && !fin && !push) {
        // Mid-stream, the direction's first segment is one byte without PSH: a TCP keep-alive
        // (one garbage byte at the last acknowledged sequence number; Windows sends 0x00, other
        // stacks send none), not data: a sender's last segment of a write carries PSH, and no
        // MQTT packet is one byte long. The stream starts after it, as it does after a keep-alive
        // whose sequence number the peer's ACK told first (tshark: "TCP Keep-Alive").
        // Or a zero-window probe: one byte of new data at the next sequence number, dropped by a
        // receiver without room (see probeSeq); the data is then resent from that byte.
        this.nextSeq = (seq + 1) >>> 0;
        this.highSeq = this.nextSeq;
        this.retransmitted++;
        this.probeSeq = seq;
        return;
      }
      this.nextSeq = seq;
    }
    if (this.probeSeq !== -1 && payload.length > 0) this.probeResent(seq, payload.length);
    const c = this.cut;
    let filled = false;
    if (c !== null) {
      // A segment captured whole that starts at or before the cut and carries bytes past it:
      // the cut segment's full copy, or the first of the smaller segments it was made of (a
      // GRO/TSO segment cut on one interface, the wire's segments captured on another).
      // accept() passes on what it covers; the rest of the tail waits for the next one.
      const fills = payload.length === wireLen && seqDiff(seq, c.from) <= 0 && seqDiff((seq + payload.length) >>> 0, c.from) > 0;
      if (fills) {
        this.cut = null;
        filled = true;
      } else this.cutGap();
    }
    const end = (seq + wireLen) >>> 0;
    if (this.highSeq === null || seqDiff(end, this.highSeq) > 0) this.highSeq = end;
    if (fin && this.finSeq === null) {
      this.finSeq = end;
      this.finFrame = frame;
      this.finTimeUs = timeUs;
      this.finAt = frame;
    }
    if (payload.length === 1 && wireLen === 1 && !fin && seqDiff(seq, this.nextSeq) === -1) {
      // A TCP keep-alive: one garbage byte (Windows sends 0x00) at the last acknowledged
      // sequence number (tshark: "TCP Keep-Alive"). Not data, and no retransmission to compare.
      this.retransmitted++;
    } else if (payload.length > 0 || wireLen > 0) this.accept(seq, payload, wireLen, frame, timeUs); // wireLen alone: cut to nothing, held if ahead
    // Part of a cut tail filled: the rest is still missing, unless the next segment fills it.
    if (filled && seqDiff(c!.to, this.nextSeq) > 0) {
      // Still the cut frame's bytes, but not stamped before what was just passed on.
      this.cut = { from: this.nextSeq, to: c!.to, frame: c!.frame, timeUs: Math.max(c!.timeUs, timeUs) };
    }
    if (payload.length < wireLen && seqDiff(this.nextSeq, (seq + payload.length) >>> 0) >= 0 && seqDiff(end, this.nextSeq) > 0) {
      // The snap length cut this segment: its tail is missing, unless a full copy comes next
      // (a retransmission cut before the bytes it adds counts too).
      this.cut = { from: this.nextSeq, to: end, frame, timeUs };
      if (fin) this.cutGap();
    }
    // The peer already acknowledged past a hole: the missing bytes were not captured.
    if (this.held.length > 0 && this.peerAck !== null && seqDiff(this.peerAck, this.held[0]!.seq) >= 0) this.forceGap();
  }

  /**
   * A segment after the first one was taken for a keep-alive at probeSeq: more than one byte from
   * probeSeq (before any byte past it came) is data resent from the probed byte, so that byte is
   * the stream's first (a keep-alive's byte was acknowledged long ago and is never sent again as
   * the start of data). Another one-byte segment there is the probe repeated; anything else decides.
   */
  private probeResent(seq: number, len: number): void {
    if (seq === this.probeSeq) {
      if (len === 1) return;
      if (this.nextSeq === ((seq + 1) >>> 0)) {
        this.nextSeq = seq;
        this.retransmitted--;
      }
    }
    this.probeSeq = -1;
  }

  /** The peer acknowledged everything before `ack`. */
  acked(ack: number, frame: number, timeUs: number, peerClosing = false, peerData = false): void {
    if (this.nextSeq === null) return;
    if (peerClosing) this.peerClosed = true;
    if (peerData) this.lastAckBare = false;
    else if (!this.seen && seqDiff(ack, this.nextSeq) > 0) this.lastAckBare = true;
    if (this.cut !== null && seqDiff(ack, this.cut.from) > 0) this.cutGap();
    if (this.peerAck === null || seqDiff(ack, this.peerAck) > 0) this.peerAck = ack;
    if (this.held.length > 0 && seqDiff(ack, this.held[0]!.seq) >= 0) this.forceGap();
    // Nothing held, yet the peer acknowledges bytes we never saw: they were not captured.
    const unseen = seqDiff(ack, this.nextSeq);
    if (unseen === 1 && peerClosing && this.finSeq === null && this.held.length === 0) {
      // The peer, closing itself, acknowledges one sequence number more than we saw: our FIN,
      // not captured (a one-way capture's last ACK). No MQTT packet is one byte long.
      this.finSeq = this.nextSeq;
      this.finAt = frame;
      return;
    }
    if (this.held.length === 0 && unseen > 0 && this.finSeq !== null && this.finFrame !== null && seqDiff(this.nextSeq, this.finSeq) < 0) {
      // A hole before a captured FIN: the FIN is the segment right after it (tshark: "previous
      // segment not captured" on the FIN), so, as for a held segment, the hole is lost once the
      // peer acknowledges up to the FIN (usually the ACK of the FIN itself), stamped with the FIN.
      if (seqDiff(ack, this.finSeq) >= 0) this.finGap();
      return;
    }
    if (this.held.length === 0 && unseen > 0 && (this.finSeq === null || seqDiff(ack, this.finSeq) <= 0)) {
      // Not one segment of this direction was captured: one gap, then only counted.
      if (!this.seen) return this.skipUnseen(unseen, ack, frame, timeUs);
      this.lost += unseen;
      this.sink.gap(unseen, frame, timeUs);
      this.nextSeq = ack >>> 0;
      this.last = null;
    }
  }

  /** Give up waiting: deliver everything held, reporting holes as gaps (end of capture, RST). */
  flush(frame: number, timeUs: number): void {
    if (this.cut !== null) this.cutGap();
    if (this.finSeq !== null) this.dropBeyondFin();
    while (this.held.length > 0) this.forceGap();
    // The last held segment released was cut by the snap length: its tail is that frame's.
    if (this.cut !== null) this.cutGap();
    // Bytes seen on the wire but not captured at the very end (snap length, lost last segment).
    if (this.nextSeq !== null) {
      const target = this.finSeq ?? this.highSeq;
      if (this.finSeq !== null && this.finFrame !== null && seqDiff(this.nextSeq, this.finSeq) < 0) this.finGap();
      else if (target !== null) {
        const missing = seqDiff(target, this.nextSeq);
        if (missing > 0) {
          this.lost += missing;
          this.sink.gap(missing, frame, timeUs);
          this.nextSeq = target;
          this.last = null;
        }
      }
    }
    if (this.unseenBytes > 0 && this.peerClosed && this.lastAckBare && this.finSeq === null) {
      // A one-way capture of a closed connection: the last sequence number the peer acknowledged,
      // by a segment without payload and with none after it, was our FIN (say a DISCONNECT and
      // its FIN acknowledged at once, by the peer's FIN or an ACK before it), which takes a
      // sequence number but is no byte. (Had the peer closed first acknowledging data only, its
      // ACK of our later FIN would have set finSeq above.)
      this.unseenBytes--;
      this.lost--;
      this.finSeq = (this.nextSeq! - 1) >>> 0;
      this.finAt = this.unseenLast;
    }
    if (this.unseenBytes > 0) {
      const n = this.unseenBytes;
      this.unseenBytes = 0;
      this.unseenQuiet = 0;
      this.sink.uncaptured?.(n, this.unseenFirst, this.unseenLast);
    }
  }

  /**
   * The peer acknowledged `n` bytes up to `to` of a direction not one segment of
   * which was captured. The first such hole is a gap (the framer resyncs, the
   * analysis knows bytes are missing from then on); later ones are only counted,
   * for one `uncaptured` at flush.
   */
  private skipUnseen(n: number, to: number, frame: number, timeUs: number): void {
    const first = this.unseenBytes === 0;
    this.lost += n;
    this.unseenBytes += n;
    this.unseenLast = frame;
    this.nextSeq = to >>> 0;
    this.last = null;
    if (first) {
      this.unseenFirst = frame;
      this.sink.gap(n, frame, timeUs, 'not-captured');
    } else {
      this.unseenQuiet += n;
    }
  }

  /**
   * Held bytes at or past the FIN's sequence number are no part of the stream: the sender
   * said it ends there. They come from an out-of-window segment (a damaged sequence number,
   * a stray segment of an earlier connection on the same ports, an injection attempt), which
   * a receiver drops; delivering them would report a hole as large as the distance to them
   * and frame garbage as MQTT. The part of a held segment before the FIN stays.
   */
  private dropBeyondFin(): void {
    const fin = this.finSeq!;
    const kept: Held[] = [];
    for (const h of this.held) {
      const room = seqDiff(fin, h.seq);
      if (room >= h.data.length) {
        kept.push(h);
        continue;
      }
      this.addHeld(room > 0 ? room - h.data.length : -h.data.length);
      if (room > 0) {
        h.data = h.data.subarray(0, room);
        h.wire = Math.min(h.wire, room);
        kept.push(h);
      }
    }
    this.held = kept;
  }

  /** Nothing held, bytes missing before the captured FIN: a gap up to it, at the FIN's frame. */
  private finGap(): void {
    const missing = seqDiff(this.finSeq!, this.nextSeq!);
    this.lost += missing;
    this.sink.gap(missing, this.finFrame!, this.finTimeUs);
    this.nextSeq = this.finSeq;
    this.last = null;
  }

  /**
   * The snap-cut tail no copy filled: a gap at the frame that was cut. Then what is held from its
   * end on is delivered (stamped with the segment that filled a hole, when one is given).
   */
  private cutGap(fillFrame?: number, fillTimeUs?: number): void {
    const c = this.cut!;
    this.cut = null;
    const missing = seqDiff(c.to, this.nextSeq!);
    if (missing <= 0) return;
    this.lost += missing;
    this.sink.gap(missing, c.frame, c.timeUs, 'snap-cut');
    this.nextSeq = c.to;
    this.last = null;
    this.drain(fillFrame, fillTimeUs);
  }

  /** The direction's first captured segment: bytes skipped quietly before it are a gap after all. */
  private firstSeen(frame: number, timeUs: number): void {
    this.seen = true;
    if (this.unseenQuiet > 0) this.sink.gap(this.unseenQuiet, frame, timeUs);
    this.unseenQuiet = 0;
    this.unseenBytes = 0;
  }

  private accept(seq: number, payload: Uint8Array, wireLen: number, frame: number, timeUs: number): void {
    const next = this.nextSeq!;
    const rel = seqDiff(seq, next);
    if (rel + payload.length <= 0) {
      this.retransmitted += payload.length;
      if (this.last !== null) this.compareDelivered(seq, payload, frame, timeUs);
      return;
    }
    if (rel <= 0) {
      if (rel < 0 && this.last !== null) this.compareDelivered(seq, payload, frame, timeUs);
      this.deliver(rel === 0 ? payload : payload.subarray(-rel), frame, timeUs);
      if (this.held.length > 0) this.drain(frame, timeUs);
      return;
    }
    this.hold(seq, payload, wireLen, frame, timeUs);
    if (this.heldBytes > this.maxBytes || this.held.length > this.maxSegs) this.forceGap();
    // All connections together hold too much: this one, adding to it, gives up on its holes.
    const pool = this.pool;
    if (pool !== null) while (pool.used > pool.limit && this.held.length > 0) this.forceGap();
  }

  private deliver(bytes: Uint8Array, frame: number, timeUs: number): void {
    this.nextSeq = (this.nextSeq! + bytes.length) >>> 0;
    this.delivered += bytes.length;
    this.last = bytes;
    this.sink.data(bytes, frame, timeUs);
  }

  /** `payload` at `seq` starts before nextSeq: do the bytes it shares with the last delivered chunk agree? */
  private compareDelivered(seq: number, payload: Uint8Array, frame: number, timeUs: number): void {
    const last = this.last!;
    if (this.conflictSeen) return;
    const lastStart = (this.nextSeq! - last.length) >>> 0;
    const skip = seqDiff(lastStart, seq); // > 0: the payload starts before the last chunk
    const a = skip > 0 ? 0 : -skip; // index into last
    const b = skip > 0 ? skip : 0; // index into payload
    const n = Math.min(last.length - a, payload.length - b);
    for (let i = 0; i < n; i++) {
      if (last[a + i] !== payload[b + i]) return this.conflict(frame, timeUs);
    }
  }

  private conflict(frame: number, timeUs: number): void {
    this.conflictSeen = true;
    this.sink.conflict?.(frame, timeUs);
  }

  private hold(seq: number, data: Uint8Array, wire: number, frame: number, timeUs: number): void {
    // Sorted by distance from nextSeq; equal starts keep the longer one.
    const next = this.nextSeq!;
    const rel = seqDiff(seq, next);
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1]!.seq, next) > rel) i--;
    const prev = this.held[i - 1];
    if (prev && prev.seq === seq) {
      if (!this.conflictSeen) {
        const n = Math.min(prev.data.length, data.length);
        for (let k = 0; k < n; k++) {
          if (prev.data[k] !== data[k]) {
            this.conflict(frame, timeUs);
            break;
          }
        }
      }
      if (prev.data.length >= data.length) {
        this.retransmitted += data.length;
        return;
      }
      this.addHeld(-prev.data.length);
      // The longer copy extends the held one; where both have bytes, the first copy's stay.
      const joined = new Uint8Array(data.length);
      joined.set(data);
      joined.set(prev.data);
      prev.data = joined;
      prev.wire = Math.max(prev.wire, wire);
      prev.frame = frame;
      prev.timeUs = timeUs;
      this.addHeld(data.length);
      return;
    }
    this.held.splice(i, 0, { seq, data, wire, frame, timeUs });
    this.addHeld(data.length);
  }

  /**
   * Deliver held segments that now start at or before nextSeq. Given a frame,
   * that segment filled the hole: what was held behind it completes there, as
   * tshark shows it, and times stay in order. Without one (a hole declared
   * lost, a snap-length cut) each keeps its own frame and time.
   */
  private drain(fillFrame?: number, fillTimeUs?: number): void {
    while (this.held.length > 0) {
      const h = this.held[0]!;
      const rel = seqDiff(h.seq, this.nextSeq!);
      if (rel > 0) return;
      this.held.shift();
      this.addHeld(-h.data.length);
      if (rel < 0 && this.last !== null) this.compareDelivered(h.seq, h.data, h.frame, h.timeUs);
      if (rel + h.data.length <= 0) {
        this.retransmitted += h.data.length;
        // Cut before the bytes it adds (to nothing, say): those are a cut tail.
        if (this.heldCut(h, fillFrame, fillTimeUs)) return;
        continue;
      }
      const bytes = rel === 0 ? h.data : h.data.subarray(-rel);
      if (fillFrame === undefined) this.deliver(bytes, h.frame, h.timeUs);
      else this.deliver(bytes, fillFrame, fillTimeUs!);
      const cut = this.cut;
      if (cut !== null && seqDiff(this.nextSeq!, cut.from) > 0) {
        // It covered part of a cut tail (a copy captured whole, or segmented otherwise).
        if (seqDiff(cut.to, this.nextSeq!) > 0) cut.from = this.nextSeq!;
        else this.cut = null;
      }
      if (this.heldCut(h, fillFrame, fillTimeUs)) return;
    }
  }

  /**
   * A held segment was released: when the snap length cut it before its end on the wire
   * (`wireEnd`) and that tail is past nextSeq, the tail is missing, and is that frame's (as for
   * a cut segment in order), not a segment lost before the next one held. With nothing held
   * after it, the tail waits (a full copy may still come); a held segment that starts past
   * nextSeq makes it a gap now (up to that segment, when it starts inside the tail), then
   * drains: true. One that starts at nextSeq covers it, and a segment not cut needs nothing
   * (drain goes on): false.
   */
  private heldCut(h: Held, fillFrame: number | undefined, fillTimeUs: number | undefined): boolean {
    if (h.wire <= h.data.length) return false;
    const wireEnd = (h.seq + h.wire) >>> 0;
    if (seqDiff(wireEnd, this.nextSeq!) <= 0) return false;
    const cut = { from: this.nextSeq!, to: wireEnd, frame: h.frame, timeUs: fillTimeUs === undefined ? h.timeUs : Math.max(h.timeUs, fillTimeUs) };
    this.cut = cut;
    const next = this.held[0];
    if (next === undefined || seqDiff(next.seq, this.nextSeq!) <= 0) return false;
    if (seqDiff(next.seq, wireEnd) < 0) cut.to = next.seq;
    this.cutGap(fillFrame, fillTimeUs);
    return true;
  }

  /**
   * Skip the hole before the first held segment and deliver from there. The gap
   * is stamped with that segment's frame: it is where the hole shows in the capture.
   */
  private forceGap(): void {
    const h = this.held[0];
    if (!h) return;
    if (this.cut !== null) {
      // The hole starts with the tail a snap length cut: that part is the cut frame's.
      this.cutGap();
      if (this.held[0] !== h) return;
    }
    const lost = seqDiff(h.seq, this.nextSeq!);
    if (lost > 0) {
      this.lost += lost;
      this.sink.gap(lost, h.frame, h.timeUs);
      this.nextSeq = h.seq;
      this.last = null;
    }
    this.drain();
  }
}
