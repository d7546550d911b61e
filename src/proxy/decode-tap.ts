// The engine as a ConnectionTap. Decoding is an observer of the forwarded
// bytes: if it throws on a connection, that connection stops being decoded
// (with one finding saying so) and forwarding is not affected.
//
// Decoding runs on the thread that forwards, so it is time-boxed. Bytes are
// decoded at once until `sliceMs` has passed since the first decoding of the
// current window (one clock read per chunk; a window ends when a deferred turn
// drains the queue). Past that, the rest of the chunk and what comes
// after it (chunks, and opens, closes and ticks, so that the engine sees every
// event in arrival order across connections) wait in one queue, decoded in
// slices of `sliceMs` between the loop's turns. A chunk is fed to the engine in
// pieces sized to take about a millisecond each (a 64 KiB read of PINGREQs is
// 32,768 packets, 100 ms with the line view), so the time box holds within a
// chunk too, give or take a piece. One client flooding the proxy therefore delays other connections'
// bytes by a slice or two, not by the time its backlog takes to decode. A
// connection whose queued bytes pass `maxQueuedPerConn` (or any connection adding
// to a queue over `maxQueuedTotal`) has its sending side paused until the
// decoder catches up: every byte is still decoded, and the queue stays bounded.
import type { CloseHow, Engine } from '../engine/engine.js';
import type { OutputRecord } from '../model/packet.js';
import type { ConnMeta, Direction } from '../model/types.js';
import type { ConnectionTap } from './types.js';
import { MAX_SEGMENT_PAYLOAD } from '../capture/pcap-writer.js';

export interface DecodeScheduleOptions {
  /** Longest stretch of decoding between two turns of the event loop (ms). Default 5. */
  sliceMs?: number;
  /** Queued bytes of one connection and direction past which its sender is paused. Default 256 KiB. */
  maxQueuedPerConn?: number;
  /** Queued bytes in all past which any sender adding to the queue is paused. Default 64 MiB. */
  maxQueuedTotal?: number;
  /** Milliseconds, for the time box (default performance.now). */
  clock?: () => number;
  /**
   * The time box's clock (ms) at a chunk's timestamp (the µs `time` passed to data()),
   * when those timestamps come from the same clock: a chunk's window check then reads
   * no clock at all (performance.now() costs about 50 ns; the proxy's small reads made
   * it one call per packet). Unset: the clock is read.
   */
  clockAt?: (time: number) => number;
  /** Runs `f` after the current turn's I/O (default setImmediate). */
  defer?: (f: () => void) => void;
}

/** Pause (true) or resume (false) the side that sends `dir` on connection `id`. */
export type Throttle = (id: string, dir: Direction, paused: boolean) => void;

const OPEN = 0, DATA = 1, CLOSE = 2, TICK = 3, RECORD = 4;

/**
 * What one piece of a chunk should take to decode (ms), and the bounds of a piece
 * (bytes). The estimate is the last piece's cost per byte, whichever connection it
 * was; at the upper bound a piece of PINGREQs with the line view takes about 25 ms.
 */
const PIECE_MS = 1;
const PIECE_MIN = 256;
const PIECE_MAX = 16_384;
const PIECE_START = 1024;

/** One event waiting for the engine. Fields unused by an op stay at their defaults. */
interface Queued {
  op: number;
  id: string;
  /** The connection (open, data, close): a later connection may reuse its id. */
  meta: ConnMeta | null;
  /** Data: the connection's queued-bytes count, taken down as the chunk is decoded. */
  cq: ConnQueue | null;
  dir: Direction;
  chunk: Uint8Array | null;
  /** How far into `chunk` the engine has been fed. */
  off: number;
  time: number;
  frame: number | undefined;
  how: CloseHow;
  by: Direction | undefined;
  /** Record: makes the record, when its turn comes. */
  make: (() => OutputRecord) | null;
}

