// Read a capture for replay as it is played: a bounded read-ahead. The capture
// is decoded a chunk at a time (the Engine is sans-io); every client packet
// becomes a script event in a queue ordered by capture time, every broker
// answer goes straight to its connection's comparison. The player takes the
// events one by one; reading stops while the queued script bytes are over a
// cap, and a packet's bytes are let go once it is written (or given up).
import { statSync } from 'node:fs';
import { Engine } from '../engine/engine.js';
import { captureFileChunks, createCaptureReader, type CaptureFileChunks } from '../capture/read-capture.js';
import type { CaptureNote } from '../capture/notes.js';
import type { PacketRecord } from '../model/packet.js';
import type { ConnMeta } from '../model/types.js';
import { answerOf } from './answer.js';
import { refusedConnack } from './closing.js';
import { AnswerMatcher } from './compare.js';
import { DeliveryTracker, type Delivery } from './deliveries.js';
import { Fifo, MinHeap } from './queue.js';

export interface ScriptPacket {
  /** Exact packet bytes as captured (a private copy, let go once written). */
  bytes: Uint8Array;
  /** Capture time, µs since the epoch. */
  time: number;
  frame: number;
  type: number;
  /** For PUBACK, PUBREC and PUBCOMP: the captured broker delivery this packet acknowledges. */
  acks?: Delivery;
  /** Codes of the error notes the dissector attached (a broker may close the connection over them). */
  errors: string[];
  /**
   * For an MQTT 5 PUBLISH with a Topic Alias: the alias and the topic it stands
   * for (resolved from the connection's earlier packets), so that it can be sent
   * with the topic instead to a broker that allows fewer aliases.
   */
  topicAlias?: { alias: number; topic: string };
}

/** A packet named in a report: its type and capture frame. */
export interface PacketRef {
  type: number;
  frame: number;
}

/** Differences listed per connection; the rest are counted. */
export const MAX_DIFFERENCES_LISTED = 1000;

export interface ConnScript {
  /** Index in capture order (1-based), for reports. */
  index: number;
  meta: ConnMeta;
  clientId: string | null;
  /** User Name of the captured CONNECT (null: none, or no CONNECT read yet). */
  username: string | null;
  version: number;
  /** Time the connection was first seen. */
  openTime: number;
  /** Time and manner the connection ended in the capture (null: still open at the end). */
  close: { time: number; how: string } | null;
  /** Client → broker packets in the capture (read so far). */
  sentCount: number;
  /** Broker → client packets in the capture (read so far). */
  answerCount: number;
  firstSent: PacketRef | null;
  lastSent: PacketRef | null;
  /**
   * Capture frame of a gap in the client's stream (bytes not captured: a snap
   * length, a lost segment) before its first packet: the CONNECT was lost there,
   * the connection did not begin mid-way.
   */
  gapBeforeFirstSent: number | null;
  /**
   * Capture frame of the first gap in the broker's stream (its bytes not captured: a
   * one-way capture, a lost segment), and whether it came before any answer was read:
   * the answers it hid cannot be compared, and a live broker's show as extra.
   */
  answersGap: { frame: number; beforeFirstAnswer: boolean } | null;
  /** Capture frame of the broker's first DISCONNECT, of its first refusing CONNACK. */
  brokerDisconnectFrame: number | null;
  refusedConnackFrame: number | null;
  /** The captured answers, compared with the live ones as both come in. */
  answers: AnswerMatcher;
  /** Times of captured answers read but not yet due in the replay (see dueAnswers). */
  pendingAnswerTimes: Fifo<number>;
  /** Captured answers whose time the replay has passed. */
  answersDue: number;
  /** False once the replayed connection is closed: no answers are awaited on it, their times are not kept. */
  awaitingAnswers: boolean;
  /**
   * Latest time of the connection's packets so far. A packet stamped earlier
   * (a capture whose clock stepped back) takes this time instead, so that a
   * connection's packets are always sent in the order they were captured.
   */
  lastTime: number;
}

export type ScriptEvent =
  | { kind: 'send'; time: number; script: ConnScript; packet: ScriptPacket; seq: number }
  | { kind: 'close'; time: number; script: ConnScript; how: string; seq: number };

export interface OpenCaptureOptions {
  ports?: number[];
  /**
   * Cap on the script bytes read ahead and not yet written (packet bytes plus
   * ITEM_OVERHEAD per event): above it no more of the file is read while there
   * is an event to play. Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** Read size. Default 256 KiB. */
  chunkSize?: number;
  /**
   * Capture time (µs) the reader stays ahead of the event it hands out, so
   * events read a little out of time order (a packet held back until the port
   * was recognised as MQTT, a retransmission filling a hole) still play in
   * time order. Default 2 s. The cap wins over it.
   */
  orderWindowUs?: number;
}

