// The sans-io engine: events in (connection opened, bytes in one direction,
// gap, closed, clock tick), records out (packets and findings). The proxy,
// the capture reader and the tests all drive the same engine.
import { Framer } from '../stream/framer.js';
import { NOTE_DEFS, specFor } from '../protocol/spec-refs.js';
import { dissect, summarize } from '../dissect/index.js';
import { summarizePublishFast, summarizeSmallFast, TopicCache } from '../dissect/fast-publish.js';
import { type DissectContext, type DissectResult, type Finding, NO_FINDINGS, type OutputRecord, type PacketRecord, type PacketSummary } from '../model/packet.js';
import type { ConnMeta, Direction, Note, ProtocolVersion } from '../model/types.js';

/**
 * How a connection ended: a FIN exchange, a reset, another socket error, the end of the
 * capture or run (`end`), or (proxy) the broker could not be reached, so the proxy
 * closed the client with a FIN (`upstream-failed`), or the client broke the WebSocket
 * protocol (a text frame, a frame ws refuses), so the proxy sent it a close frame and a
 * FIN (`proxy-closed`).
 */
export type CloseHow = 'fin' | 'reset' | 'error' | 'end' | 'upstream-failed' | 'proxy-closed';

/**
 * Why bytes of a direction are missing (Engine.gap, EngineObserver.gap):
 * - `lost`: bytes missing inside a direction that was captured (a hole, bytes ACKed
 *   but not captured);
 * - `snap-cut`: the tail of a segment the capture cut short (the snap length, or a
 *   damaged pcapng block), which no full copy filled; `frame` is the cut frame;
 * - `skipped`: bytes the framer did not decode as packets (too large, unframeable,
 *   skipped while resyncing, cut off at the end);
 * - `not-captured`: not one segment of this direction was captured (a one-way
 *   capture): the capture reader reports it once, at the first ACK past its bytes.
 * After `lost`, `snap-cut` or `skipped` the direction is still captured, so what it sends later
 * is seen; after `not-captured` nothing of it is, until a segment of it shows up.
 */
export type GapReason = 'lost' | 'skipped' | 'not-captured' | 'snap-cut';

/** Something that watches the engine's packets (analysis, statistics). */
export interface EngineObserver {
  open?(conn: ConnMeta, time: number): void;
  packet?(rec: PacketRecord): void;
  /** Bytes of `dir` are missing (see GapReason; framer notes are `skipped`). */
  gap?(conn: ConnMeta, dir: Direction, time: number, frame: number, reason: GapReason): void;
  /** `by`: the side that closed first (its FIN or RST came first), when known. */
  close?(conn: ConnMeta, time: number, how: CloseHow, by?: Direction): void;
  tick?(time: number): void;
  end?(time: number): void;
}

export interface EngineOptions {
  /** Every packet record and finding, in order. */
  onRecord: (rec: OutputRecord) => void;
  observers?: EngineObserver[];
  /** Largest packet decoded; larger ones are skipped with a note. Default: the protocol limit. */
  maxPacketSize?: number;
  /** Version assumed before a CONNECT is seen (inferred when packets follow). Default 4. */
  defaultVersion?: ProtocolVersion;
}

interface DirState {
  framer: Framer;
  ctx: DissectContext;
  topics: TopicCache;
}

interface ConnState {
  meta: ConnMeta;
  c2s: DirState;
  s2c: DirState;
  clientId: string | null;
  username: string | null;
  version: ProtocolVersion;
  /** The version is settled (from CONNECT, or inferred beyond doubt): the fast paths apply. */
  versionKnown: boolean;
  /** No CONNECT has given the version: records carry versionInferred. */
  versionInferred: boolean;
  /** Evidence for the version while it is not settled (see inferVersion). */
  infer: Inference | null;
  /** Frame and time of the chunk being framed. */
  curFrame: number;
  curTime: number;
  curDir: Direction;
}

export class Engine {
  private readonly onRecord: (rec: OutputRecord) => void;
  private readonly observers: EngineObserver[];
  private readonly maxPacketSize: number | undefined;
  private readonly defaultVersion: ProtocolVersion;
  private readonly conns = new Map<string, ConnState>();
  private seq = 0;
  /** Total MQTT bytes fed in, both directions. */
  bytes = 0;

