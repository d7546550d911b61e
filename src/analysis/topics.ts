// Per-topic statistics: messages published and delivered, last value, retained value.
import type { PacketRecord } from '../model/packet.js';
import { copySizeBound, payloadLength, payloadOf, payloadPreview, payloadStartsWith } from './context.js';

export interface RetainedValue {
  topic: string;
  /** The payload's first PAYLOAD_KEEP bytes (a copy). */
  payload: Uint8Array;
  /** The payload's length. */
  length: number;
  preview: string;
  time: number;
  frame: number;
  clientId: string | null;
  /** The publisher's username (what an acl_file decides the write by). */
  username: string | null;
  /** The publisher's CONNECT was not seen, so `username` null means unknown, not anonymous (usernameUnknown). */
  usernameUnknown: boolean;
  /** Its connection. */
  conn: string;
  /** At most the size of the copy a subscriber is sent (copySizeBound): a subscriber's Maximum Packet Size may rule it out. */
  size: number;
  qos: number;
  packetId: number | null;
  /** MQTT 5 Message Expiry Interval (s), or null. */
  expiry: number | null;
  /** The analysis clock at the PUBLISH. */
  at: number;
  /**
   * A client was sent a PUBLISH on this topic with this payload since: the broker
   * routed the message, so it also took it as the retained one (a denied write is
   * routed to nobody and not retained either).
   */
  confirmed: boolean;
}

export interface TopicStats {
  topic: string;
  /** PUBLISH packets sent by clients (DUP re-sends excluded). */
  published: number;
  /** PUBLISH packets the broker delivered to clients. */
  delivered: number;
  bytes: number;
  lastTime: number;
  /**
   * The last payload seen: a view into its packet's bytes while the packet is held
   * (for about a second), then a copy of its first PAYLOAD_KEEP bytes.
   */
  readonly lastPayload: Uint8Array;
  /** Its length. */
  readonly lastLength: number;
  /** Preview of the last payload, made when asked for (not on every publish). */
  readonly lastPreview: string;
  /** The retained message a new subscriber would get, as far as the capture shows. */
  retained: RetainedValue | null;
}

/** A topic's retained message and what it replaced, while that can still be undone (a rejected publish). */
interface Retained extends RetainedValue {
  replaced: RetainedValue | null;
}

const EMPTY = new Uint8Array(0);
/** Bytes of a payload kept once its packet is let go (previews show at most 64 characters). */
export const PAYLOAD_KEEP = 256;
/** Topics whose last record is held at most, between releases. */
const MAX_HELD = 1024;
/** Held records are let go after this long (µs of event time), on the next tick or newly held topic. */
const RELEASE_US = 1_000_000;

/**
 * One topic's counters. The hot path only counts and remembers the last record:
 * the payload view and its preview are made when a snapshot asks for them, so a
 * publish never touches `rec.bytes` unless it is retained. The record is let go
 * within about a second (TopicTracker.release): it holds the whole read buffer
 * its packet was framed in, up to 64 KiB for a 10-byte payload, and 10,000 quiet
 * topics would otherwise each keep one for good.
 */
class TopicEntry implements TopicStats {
  published = 0;
  delivered = 0;
  bytes = 0;
  lastTime = 0;
  retained: RetainedValue | null = null;
  /** The record whose payload is the last one seen, until released. */
  lastRec: PacketRecord | null = null;
  /** Whether it is in TopicTracker's list of entries holding a record. */
  held = false;
  /** After release: the start of the last payload, and its length. */
  lastCopy: Uint8Array = EMPTY;
  lastLen = 0;
  /** The node of RetainedIndex that lists it while it has a retained message, else null. */
  retainedNode: RetainedNode | null = null;

  constructor(readonly topic: string) {}

  get lastPayload(): Uint8Array {
    return this.lastRec ? payloadOf(this.lastRec) : this.lastCopy;
  }

  get lastLength(): number {
    return this.lastRec ? payloadLength(this.lastRec) : this.lastLen;
  }

  /** Keep the start of the last payload instead of its record. */
  release(): void {
    const r = this.lastRec;
    this.held = false;
    if (r === null) return;
    const p = payloadOf(r);
    this.lastCopy = p.length === 0 ? EMPTY : p.slice(0, PAYLOAD_KEEP);
    this.lastLen = p.length;
    this.lastRec = null;
  }

  get lastPreview(): string {
    return payloadPreview(this.lastPayload);
  }
}

/** Topic levels a RetainedIndex node is keyed by at most: deeper levels are matched by the caller. */
export const RETAINED_INDEX_LEVELS = 16;