/** Queued bytes of one connection, per direction, and whether its senders are paused. */
interface ConnQueue {
  id: string;
  c2s: number;
  s2c: number;
  heldC2S: boolean;
  heldS2C: boolean;
}

export class DecodeTap implements ConnectionTap {
  /**
   * Connections whose decoding failed. Per connection, not per id: the proxy can open a
   * connection with the id of one whose events still wait (its address and port reused).
   */
  private readonly failed = new Set<ConnMeta>();
  /** The connection open under each id (from open() to close()). */
  private readonly metas = new Map<string, ConnMeta>();
  failures = 0;
  /** Set by the proxy: pauses and resumes a connection's sender. */
  throttle: Throttle | null = null;
  /**
   * Set by the proxy: the analysis clock's tick threw (an observer or the view failed).
   * A tick runs from the queue, between the loop's turns, so it must not throw out.
   */
  tickFailed: ((err: unknown) => void) | null = null;

  private readonly sliceMs: number;
  private readonly maxPerConn: number;
  private readonly maxTotal: number;
  private readonly clock: () => number;
  private readonly clockAt: ((time: number) => number) | null;
  private readonly defer: (f: () => void) => void;
  private q: Queued[] = [];
  private head = 0;
  /** Bytes of the chunks in the queue not yet fed to the engine. */
  private queued = 0;
  /** The queued-bytes count of the connection open under each id. */
  private readonly perConn = new Map<string, ConnQueue>();
  /** Connections with a paused sender. */
  private readonly held = new Set<ConnQueue>();
  /** Clock at the first decoding of the current window (-1: none open; see openWindow). */
  private windowStart = -1;
  private turnScheduled = false;
  /** Bytes per engine call, adapted so that a call takes about PIECE_MS. */
  private piece = PIECE_START;
  /** Most bytes the queue has held at once. */
  peakQueued = 0;

  constructor(
    private readonly engine: Engine,
    private readonly onRecord: (rec: OutputRecord) => void,
    private readonly frameSource?: () => number,
    opts: DecodeScheduleOptions = {},
  ) {
    this.sliceMs = opts.sliceMs ?? 5;
    this.maxPerConn = opts.maxQueuedPerConn ?? 256 << 10;
    this.maxTotal = opts.maxQueuedTotal ?? 64 << 20;
    this.clock = opts.clock ?? (() => performance.now());
    this.clockAt = opts.clockAt ?? null;
    this.defer = opts.defer ?? setImmediate;
  }

  /** Bytes waiting to be decoded. */
  get queuedBytes(): number {
    return this.queued;
  }

  open(meta: ConnMeta, time: number): void {
    this.metas.set(meta.id, meta);
    if (this.head < this.q.length) this.push(OPEN, meta.id, meta, 'c2s', null, time, undefined, 'fin', undefined);
    else this.runOpen(meta, time);
  }

  data(id: string, dir: Direction, chunk: Uint8Array, time: number): void {
    const meta = this.metas.get(id);
    if (meta === undefined || this.failed.has(meta)) return;
    const frame = this.frameSource?.();
    if (frame !== undefined && chunk.length > MAX_SEGMENT_PAYLOAD) {
      // The pcap writer split this chunk into segments, the last of which is `frame`.
      // Wireshark numbers a packet by the segment it ends in, so each piece goes
      // to the engine with its own segment's frame number.
      const n = Math.ceil(chunk.length / MAX_SEGMENT_PAYLOAD);
      for (let i = 0; i < n; i++) {
        const piece = chunk.subarray(i * MAX_SEGMENT_PAYLOAD, Math.min(chunk.length, (i + 1) * MAX_SEGMENT_PAYLOAD));
        this.dataFramed(meta, dir, piece, time, frame - (n - 1 - i));
      }
      return;
    }
    this.dataFramed(meta, dir, chunk, time, frame);
  }