export interface ReadAheadStats {
  fileSize: number;
  /** Bytes of the file read (compressed bytes for a gzip file). */
  fileBytesRead: number;
  /** Script bytes queued or held by the player and not yet written or given up. */
  bufferedBytes: number;
  peakBufferedBytes: number;
  /** fileBytesRead when the first event was handed to the player (null: none yet). */
  fileBytesReadAtFirstEvent: number | null;
  eventsOut: number;
  eof: boolean;
}

/** Bytes counted per event besides its packet bytes (the objects that carry it). */
export const ITEM_OVERHEAD = 160;

/** The client side of a capture, read as it is played. */
export class CaptureScripts {
  notes: CaptureNote[] = [];
  hadErrors = false;
  /** Time of the first event (set when the first event is handed out). */
  startTime = 0;
  readonly stats: ReadAheadStats;

  private readonly cap: number;
  private readonly windowUs: number;
  private readonly chunkSize: number;
  private readonly scripts = new Map<ConnMeta, { script: ConnScript; deliveries: DeliveryTracker }>();
  private readonly heap = new MinHeap<ScriptEvent>((a, b) =>
    a.time !== b.time ? a.time < b.time
      : a.script.index !== b.script.index ? a.script.index < b.script.index
        : a.kind !== b.kind ? a.kind === 'send'
          : a.seq < b.seq);
  private readonly reader: ReturnType<typeof createCaptureReader>;
  private chunks: CaptureFileChunks | null = null;
  private iter: AsyncIterator<Buffer> | null = null;
  private seq = 0;
  private indexes = 0;
  private minTime = Number.POSITIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;
  private released: (() => void) | null = null;
  /** The file could not be read to its end (a damaged gzip stream, a read error): what came before is replayed. */
  readError: string | null = null;

  constructor(readonly path: string, opts: OpenCaptureOptions = {}) {
    this.cap = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.windowUs = opts.orderWindowUs ?? 2_000_000;
    this.chunkSize = opts.chunkSize ?? 256 * 1024;
    this.stats = { fileSize: statSync(path).size, fileBytesRead: 0, bufferedBytes: 0, peakBufferedBytes: 0, fileBytesReadAtFirstEvent: null, eventsOut: 0, eof: false };
    const engine = new Engine({
      onRecord: (rec) => { if (rec.kind === 'packet') this.onPacket(rec); },
      observers: [{
        open: (meta, time) => { this.get(meta, time); this.seen(time); },
        gap: (meta, dir, _time, frame) => {
          const c = this.scripts.get(meta);
          if (c && dir === 'c2s' && c.script.sentCount === 0 && c.script.gapBeforeFirstSent === null) c.script.gapBeforeFirstSent = frame;
          if (c && dir === 's2c' && c.script.answersGap === null) c.script.answersGap = { frame, beforeFirstAnswer: c.script.answerCount === 0 };
        },
        close: (meta, closeTime, how) => {
          const c = this.scripts.get(meta);
          if (!c) return;
          this.scripts.delete(meta);
          const time = Math.max(closeTime, c.script.lastTime);
          this.seen(time);
          if (how === 'end') return;
          c.script.close = { time, how };
          // A connection without client packets is never played: nothing to keep.
          if (c.script.sentCount > 0) this.queue({ kind: 'close', time, script: c.script, how, seq: this.seq++ });
        },
      }],
    });
    this.reader = createCaptureReader({ engine, ports: opts.ports });
  }

  private seen(time: number): void {
    if (time < this.minTime) this.minTime = time;
    if (time > this.watermark) this.watermark = time;
  }

  private get(meta: ConnMeta, time: number): { script: ConnScript; deliveries: DeliveryTracker } {
    let c = this.scripts.get(meta);
    if (!c) {
      const script: ConnScript = {
        index: ++this.indexes, meta, clientId: null, username: null, version: 4, openTime: time, close: null,
        sentCount: 0, answerCount: 0, firstSent: null, lastSent: null, gapBeforeFirstSent: null, answersGap: null, brokerDisconnectFrame: null, refusedConnackFrame: null,
        answers: new AnswerMatcher(MAX_DIFFERENCES_LISTED), pendingAnswerTimes: new Fifo<number>(), answersDue: 0, awaitingAnswers: true, lastTime: time,
      };
      // Only packet ids and counts: acks name their delivery by its position.
      c = { script, deliveries: new DeliveryTracker(false) };
      this.scripts.set(meta, c);
    }
    return c;
  }