class RetainedNode {
  children: Map<string, RetainedNode> | null = null;
  /** Topics with exactly this node's levels, or at the deepest node, every topic that starts with them. */
  readonly here = new Set<TopicEntry>();
  constructor(readonly parent: RetainedNode | null, readonly key: string) {}
}

/**
 * The topics holding a retained message, in a trie by their first RETAINED_INDEX_LEVELS
 * levels, so a new subscription looks at the topics that share its filter's levels, not
 * at every retained topic (10,000 of them, times every filter of every SUBSCRIBE). A
 * bounded depth keeps a topic of thousands of levels at 16 nodes; below it, and for the
 * rules on `$` topics, the caller confirms each candidate with topicMatches().
 */
class RetainedIndex {
  private readonly root = new RetainedNode(null, '');

  add(t: TopicEntry): void {
    if (t.retainedNode !== null) return;
    const topic = t.topic;
    let n = this.root;
    let start = 0;
    for (let depth = 1; ; depth++) {
      const i = topic.indexOf('/', start);
      const level = i < 0 ? topic.slice(start) : topic.slice(start, i);
      if (n.children === null) n.children = new Map();
      let c = n.children.get(level);
      if (c === undefined) n.children.set(level, (c = new RetainedNode(n, level)));
      n = c;
      if (i < 0 || depth === RETAINED_INDEX_LEVELS) break;
      start = i + 1;
    }
    n.here.add(t);
    t.retainedNode = n;
  }

  remove(t: TopicEntry): void {
    let n = t.retainedNode;
    if (n === null) return;
    t.retainedNode = null;
    n.here.delete(t);
    while (n.parent !== null && n.here.size === 0 && (n.children === null || n.children.size === 0)) {
      n.parent.children!.delete(n.key);
      n = n.parent;
    }
  }

  /** Every topic `filter` may match (and, below the indexed levels or for `$` topics, some it does not). */
  *candidates(filter: string): Generator<TopicEntry> {
    const levels: string[] = [];
    let start = 0;
    while (levels.length < RETAINED_INDEX_LEVELS) {
      const i = filter.indexOf('/', start);
      levels.push(i < 0 ? filter.slice(start) : filter.slice(start, i));
      if (i < 0) break;
      start = i + 1;
    }
    yield* this.walk(this.root, levels, 0);
  }

  private *walk(n: RetainedNode, levels: string[], depth: number): Generator<TopicEntry> {
    // The filter ends here, or the index does (the caller matches the deeper levels).
    if (depth === levels.length || depth === RETAINED_INDEX_LEVELS) { yield* n.here; return; }
    const f = levels[depth]!;
    if (f === '#') { yield* subtree(n, depth === 0); return; }
    if (n.children === null) return;
    if (f === '+') {
      // A filter that starts with a wildcard matches no `$` topic [MQTT-4.7.2-1].
      for (const [k, c] of n.children) if (depth > 0 || !k.startsWith('$')) yield* this.walk(c, levels, depth + 1);
      return;
    }
    const c = n.children.get(f);
    if (c !== undefined) yield* this.walk(c, levels, depth + 1);
  }
}

/** The topics at `n` and below ('#' also matches the parent level: 'a/#' matches 'a'). */
function* subtree(n: RetainedNode, root: boolean): Generator<TopicEntry> {
  yield* n.here;
  if (n.children === null) return;
  for (const [k, c] of n.children) if (!root || !k.startsWith('$')) yield* subtree(c, false);
}

export class TopicTracker {
  readonly topics = new Map<string, TopicStats>();
  /** Publishes on topics not tracked because the table was full. */
  untracked = 0;
  /** The entry of the previous publish: runs of one topic skip the map lookup. */
  private last: TopicEntry | null = null;
  /** Entries holding a record, released together. */
  private holding: TopicEntry[] = [];
  /** Entries with a retained message, by topic level (the retained messages a new subscription is owed). */
  private readonly retainedIndex = new RetainedIndex();
  private releasedAt = -Infinity;

  constructor(private readonly maxTopics = 10_000) {}