  private dataFramed(meta: ConnMeta, dir: Direction, chunk: Uint8Array, time: number, frame: number | undefined): void {
    let off = 0;
    if (this.head === this.q.length) {
      // One clock read per chunk (none with clockAt): the first of a window notes its
      // start, the others compare with it.
      const at = this.clockAt;
      const first = this.windowStart < 0;
      if (first) this.windowStart = at !== null ? at(time) : this.clock();
      if (first || (at !== null ? at(time) : this.clock()) - this.windowStart < this.sliceMs) {
        if (chunk.length <= this.piece) {
          this.runData(meta, dir, chunk, time, frame);
          return;
        }
        off = this.feed(meta, dir, chunk, 0, time, frame, this.windowStart + this.sliceMs);
        if (off === chunk.length) return;
      }
    }
    this.enqueue(meta, dir, chunk, off, time, frame);
  }

  private enqueue(meta: ConnMeta, dir: Direction, chunk: Uint8Array, off: number, time: number, frame: number | undefined): void {
    const id = meta.id;
    const e = this.push(DATA, id, meta, dir, chunk, time, frame, 'fin', undefined);
    e.off = off;
    const len = chunk.length - off;
    this.queued += len;
    if (this.queued > this.peakQueued) this.peakQueued = this.queued;
    let cq = this.perConn.get(id);
    if (cq === undefined) this.perConn.set(id, cq = { id, c2s: 0, s2c: 0, heldC2S: false, heldS2C: false });
    e.cq = cq;
    const mine = dir === 'c2s' ? (cq.c2s += len) : (cq.s2c += len);
    if ((mine > this.maxPerConn || this.queued > this.maxTotal) && !(dir === 'c2s' ? cq.heldC2S : cq.heldS2C)) {
      if (dir === 'c2s') cq.heldC2S = true;
      else cq.heldS2C = true;
      this.held.add(cq);
      this.throttle?.(id, dir, true);
    }
  }

  close(id: string, time: number, how: CloseHow, by?: Direction): void {
    const meta = this.metas.get(id) ?? null;
    this.metas.delete(id);
    const cq = this.perConn.get(id);
    if (cq !== undefined) {
      // The connection is gone, so nothing of it is left to pause: its holds end now (the
      // Link hears it), and its bytes still queued are counted on `cq`, not on the id,
      // which a new connection may take before they are decoded.
      this.perConn.delete(id);
      this.held.delete(cq);
      if (cq.heldC2S) { cq.heldC2S = false; this.throttle?.(id, 'c2s', false); }
      if (cq.heldS2C) { cq.heldS2C = false; this.throttle?.(id, 's2c', false); }
    }
    if (this.head < this.q.length) this.push(CLOSE, id, meta, 'c2s', null, time, undefined, how, by);
    else this.runClose(id, meta, time, how, by);
  }

  /** Advance the analysis clock, in order with the events still waiting. */
  tick(time: number): void {
    if (this.head < this.q.length) this.push(TICK, '', null, 'c2s', null, time, undefined, 'fin', undefined);
    else this.runTick(time);
  }

  /**
   * A record the proxy makes itself (a WebSocket finding): it comes out after everything of
   * the connections that arrived before it, as an event of the queue, made when its turn
   * comes (so it can read what the engine knows by then, such as the client id).
   */
  record(make: () => OutputRecord): void {
    if (this.head < this.q.length) this.push(RECORD, '', null, 'c2s', null, 0, undefined, 'fin', undefined).make = make;
    else this.runRecord(make);
  }

  /** Decode everything still waiting, now (at shutdown, before the engine ends). */
  flush(): void {
    while (this.head < this.q.length) this.step(Infinity);
    this.compact();
  }

  private push(op: number, id: string, meta: ConnMeta | null, dir: Direction, chunk: Uint8Array | null, time: number, frame: number | undefined, how: CloseHow, by: Direction | undefined): Queued {
    const e: Queued = { op, id, meta, cq: null, dir, chunk, off: 0, time, frame, how, by, make: null };
    this.q.push(e);
    if (!this.turnScheduled) this.scheduleTurn();
    return e;
  }