  constructor(opts: EngineOptions) {
    this.onRecord = opts.onRecord;
    this.observers = opts.observers ?? [];
    this.maxPacketSize = opts.maxPacketSize;
    this.defaultVersion = opts.defaultVersion ?? 4;
  }

  get packetCount(): number {
    return this.seq;
  }

  connection(id: string): ConnMeta | undefined {
    return this.conns.get(id)?.meta;
  }

  /** The client id and user name of the open connection `meta` (from its CONNECT), as its records carry them. */
  identity(meta: ConnMeta): { clientId: string | null; username: string | null } {
    const st = this.conns.get(meta.id);
    if (st === undefined || st.meta !== meta) return { clientId: null, username: null };
    return { clientId: st.clientId, username: st.username };
  }

  /** A connection starts. `midstream` means its first bytes may not be a packet boundary. */
  open(meta: ConnMeta, time: number, opts: { midstream?: boolean } = {}): void {
    if (this.conns.has(meta.id)) return;
    const st: ConnState = {
      meta,
      c2s: undefined as unknown as DirState,
      s2c: undefined as unknown as DirState,
      clientId: null,
      username: null,
      version: this.defaultVersion,
      versionKnown: false,
      versionInferred: true,
      infer: null,
      curFrame: 0,
      curTime: time,
      curDir: 'c2s',
    };
    st.c2s = this.makeDir(st, 'c2s');
    st.s2c = this.makeDir(st, 's2c');
    if (opts.midstream) {
      st.c2s.framer.startResync();
      st.s2c.framer.startResync();
    }
    this.conns.set(meta.id, st);
    for (const o of this.observers) o.open?.(meta, time);
  }

  private makeDir(st: ConnState, dir: Direction): DirState {
    // The alias map is made when the first Topic Alias shows up (most connections never use one).
    const ctx: DissectContext = { version: st.version, topicAliases: undefined, dir };
    const topics = new TopicCache();
    const framer = new Framer(
      {
        packet: (bytes) => this.packet(st, dir, ctx, topics, bytes, 0, bytes.length),
        packetAt: (buf, off, len) => this.packet(st, dir, ctx, topics, buf, off, len),
        note: (note) => this.streamNote(st, dir, note),
        // Framed late from bytes held back (a resync decided later, a bogus length exposed at the
        // end): stamped with the chunk that brought its last byte, not the current one.
        recovered: (buf, off, len, time, frame) => {
          const t = st.curTime, f = st.curFrame;
          st.curTime = time;
          st.curFrame = frame;
          try {
            this.packet(st, dir, ctx, topics, buf, off, len);
          } finally {
            st.curTime = t; // an observer that throws must not leave the connection on the old stamp
            st.curFrame = f;
          }
        },
      },
      // The framer reads the chunk's time and frame from here, only while it holds bytes back.
      { maxPacketSize: this.maxPacketSize, dir, clock: st },
    );
    return { framer, ctx, topics };
  }

  /** Bytes seen in one direction. `frame` is the capture frame number (live: omit). */
  data(id: string, dir: Direction, chunk: Uint8Array, time: number, frame?: number): void {
    const st = this.conns.get(id);
    if (!st) throw new Error(`engine: data for unknown connection ${id}`);
    st.curTime = time;
    st.curFrame = frame ?? 0;
    st.curDir = dir;
    this.bytes += chunk.length;
    (dir === 'c2s' ? st.c2s : st.s2c).framer.push(chunk);
  }

  /**
   * Bytes were lost in one direction (capture gap); `reason` says how (default `lost`).
   * `exact`: `lost` is exactly the MQTT bytes missing (not so over WebSocket, where it
   * counts frame bytes), so framing may step over the packet they were part of.
   */
  gap(id: string, dir: Direction, time: number, frame: number, lost?: number, reason: GapReason = 'lost', exact = true): void {
    const st = this.conns.get(id);
    if (!st) return;
    const stepped = (dir === 'c2s' ? st.c2s : st.s2c).framer.gap(exact && reason !== 'not-captured' ? lost : undefined);
    const stream = dir === 'c2s' ? 'client→broker' : 'broker→client';
    const bytes = lost !== undefined ? `${lost} byte(s)` : 'bytes';
    this.emitFinding(st, {
      code: 'stream-gap', severity: 'warn', frames: [frame],
      text: reason === 'not-captured'
        // lost is only what the first ACK past it implies; the capture note counts them all.
        ? `the ${stream} stream is missing from the capture: not one segment of this direction has been captured so far (a one-way capture, or its start was lost), so its packets cannot be decoded`
        : `${bytes} missing from the ${stream} stream (${reason === 'snap-cut'
          // The segment was captured, but not all of it: the frame's own note says what cut it.
          ? `frame ${frame} was cut short in the capture: its snaplen-truncated or corrupt-block note says why`
          : 'segment not captured'}); ${stepped ?? 'packets around the gap may be lost and framing resyncs at the next plausible packet'}`,
      extra: { dir, ...(lost !== undefined ? { lost_bytes: lost } : {}), ...(reason !== 'lost' ? { reason } : {}), ...(stepped !== null ? { resync: 'exact' } : {}) },
    }, time);
    for (const o of this.observers) o.gap?.(st.meta, dir, time, frame, reason);
  }