  /** A packet at `now` (the analysis clock, which never goes back). */
  /** `usernameUnknown`: the sending client's CONNECT was not seen (sessions.ts usernameUnknown). */
  packet(rec: PacketRecord, now: number, usernameUnknown = false): void {
    const sum = rec.summary;
    const topic = rec.topic;
    if (sum.type !== 3 || topic === null) return;
    let t = this.last;
    if (t === null || t.topic !== topic) {
      t = this.topics.get(topic) as TopicEntry | undefined ?? null;
      if (t === null) {
        if (this.topics.size >= this.maxTopics) { this.untracked++; return; }
        t = new TopicEntry(topic);
        this.topics.set(topic, t);
      }
      this.last = t;
    }
    if (rec.dir === 'c2s') {
      if (sum.dup) return;
      t.published++;
      // [MQTT-3.3.1-6]/[MQTT-3.3.1-10]: a retained PUBLISH replaces the retained message; an empty one removes it.
      if (sum.retain) {
        const payload = payloadOf(rec);
        const exp = sum.properties?.['message_expiry_interval'];
        // One level of undo (rejected()): the value being replaced lets go of its own
        // predecessor, or a topic retained over and over with nobody subscribed (nothing
        // confirms it) would keep a chain of every value it ever had.
        const prev = t.retained as Retained | null;
        if (prev !== null) prev.replaced = null;
        // Its start only: 10,000 topics with a retained camera image each would keep them all.
        const r: Retained | null = payload.length === 0 ? null : {
          topic, payload: payload.slice(0, PAYLOAD_KEEP), length: payload.length, preview: payloadPreview(payload), time: rec.time, frame: rec.frame,
          clientId: rec.clientId, username: rec.username, usernameUnknown, conn: rec.conn.id, size: copySizeBound(rec), qos: sum.qos, packetId: sum.packetId,
          expiry: typeof exp === 'number' ? exp : null, at: now, confirmed: false, replaced: t.retained,
        };
        t.retained = r;
        if (r === null) this.retainedIndex.remove(t); else this.retainedIndex.add(t);
      }
    } else {
      t.delivered++;
      const r = t.retained;
      // The first delivery of the retained payload: the broker took it (one null check per delivery otherwise).
      if (r !== null && !r.confirmed && r.length === payloadLength(rec) && payloadStartsWith(rec, r.payload)) {
        r.confirmed = true;
        (r as Retained).replaced = null;
      }
    }
    t.bytes += payloadLength(rec);
    t.lastTime = rec.time;
    t.lastRec = rec;
    if (!t.held) {
      t.held = true;
      if (this.holding.push(t) >= MAX_HELD || now - this.releasedAt >= RELEASE_US) this.release(now);
    }
  }

  /**
   * The retained messages whose topic `filter` may match: every one it matches, and
   * perhaps some it does not (levels past the index's depth), so confirm each with
   * topicMatches(). Costs what the topics sharing the filter's levels cost.
   */
  *retainedCandidates(filter: string): Iterable<RetainedValue> {
    for (const t of this.retainedIndex.candidates(filter)) if (t.retained !== null) yield t.retained;
  }

  /** The retained message of `topic` now, or null. */
  retainedOf(topic: string): RetainedValue | null {
    return this.topics.get(topic)?.retained ?? null;
  }

  /**
   * The broker rejected a publish (MQTT 5 reason code ≥ 0x80): if it was the retained
   * message of its topic, the broker kept the one it would have replaced.
   */
  rejected(topic: string, conn: string, packetId: number | null): void {
    const t = this.topics.get(topic) as TopicEntry | undefined;
    const r = t?.retained as Retained | null | undefined;
    if (!t || !r || r.conn !== conn || r.packetId !== packetId || r.confirmed) return;
    t.retained = r.replaced;
    if (t.retained === null) this.retainedIndex.remove(t);
  }

  /**
   * The clock moved (the live tick, once a second): let go of records held for a
   * second. Not called per packet: the hot path only checks when a topic starts
   * holding a record (a topic already holding one swaps it for the newer record).
   */
  advance(time: number): void {
    if (time - this.releasedAt >= RELEASE_US) this.release(time);
  }

  private release(time: number): void {
    this.releasedAt = time;
    const h = this.holding;
    if (h.length === 0) return;
    for (let i = 0; i < h.length; i++) h[i]!.release();
    this.holding = [];
  }

  /** Plain copies for a snapshot (the last payload and its preview made now). */
  snapshot(): TopicStats[] {
    const out: TopicStats[] = [];
    for (const t of this.topics.values()) {
      out.push({
        topic: t.topic, published: t.published, delivered: t.delivered, bytes: t.bytes, lastTime: t.lastTime,
        lastPayload: t.lastPayload, lastLength: t.lastLength, retained: t.retained ? retainedCopy(t.retained) : null, lastPreview: t.lastPreview,
      });
    }
    return out;
  }
}

function retainedCopy(r: RetainedValue): RetainedValue {
  const { replaced: _replaced, ...rest } = r as Retained;
  return rest;
}