  private scheduleTurn(): void {
    this.turnScheduled = true;
    this.defer(() => this.turn());
  }

  /**
   * The first decoding of a window: note the time. Decoding runs at once until the window
   * is sliceMs old; the first chunk after that waits in the queue for a deferred turn
   * (after this turn's I/O), which decodes it in a slice of its own and closes the window.
   * (It used to be one deferred turn for every turn of the event loop that decoded
   * anything, to reset the budget: on small reads that setImmediate cost the proxy more
   * CPU than the decoding of the chunk.)
   */
  private openWindow(): void {
    this.windowStart = this.clock();
  }

  /** The next piece takes about PIECE_MS at this cost (`bytes` decoded in `ms`). */
  private adapt(bytes: number, ms: number): void {
    this.piece = ms <= 0 ? PIECE_MAX : Math.max(PIECE_MIN, Math.min(PIECE_MAX, Math.round(bytes * PIECE_MS / ms)));
  }

  /** After the loop's I/O: decode queued events for one slice, then give the budget back. */
  private turn(): void {
    this.turnScheduled = false;
    if (this.head < this.q.length) {
      this.openWindow();
      const deadline = this.windowStart + this.sliceMs;
      while (this.head < this.q.length && this.step(deadline) && this.clock() < deadline);
      this.compact();
      if (this.head < this.q.length && !this.turnScheduled) this.scheduleTurn();
    }
    this.windowStart = -1;
  }

  /**
   * Feed `chunk` from `off` to the engine in pieces until it is all fed or the
   * clock reaches `deadline`; returns how far it got.
   */
  private feed(meta: ConnMeta, dir: Direction, chunk: Uint8Array, off: number, time: number, frame: number | undefined, deadline: number): number {
    const n = chunk.length;
    let t0 = this.clock();
    while (off < n) {
      const len = Math.min(this.piece, n - off);
      const part = off === 0 && len === n ? chunk : chunk.subarray(off, off + len);
      this.runData(meta, dir, part, time, frame);
      const t1 = this.clock();
      off += len;
      this.adapt(len, t1 - t0);
      t0 = t1;
      if (t1 >= deadline) break;
    }
    return off;
  }

  /** Run the event at the head of the queue; false when the deadline came within a chunk (it stays at the head). */
  private step(deadline: number): boolean {
    const e = this.q[this.head]!;
    if (e.op === DATA) {
      const chunk = e.chunk!;
      const from = e.off;
      const meta = e.meta!;
      if (this.failed.has(meta)) e.off = chunk.length;
      else if (chunk.length - from <= this.piece) {
        this.runData(meta, e.dir, from === 0 ? chunk : chunk.subarray(from), e.time, e.frame);
        e.off = chunk.length;
      } else e.off = this.feed(meta, e.dir, chunk, from, e.time, e.frame, deadline);
      const len = e.off - from;
      this.queued -= len;
      const cq = e.cq!;
      if (e.dir === 'c2s') cq.c2s -= len;
      else cq.s2c -= len;
      this.release(cq);
      if (e.off < chunk.length) return false; // the deadline came within the chunk
    } else if (e.op === OPEN) {
      this.runOpen(e.meta!, e.time);
    } else if (e.op === CLOSE) {
      this.runClose(e.id, e.meta, e.time, e.how, e.by);
    } else if (e.op === RECORD) {
      this.runRecord(e.make!);
    } else {
      this.runTick(e.time);
    }
    this.q[this.head++] = undefined as unknown as Queued; // let the chunk go
    if (this.held.size > 0 && this.queued <= this.maxTotal / 2) this.releaseAll();
    return true;
  }