  /** The connection closed; `by` is the side that closed first (its FIN or RST came first), when known. */
  close(id: string, time: number, how: CloseHow = 'fin', by?: Direction): void {
    const st = this.conns.get(id);
    if (!st) return;
    st.curTime = time;
    st.c2s.framer.flush();
    st.s2c.framer.flush();
    for (const o of this.observers) o.close?.(st.meta, time, how, by);
    this.conns.delete(id);
  }

  tick(time: number): void {
    for (const o of this.observers) o.tick?.(time);
  }

  /** End of input: close what is open and let observers report. */
  end(time: number): void {
    for (const id of [...this.conns.keys()]) this.close(id, time, 'end');
    for (const o of this.observers) o.end?.(time);
  }

  private packet(st: ConnState, dir: Direction, ctx: DissectContext, topics: TopicCache, buf: Uint8Array, off: number, len: number): void {
    const type = buf[off]! >> 4;
    // The common cases first: on a connection whose version is known, a clean PUBLISH,
    // a plain ack or a ping is summarised without the walker and without a view of
    // its bytes (the record makes one when asked).
    let summary = !st.versionKnown ? null
      : type === 3 ? summarizePublishFast(buf, off, len, st.version, topics)
      : len <= 4 ? summarizeSmallFast(buf, off, len, st.version) : null;
    let bytes: Uint8Array | null = null;
    if (summary === null) {
      bytes = off === 0 && len === buf.length ? buf : buf.subarray(off, off + len);
      if (!st.versionKnown && type !== 1) summary = this.inferVersion(st, dir, bytes);
      ctx.version = st.version;
      summary ??= summarize(bytes, ctx);
    }
    if (type === 1 && summary.connect) {
      const lvl = summary.connect.protocolLevel;
      if (lvl === 3 || lvl === 4 || lvl === 5) {
        st.version = lvl;
        st.versionKnown = true;
        st.versionInferred = false;
        st.infer = null;
        st.c2s.ctx.version = lvl;
        st.s2c.ctx.version = lvl;
        // A new CONNECT starts fresh alias maps [MQTT-3.3.2-7].
        st.c2s.ctx.topicAliases = undefined;
        st.s2c.ctx.topicAliases = undefined;
      }
      // A CONNECT cut off before its Client Identifier names no client (not the empty id).
      st.clientId = summary.connect.clientIdMissing === true ? null : summary.connect.clientId;
      st.username = summary.connect.username;
    }
    if (type === 2 && summary.properties && typeof summary.properties['assigned_client_identifier'] === 'string') {
      st.clientId = summary.properties['assigned_client_identifier'] as string;
    }
    let topic = summary.topic;
    if (type === 3 && summary.topicAlias !== null) {
      const aliases = (ctx.topicAliases ??= new Map());
      if (topic) aliases.set(summary.topicAlias, topic);
      else topic = aliases.get(summary.topicAlias) ?? topic;
    }
    const seq = ++this.seq;
    // The tree is decoded later, so it needs the context as it is now: the version, and
    // for a PUBLISH that uses a Topic Alias the one alias it uses. (A copy of the whole
    // alias map per packet cost O(aliases) each: 65,535 aliases made every packet of the
    // connection copy a 65,535-entry map, and every record kept one.)
    const snap: DissectContext = type === 3 && summary.topicAlias !== null && topic !== null
      ? { version: st.version, topicAliases: new Map([[summary.topicAlias, topic]]), dir }
      // Not VERSION_CTX[dir]: a keyed load by the direction's string cost 3-4 ns per packet.
      : (dir === 'c2s' ? C2S_CTX : S2C_CTX)[st.version];
    const rec = new Packet(
      seq, st.curFrame || seq, st.curTime, st.meta, dir, st.clientId, st.username, st.version,
      st.versionInferred, buf, off, len, bytes, summary, topic, snap,
    );
    this.onRecord(rec);
    for (const o of this.observers) o.packet?.(rec);
  }