  private onPacket(rec: PacketRecord): void {
    const { script: c, deliveries } = this.get(rec.conn, rec.time);
    const time = c.lastTime = Math.max(rec.time, c.lastTime);
    this.seen(time);
    const s = rec.summary;
    if (rec.dir === 'c2s') {
      const p: ScriptPacket = {
        bytes: new Uint8Array(rec.bytes), time, frame: rec.frame, type: s.type,
        errors: rec.notes.filter((n) => n.severity === 'error').map((n) => n.code),
      };
      // PUBACK / PUBREC / PUBCOMP from a client answer the broker's delivery with that id.
      if ((s.type === 4 || s.type === 5 || s.type === 7) && s.packetId !== null) p.acks = deliveries.ofId(s.packetId);
      if (s.type === 3 && s.topicAlias !== null && rec.topic) p.topicAlias = { alias: s.topicAlias, topic: rec.topic };
      if (c.sentCount++ === 0) c.firstSent = { type: s.type, frame: rec.frame };
      c.lastSent = { type: s.type, frame: rec.frame };
      if (s.type === 1 && s.connect) { c.clientId = s.connect.clientId; c.username = s.connect.username; }
      this.queue({ kind: 'send', time, script: c, packet: p, seq: this.seq++ });
    } else {
      const a = answerOf(rec);
      if (a.type === 3 && a.qos > 0 && a.packetId !== null) deliveries.publish(a.topic ?? '', a.qos, a.packetId, a.frame, a.retain);
      else if (a.type === 6 && a.packetId !== null) deliveries.pubrel(a.packetId);
      if (a.type === 14 && c.brokerDisconnectFrame === null) c.brokerDisconnectFrame = a.frame;
      if (refusedConnack(a) && c.refusedConnackFrame === null) c.refusedConnackFrame = a.frame;
      c.answerCount++;
      c.answers.captured(a);
      if (c.awaitingAnswers) c.pendingAnswerTimes.push(time);
    }
    c.version = rec.version;
  }

  private queue(ev: ScriptEvent): void {
    this.heap.push(ev);
    this.hold(cost(ev));
  }

  private hold(n: number): void {
    this.stats.bufferedBytes += n;
    if (this.stats.bufferedBytes > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = this.stats.bufferedBytes;
  }

  /** The player is done with an event it was handed (written, given up or skipped). */
  release(ev: ScriptEvent): void {
    this.stats.bufferedBytes -= cost(ev);
    const r = this.released;
    this.released = null;
    r?.();
  }

  /**
   * Captured answers of `script` with time ≤ t (t grows as the replay goes on):
   * their times are let go once counted.
   */
  dueAnswers(script: ConnScript, t: number): number {
    const q = script.pendingAnswerTimes;
    while (q.length > 0 && q.peek()! <= t) {
      q.shift();
      script.answersDue++;
    }
    return script.answersDue;
  }

  /** The next event in capture-time order, or null at the end of the capture. */
  async next(): Promise<ScriptEvent | null> {
    for (;;) {
      const top = this.heap.peek();
      if (top && (this.stats.eof || this.stats.bufferedBytes >= this.cap || top.time < this.watermark - this.windowUs)) {
        this.heap.pop();
        if (this.stats.fileBytesReadAtFirstEvent === null) {
          this.stats.fileBytesReadAtFirstEvent = this.stats.fileBytesRead;
          this.startTime = Number.isFinite(this.minTime) ? this.minTime : top.time;
        }
        this.stats.eventsOut++;
        return top;
      }
      if (this.stats.eof) return null;
      // Over the cap with nothing queued: everything read is in the player's
      // hands (held acks): wait until some of it is let go.
      if (this.stats.bufferedBytes >= this.cap) {
        await new Promise<void>((r) => { this.released = r; });
        continue;
      }
      await this.readChunk();
    }
  }

  private async readChunk(): Promise<void> {
    if (!this.iter) {
      this.chunks = captureFileChunks(this.path, this.chunkSize);
      this.iter = this.chunks[Symbol.asyncIterator]();
    }
    let r: IteratorResult<Buffer>;
    try {
      r = await this.iter.next();
    } catch (err) {
      this.readError = (err as Error).message;
      r = { done: true, value: undefined };
    }
    this.stats.fileBytesRead = this.chunks!.fileBytesRead;
    if (r.done) {
      const res = this.reader.end();
      this.notes = res.notes;
      this.hadErrors = res.hadErrors || this.readError !== null;
      this.stats.eof = true;
      // What was not closed by the end: its script is complete now.
      this.scripts.clear();
      return;
    }
    this.reader.push(r.value);
  }

  /** Stop reading (the replay ended early). */
  destroy(): void {
    this.chunks?.destroy();
  }
}

function cost(ev: ScriptEvent): number {
  return ev.kind === 'send' ? ev.packet.bytes.length + ITEM_OVERHEAD : ITEM_OVERHEAD;
}

/** Open a capture for replay; nothing is read until the player asks for the first event. */
export function openCapture(path: string, opts: OpenCaptureOptions = {}): CaptureScripts {
  return new CaptureScripts(path, opts);
}