  /** Resume a connection's senders once its own queue is small and the total is well under the cap. */
  private release(cq: ConnQueue): void {
    if (!cq.heldC2S && !cq.heldS2C) return;
    if (this.queued > this.maxTotal / 2) return;
    const low = this.maxPerConn / 4;
    if (cq.heldC2S && cq.c2s <= low) { cq.heldC2S = false; this.throttle?.(cq.id, 'c2s', false); }
    if (cq.heldS2C && cq.s2c <= low) { cq.heldS2C = false; this.throttle?.(cq.id, 's2c', false); }
    if (!cq.heldC2S && !cq.heldS2C) this.held.delete(cq);
  }

  private releaseAll(): void {
    for (const cq of [...this.held]) this.release(cq);
  }

  private compact(): void {
    if (this.head === this.q.length) {
      this.q = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
  }

  private runOpen(meta: ConnMeta, time: number): void {
    try {
      this.engine.open(meta, time);
    } catch (err) {
      this.fail(meta, err, time);
    }
  }

  private runData(meta: ConnMeta, dir: Direction, chunk: Uint8Array, time: number, frame: number | undefined): void {
    if (this.failed.has(meta)) return;
    try {
      this.engine.data(meta.id, dir, chunk, time, frame);
    } catch (err) {
      this.fail(meta, err, time);
    }
  }

  private runRecord(make: () => OutputRecord): void {
    try {
      this.onRecord(make());
    } catch {
      // A view that fails on it must not take decoding or forwarding down.
    }
  }

  private runTick(time: number): void {
    try {
      this.engine.tick(time);
    } catch (err) {
      try {
        this.tickFailed?.(err);
      } catch {
        // Reporting failed too; decoding and forwarding go on.
      }
    }
  }

  private runClose(id: string, meta: ConnMeta | null, time: number, how: CloseHow, by: Direction | undefined): void {
    if (meta !== null && this.failed.delete(meta)) return;
    try {
      this.engine.close(id, time, how, by);
    } catch {
      // Already reported per connection where it mattered; closing must not throw.
    }
  }

  private fail(meta: ConnMeta, err: unknown, time: number): void {
    this.failures++;
    this.failed.add(meta);
    const msg = err instanceof Error ? err.message : String(err);
    try {
      this.onRecord({
        kind: 'finding',
        code: 'stream-gap',
        severity: 'error',
        time,
        conn: meta.id,
        clientId: null,
        username: null,
        frames: [],
        topic: null,
        text: `mqttscope's decoder failed on this connection (${msg}); its bytes are still forwarded unchanged but no longer decoded`,
        extra: { note: 'decoder-failed', error: msg },
      });
    } catch {
      // The view failed too; nothing more to do without risking forwarding.
    }
    try {
      this.engine.close(meta.id, time, 'error');
    } catch {
      // Drop the engine's state for the connection as far as it lets us.
    }
  }
}

/** Runs several taps; one that throws is disabled (with one log line) so the others keep going. */
export class TapSet implements ConnectionTap {
  private readonly taps: ConnectionTap[];
  constructor(taps: ConnectionTap[], private readonly log: (line: string) => void) {
    this.taps = [...taps];
  }
  open(meta: ConnMeta, time: number): void {
    for (const t of this.taps) this.guard(t, () => t.open(meta, time));
  }
  data(id: string, dir: Direction, chunk: Uint8Array, time: number): void {
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) {
      const t = taps[i]!;
      try {
        t.data(id, dir, chunk, time);
      } catch (err) {
        this.drop(t, err);
      }
    }
  }
  end(id: string, dir: Direction, time: number): void {
    for (const t of this.taps) if (t.end !== undefined) this.guard(t, () => t.end!(id, dir, time));
  }
  close(id: string, time: number, how: CloseHow, by?: Direction): void {
    for (const t of this.taps) this.guard(t, () => t.close(id, time, how, by));
  }
  private guard(t: ConnectionTap, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.drop(t, err);
    }
  }
  private drop(t: ConnectionTap, err: unknown): void {
    const i = this.taps.indexOf(t);
    if (i < 0) return;
    this.taps.splice(i, 1);
    this.log(`a traffic recorder failed and was stopped: ${err instanceof Error ? err.message : String(err)}`);
  }
}