  /**
   * No CONNECT seen: weigh the evidence this packet gives about the version, and
   * set the connection's version to what all the evidence so far says (both
   * directions count). Returns the packet's summary under that version when it
   * was decoded for the comparison (null: decode it as usual).
   *
   * Evidence comes in three tiers, and a higher tier always wins:
   * - strong: the packet decodes without errors under one version only (a PUBACK,
   *   CONNACK, UNSUBACK or DISCONNECT longer than 3.1.1 allows, a SUBACK code or
   *   a property block only MQTT 5 has, a SUBSCRIBE with MQTT 5 options, a 3.1.1
   *   PUBLISH whose payload is no MQTT 5 property block, AUTH);
   * - medium: clean under both, with fewer warnings under one;
   * - weak: a PUBLISH clean under both: its 3.1.1 payload starts with what MQTT 5
   *   reads as a property block, most often 0x00 (an empty one: the commonest
   *   MQTT 5 PUBLISH, and rare as the first byte of every 3.1.1 payload). It
   *   counts only once WEAK_MIN such PUBLISHes were seen, so one 3.1.1 payload
   *   that happens to start with 0x00 does not turn the connection to MQTT 5.
   * Packets that decode alike under both versions (pings, 2-byte acks, an empty
   * DISCONNECT) are not compared. PUBLISHes are compared up to MAX_PUBLISH_SAMPLES
   * times; the rarer types always, so late evidence (a SUBSCRIBE an hour in) still
   * counts. Once the strong evidence for one version leads by SETTLE_LEAD packets,
   * the version is settled: no more comparisons, and the fast paths apply.
   */
  private inferVersion(st: ConnState, dir: Direction, bytes: Uint8Array): PacketSummary | null {
    const type = bytes[0]! >> 4;
    const n = bytes.length;
    // Alike under both versions: nothing to learn (and these are the frequent ones).
    if (type === 12 || type === 13 || (type >= 4 && type <= 7 && n === 4) || (type === 14 && n === 2)) return null;
    const inf = (st.infer ??= { strong5: 0, strong4: 0, medium: 0, weak: 0, publishes: 0 });
    if (type === 3 && inf.publishes++ >= MAX_PUBLISH_SAMPLES) return null;
    const s4 = summarize(bytes, VERSION_CTX[dir][4]);
    const s5 = summarize(bytes, VERSION_CTX[dir][5]);
    const e4 = countNotes(s4, 'error'), e5 = countNotes(s5, 'error');
    if (e4 === 0 && e5 > 0) inf.strong4++;
    else if (e5 === 0 && e4 > 0) inf.strong5++;
    else if (e4 === 0 && e5 === 0) {
      const w4 = countNotes(s4, 'warn'), w5 = countNotes(s5, 'warn');
      if (w4 !== w5) inf.medium += w4 > w5 ? 1 : -1;
      else if (type === 3) inf.weak++;
    }
    const lead = inf.strong5 - inf.strong4;
    const say = lead !== 0 ? lead : inf.medium !== 0 ? inf.medium : inf.weak >= WEAK_MIN ? 1 : 0;
    if (say > 0) st.version = 5;
    // Not MQTT 5: 3.1.1, or 3.1 when that is the version assumed (they frame and read alike past CONNECT).
    else if (say < 0) st.version = this.defaultVersion === 3 ? 3 : 4;
    st.c2s.ctx.version = st.version;
    st.s2c.ctx.version = st.version;
    if (lead >= SETTLE_LEAD || lead <= -SETTLE_LEAD) {
      st.versionKnown = true;
      st.infer = null;
    }
    return st.version === 5 ? s5 : st.version === 4 ? s4 : null;
  }

  private streamNote(st: ConnState, dir: Direction, note: Note): void {
    const badLength = note.code === 'remaining-length-too-long';
    const code = badLength || note.code === 'packet-too-large' ? 'protocol-violation' : 'stream-gap';
    // The framer does not know the version; the rule's number does (3.1.1 §2.2.3, 5.0 §1.5.5).
    const spec = badLength ? specFor(NOTE_DEFS.lengthTooLong, st.version) : note.spec;
    this.emitFinding(st, {
      code, severity: note.severity, frames: st.curFrame ? [st.curFrame] : [],
      text: `${dir === 'c2s' ? 'client→broker' : 'broker→client'}: ${note.text}`,
      extra: { dir, note: note.code, ...(spec ? { spec } : {}) },
    }, st.curTime);
    // Every framer note means bytes that were not decoded as packets (skipped as too
    // large, unframeable, or cut off): to the observers that is a gap in this direction,
    // so an ack or a delivery whose packet was skipped is not taken for a violation.
    for (const o of this.observers) o.gap?.(st.meta, dir, st.curTime, st.curFrame, 'skipped');
  }

  private emitFinding(
    st: ConnState,
    f: Pick<Finding, 'code' | 'severity' | 'frames' | 'text' | 'extra'>,
    time: number,
  ): void {
    this.onRecord({
      kind: 'finding', time, conn: st.meta.id, clientId: st.clientId, username: st.username, topic: null, ...f,
    });
  }
}

/** Shared, frozen contexts per direction and version: no object per packet. */
const versionCtx = (dir: Direction): Record<ProtocolVersion, DissectContext> => ({
  3: Object.freeze({ version: 3, dir }),
  4: Object.freeze({ version: 4, dir }),
  5: Object.freeze({ version: 5, dir }),
});
const C2S_CTX = versionCtx('c2s');
const S2C_CTX = versionCtx('s2c');
const VERSION_CTX: Record<Direction, Record<ProtocolVersion, DissectContext>> = { c2s: C2S_CTX, s2c: S2C_CTX };

/**
 * A packet record; the class keeps per-packet cost low (no closure per record).
 * `bytes` is a view made on first use: analysis and the line views need only
 * the summary and `size`.
 */
class Packet implements PacketRecord {
  readonly kind = 'packet' as const;
  readonly notes: PacketRecord['notes'];
  findings: string[] = NO_FINDINGS;
  private tree_: DissectResult | null = null;
  constructor(
    readonly seq: number,
    readonly frame: number,
    readonly time: number,
    readonly conn: ConnMeta,
    readonly dir: Direction,
    readonly clientId: string | null,
    readonly username: string | null,
    readonly version: ProtocolVersion,
    readonly versionInferred: boolean,
    readonly chunk: Uint8Array,
    readonly chunkOffset: number,
    readonly size: number,
    private bytes_: Uint8Array | null,
    readonly summary: PacketSummary,
    readonly topic: string | null,
    private readonly ctx: DissectContext,
  ) {
    this.notes = summary.notes;
  }

  get bytes(): Uint8Array {
    if (this.bytes_ === null) {
      const b = this.chunk;
      this.bytes_ = this.chunkOffset === 0 && this.size === b.length ? b : b.subarray(this.chunkOffset, this.chunkOffset + this.size);
    }
    return this.bytes_;
  }

  tree(): DissectResult {
    return (this.tree_ ??= dissect(this.bytes, this.ctx));
  }
}

/** Evidence for the version of a connection whose CONNECT was not seen (Engine.inferVersion). */
interface Inference {
  /** Packets that decode without errors under MQTT 5 only, and under 3.1.1 only. */
  strong5: number;
  strong4: number;
  /** Packets clean under both with fewer warnings under MQTT 5 (+1) or under 3.1.1 (-1), summed. */
  medium: number;
  /** PUBLISHes clean under both versions (their 3.1.1 payload starts with an MQTT 5 property block). */
  weak: number;
  /** PUBLISHes seen while inferring. */
  publishes: number;
}

/** PUBLISHes compared under both versions per connection, at most (they cost two decodes each). */
const MAX_PUBLISH_SAMPLES = 64;
/** PUBLISHes clean under both versions, with no other evidence, that make the connection MQTT 5. */
const WEAK_MIN = 4;
/** Strong evidence packets by which one version must lead for the version to be settled. */
const SETTLE_LEAD = 3;

function countNotes(s: PacketSummary, severity: 'error' | 'warn'): number {
  let n = 0;
  for (const note of s.notes) if (note.severity === severity) n++;
  return n;
}
