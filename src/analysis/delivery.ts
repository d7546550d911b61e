// Delivery correlation: for each PUBLISH a client sends, which observed
// subscribers should get it, and whether the broker delivered it to them
// within the window. Catches mosquitto's ACL "silent drops".
import { createHash } from 'node:crypto';
import type { PacketRecord } from '../model/packet.js';
import { type AnalysisContext, bufferOf, capitalize, COPY_EXTRA, copySizeBound, payloadEquals, payloadLength, payloadStart, who } from './context.js';
import { DeadlineHeap, type HeapEntry } from './heap.js';
import { IntMap } from './intmap.js';
import { isFailure } from './reasons.js';
import { clientAliasRefused, effectiveClientId, findingClientId, goneBy, isLive, outlivesConnection, publishRefused, type Session, type SessionTracker, type Subscription, usernameUnknown, usernameUnknownText } from './sessions.js';
import { topicMatches } from './topic.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { aclFields, type AclDecision, type AclRuleRef } from './acl-check.js';

export interface AclVerdict {
  allowed: boolean;
  /** One line: the verdict and the deciding rule ("by acl.txt line 7: pattern readwrite +/+/+/%u"). */
  text: string;
  /** The full explanation, every rule considered. */
  full?: string;
  /** The acl_file's path (as given). */
  file?: string;
  access?: 'read' | 'write';
  /** What decided: a line of the file, no line (default deny), or a check before the rules. */
  decision?: AclDecision;
  /** The deciding rule, when a line decided. */
  rule?: AclRuleRef | null;
  /** Every rule the text cites, with its reason. */
  cited?: AclRuleRef[];
  /** When a check before the rules decided: what it was. */
  reason?: string;
}

/** Answers "may this user read/write this topic" from an acl_file, if one was given. */
export type AclCheck = (q: { username: string | null; clientId: string | null; access: 'read' | 'write'; topic: string }) => AclVerdict;

export interface DeliveryOptions {
  windowUs: number;
  /**
   * How long a subscriber must stay connected after a message became deliverable
   * for a missing delivery to count. A subscriber that leaves sooner is excused.
   * Default 250 ms (capped by the window): brokers deliver within a millisecond on
   * loopback and well within this on real networks.
   */
  settleUs?: number;
  brokerKind: 'mosquitto' | 'aedes' | 'unknown';
  acl?: AclCheck;
  /** The verdict of `acl` alone, without its explanation (much cheaper): asked for every subscriber of a drop, the explanation only for those a finding lists. */
  aclAllowed?: (q: Parameters<AclCheck>[0]) => boolean;
  /** The broker→client QoS 1/2 PUBLISHes a connection has not acknowledged (FlowTracker.unacknowledged): asked only when a finding is made. */
  unacknowledged?: (s: Session) => { count: number; oldestFrame: number; oldestTime: number } | null;
  /** Hold each awaited PUBLISH's record, so that a later finding marks it (AnalyzerOptions.keepRecords). */
  keepRecords: boolean;
  /** Most publishes awaited at once (AnalyzerOptions.maxPendingDeliveries). */
  maxPending: number;
  /**
   * Most payload bytes held in place by awaited publishes (AnalyzerOptions.maxPendingPayloadBytes).
   * Past it, a publish keeps a SHA-256 of its payload instead of its bytes, so large
   * payloads that nobody receives (a stalled subscriber, a denied write) cannot pile up.
   */
  maxPendingBytes: number;
}

/**
 * A subscriber (or a shared-subscription group) that should receive a message.
 * Immutable, so the usual set (every matching subscription of the route) is
 * made once per route and shared by its publishes; what was delivered is
 * kept on the Pending.
 */
/** mosquitto's max_inflight_messages by default: the limit for an MQTT 3.1.1 client, or an MQTT 5 one that announced no Receive Maximum. */
const MOSQUITTO_MAX_INFLIGHT = 20;

interface HeldBack { m: Session; count: number; oldestFrame: number; limit: number; announced: boolean }

/** Why a subscriber held back by flow control did not get the message (heldBack()). */
function heldBackText(h: HeldBack, name: string): string {
  const n = `${h.count} QoS 1/2 publish${h.count === 1 ? '' : 'es'} from the broker unacknowledged (the oldest frame ${h.oldestFrame})`;
  return h.announced
    ? `this is flow control, not a denial: ${name} had ${n}, as many as its Receive Maximum (${h.limit}) allows, and the broker sends no more QoS 1/2 publishes until it acknowledges one [MQTT-3.3.4-9]; the broker queues this one (or drops it once its queue is full).`
    : `this is most likely flow control, not a denial: ${name} had ${n}, and mosquitto keeps at most max_inflight_messages (20 by default) in flight to a client that announced no Receive Maximum, queueing the rest until it acknowledges (or dropping them once its queue is full).`;
}

function heldBackJson(h: HeldBack): Record<string, unknown> {
  return { client_id: findingClientId(h.m), unacknowledged: h.count, oldest_frame: h.oldestFrame, limit: h.limit, receive_maximum: h.announced ? h.limit : null };
}

interface Expectation {
  /** `cid:<client id>`, `conn:<id>` or `share:<group>/<filter>`. */
  key: string;
  shareGroup: string | null;
  /** The client id of a `cid:` expectation, else null. */
  cid: string | null;
  members: Session[];
  filters: string[];
}

/**
 * A publish awaiting its deliveries. Many may be held at once (as many as the
 * broker has in flight), so a Pending keeps only what matching and findings need:
 * where its payload lies in the buffer the engine framed it in, and its record
 * only when `keepRecords` is on (for whoever marks records with later findings).
 *
 * Pendings are reused (DeliveryCorrelator.recycle): with a broker tens of
 * thousands of messages behind, each one outlives V8's young generation, and a
 * new object per publish was copied and promoted by the GC. One is reused only
 * once it is decided and neither its topic's list nor the deadline queue holds
 * it (the queue's lane tells a reused entry from its old slot by heapSeq).
 */
class Pending implements HeapEntry {
  ack: { rec: PacketRecord; type: number; code: number } | null = null;
  /** QoS 2: PUBREL time; mosquitto routes the message on PUBREL. */
  released = false;
  /**
   * QoS 2: a PUBREL the client sent before the broker's PUBREC was seen (a protocol
   * violation: MQTT 3.1.1 [MQTT-4.3.3-1], MQTT 5 [MQTT-4.3.3-4]; mosquitto releases the
   * message all the same): the analysis
   * clock at it, or -1. Applied when the PUBREC comes (release()).
   */
  earlyRelease = -1;
  /**
   * When the broker could route the message (the PUBLISH, or PUBREL for QoS 2) and
   * when its window ends, as µs after the PUBLISH: small integers are stored
   * unboxed, absolute times would cost each pending message two boxed numbers.
   */
  readyAfter = 0;
  closesAfter = 0;
  done = false;
  /** The delivery of expectations[0], and of the others (made when there are others). */
  got0: PacketRecord | null = null;
  gotRest: (PacketRecord | null)[] | null = null;
  /** Expectations not met yet (every one met: decided at once). */
  missing = 0;
  /**
   * With many expectations (a publish with 10,000 subscribers): which of them each member
   * session and client id may meet, and the shared groups', made at the first delivery, so
   * a delivery does not walk them all (which made a publish cost the square of its
   * subscribers). null: not made (or few expectations).
   */
  esIndex: Map<Session | string, number | number[]> | null = null;
  esShared: number[] | null = null;
  heapKey = 0;
  heapSeq = 0;
  heapIndex = -1;
  /** Publish order across all topics: what a subscriber's delivery cursor compares. */
  seq = 0;
  /** The analysis clock at the PUBLISH (AnalysisContext.now, not the record's own time). */
  time = 0;
  topic = '';
  qos = 0;
  packetId: number | null = null;
  frame = 0;
  /** copySizeBound of the PUBLISH (a subscriber's Maximum Packet Size may rule it out; looked at again at PUBREL). */
  size = 0;
  /** Sent before its connection's CONNACK [MQTT-3.1.4-5]: processed only if the CONNACK accepts it (unprocessed()). */
  early = false;
  /** Of an early one: RETAIN and the size as sent, checked against the CONNACK when it is decided. */
  earlyRetain = false;
  /**
   * Subscribers (the first TOO_BIG_LISTED, each with the filter that matched) the broker
   * does not send it to because it is larger than the Maximum Packet Size of their
   * CONNECT [MQTT-3.1.2-25]; `tooBigCount` counts them all. Reported when it is decided,
   * if the broker took it (tooBigReport()).
   */
  tooBig: TooBig[] | null = null;
  tooBigCount = 0;
  /** Of an early one: its Topic Alias (0 when none), checked against the CONNACK's Topic Alias Maximum. */
  earlyAlias = 0;
  earlySize = 0;
  /**
   * QoS 2 released by a PUBREL re-sent on a resumed persistent session: the connection
   * the PUBLISH and PUBREC were on ('' otherwise). `publisher` is then the resumed one.
   */
  resumedFrom = '';
  /** The payload: buf[payOff, payOff + payLen). */
  buf: Uint8Array = NO_BYTES;
  payOff = 0;
  payLen = 0;
  /** Instead of `buf`, when the held-bytes budget was spent: the payload's SHA-256. */
  digest: Buffer | null = null;
  /** The PUBLISH's record, when records are kept. */
  rec: PacketRecord | null = null;
  /** The topic's state, whose `pending` list holds this message. */
  entry: TopicState = NO_TOPIC;
  publisher: Session = NO_SESSION;
  expectations: Expectation[] = NO_EXPECTATIONS;

  /** Make this the pending state of `publish` (a new or a recycled Pending). */
  init(seq: number, publish: PacketRecord, time: number, rec: PacketRecord | null, entry: TopicState, publisher: Session, expectations: Expectation[], windowUs: number, digest: Buffer | null, size: number): this {
    const sum = publish.summary;
    this.ack = null;
    this.released = sum.qos < 2;
    this.earlyRelease = -1;
    this.readyAfter = 0;
    this.closesAfter = windowUs;
    this.done = false;
    this.got0 = null;
    this.gotRest = expectations.length > 1 ? new Array<PacketRecord | null>(expectations.length - 1).fill(null) : null;
    this.missing = expectations.length;
    this.esIndex = null;
    this.esShared = null;
    this.seq = seq;
    this.time = time;
    this.topic = publish.topic!;
    this.qos = sum.qos;
    this.packetId = sum.packetId;
    this.frame = publish.frame;
    this.size = size;
    this.early = publisher.state === 'connecting';
    this.earlyRetain = this.early && sum.retain;
    this.earlyAlias = this.early ? sum.topicAlias ?? 0 : 0;
    this.tooBig = null;
    this.tooBigCount = 0;
    this.earlySize = this.early ? publish.size : 0;
    this.resumedFrom = '';
    this.digest = digest;
    this.buf = digest === null ? bufferOf(publish) : NO_BYTES;
    this.payOff = payloadStart(publish);
    this.payLen = payloadLength(publish);
    this.rec = rec;
    this.entry = entry;
    this.publisher = publisher;
    this.expectations = expectations;
    return this;
  }

  /** Let go of everything it refers to (it waits in the pool). */
  clear(): void {
    this.ack = null;
    this.tooBig = null;
    this.got0 = null;
    this.gotRest = null;
    this.esIndex = null;
    this.esShared = null;
    this.buf = NO_BYTES;
    this.digest = null;
    this.rec = null;
    this.entry = NO_TOPIC;
    this.publisher = NO_SESSION;
    this.expectations = NO_EXPECTATIONS;
  }

  get readyAt(): number { return this.time + this.readyAfter; }
  get deadline(): number { return this.time + this.closesAfter; }
}

/** A subscriber a publish is too large for: its session and the filter that matched. */
/** `share`: the group, when `filter` is a shared subscription (`$share/{group}/...`) of `s`. */
interface TooBig { s: Session; filter: string; share: string | null }
/** Subscribers a too-large publish is reported for by name (the rest are counted). */
const TOO_BIG_LISTED = 20;
/**
 * A subscriber a maximum-packet-size finding named: the messages withheld from it since.
 * One finding per subscriber (connection), then follow-ups with the count when the total
 * reaches 10, 100, 1,000, … and when it closes (or at the end): a stream of 10,000 too
 * large messages made 10,000 lines.
 */
interface TooBigTally {
  /** Messages withheld from it in all (the first included), and at its last finding. */
  total: number;
  reported: number;
  /** The total at which the next follow-up is due. */
  next: number;
  filter: string;
  /** Frames of its first and latest withheld publish. */
  firstFrame: number;
  lastFrame: number;
  /** The first TOO_BIG_TOPICS distinct topics; `otherTopics`: some came on others. */
  topics: string[];
  otherTopics: boolean;
  /** Its connection closed (the follow-up then was written; later decisions still count). */
  closed: boolean;
}
const TOO_BIG_TOPICS = 20;
/** Tallies of closed subscribers are let go (their count written) past this many tallies. */
const TOO_BIG_TALLIES = 4096;

/**
 * A granted subscription of a live session whose filter matches a topic: one step
 * of the topic's route. What depends on the publish (the time it was granted, the
 * subscriber's Maximum Packet Size, no-local) is checked per publish.
 */
interface Candidate {
  session: Session;
  sub: Subscription;
  /** The expectation it counts towards: its key and that key's index in the route. */
  key: string;
  group: number;
  /** effectiveClientId(session) when the route was built. */
  cid: string | null;
  /** Expectation.cid for its key (null for share: and conn: keys). */
  keyCid: string | null;
  /** [session] and [sub.filter]: what an expectation with only this candidate holds (shared, copied before growing). */
  members1: Session[];
  filters1: string[];
}

/** Per topic: the pending messages, and who a publish on it is routed to. */
interface TopicState {
  topic: string;
  /**
   * Messages in publish order. Decided ones are marked done and left in place;
   * `head` skips the decided prefix and the list is compacted when mostly done.
   */
  pending: Pending[];
  head: number;
  /** Done entries at or after `head`. */
  dead: number;
  /**
   * Per subscriber: the seq of the last message its deliveries matched. Brokers
   * deliver a topic's messages in order, so the next delivery is looked for after
   * it first (a dropped message in front then costs nothing per delivery).
   */
  cursors: Map<Session, number>;
  /** Size of `cursors` at which the entries of closed sessions are dropped. */
  cursorSweepAt: number;
  route: Candidate[];
  /** Number of distinct expectation keys in `route`. */
  groups: number;
  /** The expectations when every candidate of `route` applies (the usual case), made on first use. */
  full: Expectation[] | null;
  /**
   * The publisher of the last message on this topic that reached a subscriber, and its
   * frame: a drop of another publish by the same connection is then not an ACL denial.
   */
  okBy: Session | null;
  okFrame: number;
  /** SessionTracker.generation `route` was built for (-1: never). */
  routeGen: number;
}

const NO_EXPECTATIONS: Expectation[] = [];
const NO_EXPECTATION: Expectation = { key: '', shareGroup: null, cid: null, members: [], filters: [] };
/** What a pooled Pending refers to instead of a real buffer, topic and publisher. */
const NO_BYTES = new Uint8Array(0);
const NO_TOPIC: TopicState = { topic: '', pending: [], head: 0, dead: 0, cursors: new Map(), cursorSweepAt: 0, route: [], groups: 0, full: null, routeGen: -1, okBy: null, okFrame: 0 };
const NO_SESSION = {} as Session;
/**
 * A buffer larger than this plus twice the payload it holds is a read worth counting
 * (held-bytes audit); a smaller one costs at most this much over its payload.
 */
const BIG_READ = 1024;
/** Most decided Pendings kept for reuse (enough for a steady backlog; a burst's excess goes to the GC). */
const POOL_MAX = 16_384;
/**
 * QoS 2 messages kept, in all, for the PUBREL a persistent session re-sends when it
 * resumes (DeliveryCorrelator.park()); past it the oldest are let go undecided.
 */
export const MAX_PARKED_MESSAGES = 10_000;
/** Topic states without pending messages are forgotten once there are this many (or twice as many as after the last sweep). */
const SWEEP_MIN = 1024;
/** A topic's delivery cursors are swept of closed sessions once there are this many (or twice as many as after the last sweep). */
const CURSOR_SWEEP_MIN = 256;

/**
 * Subscribers a finding names in its text and lists in its extra fields (a withheld-delivery's
 * delivered_to; an undelivered-publish's subscribers, acl_reads and acl_explanation); the rest
 * are counted: one dropped publish to 10,000 subscribers made a line of megabytes.
 */
const DELIVERED_LISTED = 20;
/** ACL verdicts an undelivered-publish quotes in its text (acl_explanation has them all). */
const READS_QUOTED = 5;
/**
 * Publishes reported undelivered or withheld that a late delivery is still looked for
 * (late()): the latest ones, and for each the first subscribers its finding named.
 */
const MAX_MISSED = 1_000;
const MAX_MISSED_SUBSCRIBERS = 100;

/** A subscriber a finding said missed a message, remembered by value (no Session kept alive). */
interface MissedSub {
  conn: string;
  cid: string | null;
  /** `$share/{group}/{filter}` for a shared group, else null. */
  shareFilter: string | null;
  name: string;
  json: Record<string, unknown>;
}

/** A publish an undelivered-publish or withheld-delivery reported: a copy that comes after all is late, not dropped. */
interface Missed {
  code: 'undelivered-publish' | 'withheld-delivery';
  frame: number;
  /** The analysis clock when the message could be routed (PUBLISH, or PUBREL for QoS 2). */
  readyAt: number;
  topic: string;
  qos: number;
  digest: Buffer;
  payLen: number;
  publisher: { client_id: string | null; username: string | null };
  publisherName: string;
  /** The subscribers not yet seen to get it late. */
  subs: MissedSub[];
  /** No longer looked for. */
  gone: boolean;
}

export class DeliveryCorrelator {
  private readonly byTopic = new Map<string, TopicState>();
  /** The state of the previous publish or delivery: runs of one topic skip the map lookup. */
  private lastTopic: TopicState | null = null;
  private sweepAt = SWEEP_MIN;
  private seq = 0;
  /** Pending-list entries visited by delivery matching and compaction (a complexity gauge for tests). */
  work = 0;
  /** Expectations a delivery looked at to find the one it meets (a complexity gauge for tests). */
  expectationWork = 0;
  /** Publishes not checked for delivery because `maxPending` were already awaited. */
  untracked = 0;
  /** Payload bytes awaited publishes hold in place (at most `maxPendingBytes`). */
  heldBytes = 0;
  /** Publishes that kept a digest instead of their payload, the budget being spent. */
  digested = 0;
  /** Bytes of new buffers publishes started holding since the last audit (an upper bound). */
  private newBufferBytes = 0;
  /** The buffer of the latest publish held in place (the next one is usually in the same read). */
  private lastBuffer: Uint8Array | null = null;
  /** The delivery whose payload digest was computed last (a delivery is compared with several publishes). */
  private digestRec: PacketRecord | null = null;
  private digestVal: Buffer | null = null;
  /** QoS 1/2 messages awaiting their ack or PUBREL, by connection id and packet id. */
  private readonly byId = new Map<string, IntMap<Pending>>();
  /** Per client id of a closed persistent session, its parked QoS 2 messages by packet id (park()). */
  private readonly parked = new Map<string, Map<number, Pending>>();
  /** Parked messages in the order they were parked (entries behind parkedHead, or no longer parked, are stale). */
  private parkedOrder: { cid: string; id: number; p: Pending }[] = [];
  private parkedHead = 0;
  private parkedCount = 0;
  private readonly heap = new DeadlineHeap<Pending>();
  /** Decided Pendings no list or queue holds any more, for reuse. */
  private readonly pool: Pending[] = [];
  /** Scratch space of expected(): the expectation of each route group in the current call. */
  private readonly slotStamp: number[] = [];
  private readonly slotExp: Expectation[] = [];
  private stamp = 0;
  /** What the last expected() ruled out by Maximum Packet Size alone (Pending.tooBig). */
  private readonly tooBigFound: TooBig[] = [];
  private tooBigFoundCount = 0;
  private tooBigLast: Session | null = null;
  /** Scratch space of route(): the subscriptions the index found. */
  private readonly found: { s: Session; sub: Subscription }[] = [];
  private readonly collect = (s: Session, sub: Subscription): void => { this.found.push({ s, sub }); };

  /** The broker routes a QoS 2 message at its PUBREL (mosquitto, the bundled broker); see reroute(). */
  private readonly routesAtPubrel: boolean;
  /** Reported publishes by topic, oldest first (late()), and all of them in the order reported. */
  private readonly missed = new Map<string, Missed[]>();
  /** Subscribers named by a maximum-packet-size finding (tooBigReport()). */
  private readonly tooBigTally = new Map<Session, TooBigTally>();
  private missedOrder: Missed[] = [];
  private missedHead = 0;
  private missedCount = 0;
  /** The analysis clock at the latest broker→client packet, on any connection (-1: none yet). */
  private brokerAt = -1;
  /**
   * The first client request that awaits an answer (CONNECT, QoS 1/2 PUBLISH, PUBREL,
   * SUBSCRIBE, UNSUBSCRIBE, PINGREQ) since that packet: its frame (0: none), time, type
   * and connection. A broker that answers nothing anywhere while one waits is stalled.
   */
  private requestFrame = 0;
  private requestAt = 0;
  private requestType = 0;
  private requestBy: Session = NO_SESSION;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly sessions: SessionTracker,
    private readonly opts: DeliveryOptions,
  ) {
    this.routesAtPubrel = opts.brokerKind === 'mosquitto' || opts.brokerKind === 'aedes';
  }

  /** Messages whose delivery window is still open. */
  get pendingCount(): number {
    return this.heap.size;
  }

  /** Close every window that ended before `time`. */
  advance(time: number): void {
    for (;;) {
      const k = this.heap.peekKey();
      if (k === undefined || k >= time) return;
      const p = this.heap.pop()!;
      if (p.done) continue;
      if (p.deadline > k) { this.heap.push(p.deadline, p); continue; }
      this.evaluate(p);
      this.drop(p);
    }
  }

  private get settleUs(): number {
    return Math.min(this.opts.windowUs, this.opts.settleUs ?? 250_000);
  }

  /**
   * End of input: a window still open is decided when the input went on for at
   * least the settle time after the message became deliverable (a short capture
   * of a whole scenario); otherwise it is left undecided.
   */
  end(time: number): void {
    this.advance(time);
    for (let p = this.heap.pop(); p; p = this.heap.pop()) {
      if (!p.done && p.released && time >= p.readyAt + this.settleUs) this.evaluate(p);
      this.drop(p);
    }
    for (const [s, t] of this.tooBigTally) this.tooBigFollowUp(s, t, 'end');
    this.tooBigTally.clear();
  }

  /**
   * A connection closed: forget its (empty) packet-id table. A persistent session's
   * QoS 2 messages the broker acknowledged with PUBREC but that were not released yet
   * are parked for its next connection (park()).
   */
  closed(s: Session): void {
    const t = this.tooBigTally.size !== 0 ? this.tooBigTally.get(s) : undefined;
    if (t !== undefined && s.closeHow !== 'end') { this.tooBigFollowUp(s, t, 'close'); t.closed = true; }
    const m = this.byId.get(s.connId);
    if (m === undefined) return;
    if (m.size > 0 && outlivesConnection(s)) this.park(s, m);
    if (m.size === 0) this.byId.delete(s.connId);
  }

  /**
   * Keep `s`'s acknowledged, unreleased QoS 2 messages past their window: the broker
   * holds such a message in the session and routes it when the client, on resuming
   * the session, re-sends its PUBREL [MQTT-4.4.0-1] (release()). Parked messages
   * leave the deadline queue (nothing is decided while the client is away) and keep
   * a digest of their payload, not the read it came in. At most MAX_PARKED_MESSAGES
   * in all; the oldest go first.
   */
  private park(s: Session, m: IntMap<Pending>): void {
    const cid = effectiveClientId(s);
    if (cid === null) return;
    for (const p of [...m.values()]) {
      const id = p.packetId!;
      if (p.done || p.qos !== 2 || p.released || p.ack === null || p.earlyRelease >= 0) continue;
      m.delete(id);
      this.heap.remove(p);
      if (p.digest === null) this.digest(p);
      let byId = this.parked.get(cid);
      if (byId === undefined) this.parked.set(cid, (byId = new Map()));
      const old = byId.get(id);
      if (old !== undefined) this.unpark(old, cid, id);
      byId.set(id, p);
      this.parkedOrder.push({ cid, id, p });
      this.parkedCount++;
    }
    while (this.parkedCount > MAX_PARKED_MESSAGES) {
      const o = this.parkedOrder[this.parkedHead]!;
      (this.parkedOrder as unknown[])[this.parkedHead++] = undefined;
      if (this.parked.get(o.cid)?.get(o.id) === o.p) this.unpark(o.p, o.cid, o.id);
    }
    // Entries of messages no longer parked (resumed, let go) are stale: drop them once they
    // outnumber the parked ones, so the list stays within twice the cap however many come and go.
    if (this.parkedOrder.length - this.parkedHead > 2 * this.parkedCount + 1024) {
      this.parkedOrder = this.parkedOrder.slice(this.parkedHead).filter((o) => this.parked.get(o.cid)?.get(o.id) === o.p);
      this.parkedHead = 0;
    }
  }

  /** A parked message is let go undecided (never released, or its session was not resumed). */
  private unpark(p: Pending, cid: string, id: number): void {
    const byId = this.parked.get(cid)!;
    byId.delete(id);
    if (byId.size === 0) this.parked.delete(cid);
    this.parkedCount--;
    this.drop(p);
  }

  /**
   * A CONNACK accepted a connection of `s`'s client id: unless it resumed a persistent
   * session (session present after clean session 0), the broker discarded that
   * session's messages, so its parked ones are let go.
   */
  connected(s: Session): void {
    if (this.parkedCount === 0) return;
    const cid = effectiveClientId(s);
    if (cid === null || (s.sessionPresent === true && s.cleanStart === false)) return;
    const byId = this.parked.get(cid);
    if (byId !== undefined) for (const [id, p] of [...byId]) this.unpark(p, cid, id);
  }

  /** Messages kept for a resumed session's PUBREL (park()). */
  get parkedMessages(): number {
    return this.parkedCount;
  }

  /**
   * The subscribers (described as in findings: name and filters) a publish by `pub` on
   * `topic` would be routed to now: for a will the broker did not publish.
   */
  routeNow(topic: string, pub: Session): string[] {
    return this.expected(this.topicState(topic), pub, this.ctx.now, 0).map(describe);
  }

  /** Returns true when an s2c PUBLISH was matched to a client's publish. */
  packet(rec: PacketRecord, s: Session): boolean {
    const sum = rec.summary;
    if (rec.dir === 's2c') { this.brokerAt = this.ctx.now; if (this.requestFrame !== 0) { this.requestFrame = 0; this.requestBy = NO_SESSION; } }
    else if (this.requestFrame === 0 && awaitsAnswer(sum.type, sum.qos)) {
      this.requestFrame = rec.frame;
      this.requestAt = this.ctx.now;
      this.requestType = sum.type;
      this.requestBy = s;
    }
    switch (sum.type) {
      case 3: if (rec.dir === 'c2s') this.publish(rec, s); else return this.delivery(rec, s); break;
      case 4: case 5: if (rec.dir === 's2c') this.ack(rec, s); break;
      case 6: if (rec.dir === 'c2s') this.release(rec, s); break;
    }
    return false;
  }

  private idGet(connId: string, id: number): Pending | undefined {
    return this.byId.get(connId)?.get(id);
  }

  private idSet(connId: string, id: number, p: Pending): void {
    let m = this.byId.get(connId);
    if (!m) this.byId.set(connId, (m = new IntMap()));
    m.set(id, p);
  }

  private idDelete(s: Session, id: number): void {
    const m = this.byId.get(s.connId);
    if (!m) return;
    m.delete(id);
    // Kept while the connection is open (it is about to be used again); closed() forgets it.
    if (m.size === 0 && s.closedAt !== null) this.byId.delete(s.connId);
  }

  private publish(rec: PacketRecord, pub: Session): void {
    const sum = rec.summary;
    const topic = rec.topic;
    if (topic === null || topic === '') return;
    // The broker only routes publishes of an accepted connection (or one whose CONNECT we
    // missed). A client may send them right after its CONNECT, before the CONNACK
    // [MQTT-3.1.4-5]: awaited, and decided only if the CONNACK accepted it (evaluate()).
    if (pub.state !== 'connected' && pub.state !== 'connecting' && !(pub.state === 'open' && pub.connectFrame === null)) return;
    // Sent after a DISCONNECT: the client must send nothing more [MQTT-3.14.4-2], and the broker, which closes the connection, routes none of it.
    if (pub.disconnect !== null) return;
    // A PUBLISH that breaks a limit of the broker's CONNACK (Maximum QoS, Retain Available,
    // Maximum Packet Size, Topic Alias Maximum): it disconnects the client and routes
    // nothing (a QoS 0 one was taken as delivered-to-nobody, a denied write).
    if (publishRefused(pub, rec)) return;
    const id = sum.qos > 0 ? sum.packetId : null;
    if (id !== null && sum.dup && this.idGet(pub.connId, id) !== undefined) return; // re-send of a message already tracked
    const ts = this.topicState(topic);
    const now = this.ctx.now;
    // Compared with subscribers' Maximum Packet Size: the copy they are sent may be larger.
    const size = copySizeBound(rec);
    const expectations = this.expected(ts, pub, now, size);
    // Nobody to deliver to. mosquitto routes a QoS 2 message at its PUBREL, though, so a
    // subscriber granted before then is owed it: such a message waits for its PUBREL.
    if (expectations.length === 0 && !(sum.qos === 2 && this.routesAtPubrel) && this.tooBigFoundCount === 0) return;
    // Bounded memory when a broker (or a hostile client) keeps a huge number in flight.
    if (this.heap.size >= this.opts.maxPending) { this.untracked++; return; }
    const len = payloadLength(rec);
    let digest: Buffer | null = null;
    if (this.heldBytes + len <= this.opts.maxPendingBytes) this.heldBytes += len;
    else { digest = payloadDigest(rec); this.digested++; }
    const p = (this.pool.pop() ?? new Pending()).init(++this.seq, rec, now, this.opts.keepRecords ? rec : null, ts, pub, expectations, this.opts.windowUs, digest, size);
    this.takeTooBig(p);
    if (id !== null) this.idSet(pub.connId, id, p);
    ts.pending.push(p);
    this.heap.push(p.deadline, p);
    // A read much larger than the payload it keeps alive counts towards the next audit
    // (a read of one packet, the usual case, costs this one compare). Publishes of one
    // read come one after another, so a read is counted once.
    const buf = p.buf;
    if (buf.byteLength > BIG_READ + 2 * p.payLen && digest === null && buf !== this.lastBuffer) {
      this.lastBuffer = buf;
      this.newBufferBytes += buf.byteLength;
      if (this.newBufferBytes > this.opts.maxPendingBytes / 4) this.audit();
    }
  }

  /**
   * Count the read buffers awaited publishes hold; past the budget, the oldest
   * publishes keep a digest of their payload instead, until three quarters of it
   * are left. Run once a quarter of the budget in new buffers has been taken on,
   * so its walk over the awaited publishes is paid for by the traffic that made it.
   */
  private audit(): void {
    this.newBufferBytes = 0;
    const max = this.opts.maxPendingBytes;
    let total = this.bufferBytes();
    // A payload is compared in place, and that keeps its whole read alive: a 10-byte
    // payload in a 64 KiB socket read holds 64 KiB (`heldBytes` counts payloads).
    if (total > max) {
      const target = (max * 3) / 4;
      let run: ArrayBufferLike | null = null;
      let stopped = false;
      for (const p of this.heap.entries()) {
        if (p.done || p.digest !== null) continue;
        const ab = p.buf.buffer;
        if (ab !== run) {
          // Every publish of the previous run keeps a digest now: its buffer is let go.
          if (run !== null) {
            total -= run.byteLength;
            if (total <= target) { stopped = true; break; }
          }
          run = ab;
        }
        this.digest(p);
      }
      if (!stopped && run !== null) total -= run.byteLength;
    }
  }

  /**
   * Bytes of the read buffers awaited publishes hold. Publishes of one read are
   * next to each other in the deadline queue's order, so a buffer is counted once
   * per run of them (more than once only when runs interleave, which errs high).
   */
  bufferBytes(): number {
    let total = 0;
    let prev: ArrayBufferLike | null = null;
    for (const p of this.heap.entries()) {
      if (p.done || p.digest !== null) continue;
      const ab = p.buf.buffer;
      if (ab !== prev) { total += ab.byteLength; prev = ab; }
    }
    return total;
  }

  /** Keep a SHA-256 of an awaited publish's payload instead of its place in a buffer. */
  private digest(p: Pending): void {
    const b = p.buf;
    p.digest = createHash('sha256').update(b.subarray(p.payOff, p.payOff + p.payLen)).digest();
    this.heldBytes -= p.payLen;
    p.buf = NO_BYTES;
    this.digested++;
    if (this.lastBuffer === b) this.lastBuffer = null;
  }

  /** The state of `topic`, created when missing. */
  private topicState(topic: string): TopicState {
    const last = this.lastTopic;
    if (last !== null && last.topic === topic) return last;
    let ts = this.byTopic.get(topic);
    if (ts === undefined) {
      if (this.byTopic.size >= this.sweepAt) this.sweep();
      ts = { topic, pending: [], head: 0, dead: 0, cursors: new Map(), cursorSweepAt: CURSOR_SWEEP_MIN, route: [], groups: 0, full: null, routeGen: -1, okBy: null, okFrame: 0 };
      this.byTopic.set(topic, ts);
    }
    this.lastTopic = ts;
    return ts;
  }

  /** Forget the states of topics without pending messages (their routes are rebuilt when needed). */
  private sweep(): void {
    for (const [k, ts] of this.byTopic) if (ts.pending.length === 0) this.byTopic.delete(k); // drop() empties a fully decided list
    this.lastTopic = null;
    this.sweepAt = Math.max(SWEEP_MIN, 2 * this.byTopic.size);
  }

  /**
   * Subscribers of live connections whose granted subscriptions match the topic now.
   * The matching part is cached per topic until SessionTracker.generation moves;
   * only the grant time, Maximum Packet Size and no-local are checked per publish.
   */
  private expected(ts: TopicState, pub: Session, time: number, size: number): Expectation[] {
    // Setting an array's length is a runtime call in V8 (6% of the capacity load's time when
    // done for every publish): only when there is something to drop.
    if (this.tooBigFound.length !== 0) this.tooBigFound.length = 0;
    this.tooBigFoundCount = 0;
    this.tooBigLast = null;
    const gen = this.sessions.generation;
    if (ts.routeGen !== gen) this.route(ts, gen);
    const route = ts.route;
    const n = route.length;
    if (n === 0) return NO_EXPECTATIONS;
    let i0 = 0;
    while (i0 < n && this.applies(route[i0]!, pub, time, size)) i0++;
    if (i0 === n) return (ts.full ??= this.build(route, pub, time, size, true));
    return this.build(route, pub, time, size, false);
  }

  /** Whether candidate `c` gets a publish from `pub` at `time` of `size` bytes. */
  private applies(c: Candidate, pub: Session, time: number, size: number): boolean {
    const s = c.session;
    // [MQTT-3.1.2-25]: a message larger than the client's Maximum Packet Size is discarded for it
    // (`size` is at most what the copy to it weighs: near the limit it is not known to fit).
    if (s.maxPacketSize !== null && size > s.maxPacketSize) return false;
    const sub = c.sub;
    if (sub.grantedAt > time) return false;
    // [MQTT-3.8.3-3] no-local: not sent back to the connection that published it.
    if (sub.noLocal && sub.shareGroup === null) {
      if (s === pub || (c.cid !== null && c.cid === effectiveClientId(pub))) return false;
    }
    return true;
  }

  /** The expectations of the candidates that apply (all of them when `all`), one per route group. */
  private build(route: Candidate[], pub: Session, time: number, size: number, all: boolean): Expectation[] {
    const n = route.length;
    const stamp = ++this.stamp;
    const slotStamp = this.slotStamp, slotExp = this.slotExp;
    let out: Expectation[] | null = null;
    for (let i = 0; i < n; i++) {
      const c = route[i]!;
      if (!all && !this.applies(c, pub, time, size)) {
        // Ruled out by its Maximum Packet Size alone. A shared group's member too: mosquitto
        // 2.0.11 hands the group's messages to its members in turn and discards one too large
        // for the member whose turn it is (tooBigReport() names it only if the group got nothing).
        const ms = c.session.maxPacketSize;
        if (ms !== null && size > ms && this.applies(c, pub, time, 0)) {
          const found = this.tooBigFound;
          const lastS = found.length > 0 ? found[found.length - 1]!.s : null;
          if (lastS !== c.session && this.tooBigLast !== c.session) {
            this.tooBigFoundCount++;
            if (found.length < TOO_BIG_LISTED) found.push({ s: c.session, filter: c.sub.filter, share: c.sub.shareGroup });
          }
          this.tooBigLast = c.session;
        }
        continue;
      }
      const s = c.session;
      const sub = c.sub;
      const g = c.group;
      if (slotStamp[g] !== stamp) {
        // The candidate's one-member arrays are shared until a second candidate joins the group.
        const e: Expectation = { key: c.key, shareGroup: sub.shareGroup, cid: c.keyCid, members: c.members1, filters: c.filters1 };
        slotStamp[g] = stamp;
        slotExp[g] = e;
        (out ??= []).push(e);
        continue;
      }
      const e = slotExp[g]!;
      // A session's candidates are adjacent in the route, so only the last member can be `s`.
      if (e.members[e.members.length - 1] !== s) {
        if (e.members.length === 1) e.members = [e.members[0]!];
        e.members.push(s);
      }
      if (!e.filters.includes(sub.filter)) {
        if (e.filters.length === 1) e.filters = [e.filters[0]!];
        e.filters.push(sub.filter);
      }
    }
    return out ?? NO_EXPECTATIONS;
  }

  /**
   * Rebuild the route of a topic: every granted subscription of a live, accepted session
   * matching it. The sessions' subscription index (SessionTracker.subIndex) gives the
   * matching ones, so the cost is that of the filters that share the topic's levels,
   * not one topic match per subscription of every session. Sessions whose subscriptions
   * the analysis does not know in full are not in the index (Session.subscriptionsIncompleteAt).
   */
  private route(ts: TopicState, gen: number): void {
    const topic = ts.topic;
    const route: Candidate[] = [];
    let groups: Map<string, number> | null = null;
    const found = this.found;
    found.length = 0;
    this.sessions.subIndex.match(topic, this.collect);
    // In the order the sessions opened (what the findings list subscribers in), and a
    // session's subscriptions in the order of its entries.
    for (let i = 1; i < found.length; i++) {
      const a = found[i - 1]!, b = found[i]!;
      if (b.s.openSeq < a.s.openSeq || (b.s === a.s && b.sub.order < a.sub.order)) {
        found.sort((x, y) => x.s.openSeq - y.s.openSeq || x.sub.order - y.sub.order);
        break;
      }
    }
    let last: Session | null = null;
    let cid: string | null = null;
    for (const { s, sub } of found) {
      if (s !== last) {
        last = s;
        cid = effectiveClientId(s);
      }
      if (!isLive(s)) continue;
      if (s.state !== 'connected' && !(s.state === 'open' && s.connectFrame === null)) continue;
      // After a DISCONNECT (either side) the broker sends nothing more, however late the close is seen.
      if (s.disconnect !== null) continue;
      let key: string;
      let keyCid: string | null = null;
      if (sub.shareGroup !== null) key = `share:${sub.shareGroup}/${sub.topicFilter}`;
      else if (cid !== null) { key = `cid:${cid}`; keyCid = cid; } else key = `conn:${s.connId}`;
      groups ??= new Map();
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = groups.size));
      route.push({ session: s, sub, key, group, cid, keyCid, members1: [s], filters1: [sub.filter] });
    }
    found.length = 0;
    ts.route = route;
    ts.full = null;
    ts.groups = groups?.size ?? 0;
    ts.routeGen = gen;
    while (this.slotStamp.length < ts.groups) { this.slotStamp.push(0); this.slotExp.push(NO_EXPECTATION); }
  }

  private ack(rec: PacketRecord, s: Session): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    const p = this.idGet(s.connId, id);
    if (!p || p.ack) return;
    const code = rec.summary.reasonCodes?.[0] ?? 0;
    const type = rec.summary.type;
    if ((type === 4 && p.qos !== 1) || (type === 5 && p.qos !== 2)) return;
    p.ack = { rec, type, code };
    if (isFailure(type, code, s.version ?? rec.version)) {
      // Rejected: reported as publish-rejected, never as a drop.
      this.drop(p);
      return;
    }
    if (type === 4) this.idDelete(s, id);
    // Its PUBREL came first (the client broke the QoS 2 order; mosquitto, which sent this
    // PUBREC on receipt, released the message at that PUBREL): released as of then.
    else if (p.earlyRelease >= 0) this.applyRelease(p, s, id, p.earlyRelease);
  }

  private release(rec: PacketRecord, s: Session): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    // Sent after a DISCONNECT (either side): the broker reads nothing more, so it never
    // releases the message (as for a publish then); the window ends it undecided.
    if (s.disconnect !== null) return;
    const p = this.idGet(s.connId, id) ?? this.resumed(s, id);
    if (!p || p.qos !== 2 || p.released) return;
    // Before the PUBREC was seen: a protocol violation by the client (the flow tracker
    // reports it), but mosquitto releases a QoS 2 message on any PUBREL for an id it holds
    // (db__message_release_incoming looks at no state), and it sent its PUBREC as it read
    // the PUBLISH. The first such PUBREL is kept and applied when the PUBREC arrives: a
    // rejecting PUBREC (>= 0x80) still decides it as rejected.
    if (!p.ack) {
      if (p.earlyRelease < 0) p.earlyRelease = this.ctx.now;
      return;
    }
    this.applyRelease(p, s, id, this.ctx.now);
  }

  /**
   * A PUBREL with no message on this connection, on a resumed persistent session
   * (CONNACK session present after clean session 0): the re-send [MQTT-4.4.0-1] of one
   * the client's previous connection left unsent, whose message the broker kept and
   * routes now. That message is parked (park()), or, after a take-over whose older
   * connection has not closed yet, still on that connection. It moves to this one.
   */
  private resumed(s: Session, id: number): Pending | undefined {
    if (s.sessionPresent !== true || s.cleanStart !== false) return undefined;
    const cid = effectiveClientId(s);
    if (cid === null) return undefined;
    let p: Pending | undefined;
    const byId = this.parked.get(cid);
    const parked = byId?.get(id);
    if (parked !== undefined) {
      byId!.delete(id);
      if (byId!.size === 0) this.parked.delete(cid);
      this.parkedCount--;
      p = parked;
    } else {
      for (const old of s.tookOver) {
        const q = this.idGet(old, id);
        if (q === undefined || q.qos !== 2 || q.released || q.ack === null) continue;
        this.byId.get(old)!.delete(id);
        p = q;
        break;
      }
    }
    if (p === undefined || p.done) return undefined;
    if (p.resumedFrom === '') p.resumedFrom = p.publisher.connId;
    p.publisher = s;
    this.idSet(s.connId, id, p);
    return p;
  }

  /** QoS 2: the message is released (routed, for mosquitto) at `at`, on the analysis clock. */
  private applyRelease(p: Pending, s: Session, id: number, at: number): void {
    this.idDelete(s, id);
    p.released = true;
    p.readyAfter = at - p.time;
    p.closesAfter = Math.max(p.closesAfter, p.readyAfter + this.opts.windowUs);
    if (!p.done) this.reroute(p, at);
    // Resumed from a parked message: back in the deadline queue, with its new window.
    if (!p.done && p.heapIndex === -1) this.heap.push(p.deadline, p);
  }

  /**
   * QoS 2, at PUBREL: mosquitto routes the message now, not at the PUBLISH (its
   * handle__pubrel queues it to the subscriptions it finds then), and so does the bundled
   * broker (src/broker/qos2-release.ts), so a subscriber that unsubscribed, or whose
   * subscriptions stopped being known in full, between the two is not owed it, and one
   * granted in between is. Expectations are the route at PUBREL; one met by a delivery
   * before it (a broker that routes on receipt, as plain aedes does, before its PUBREC)
   * stays met. With an unknown broker, a subscriber that was not routed to at the PUBLISH
   * is not expected either (either time may be the one).
   */
  private reroute(p: Pending, now: number): void {
    const old = p.expectations;
    const fresh = this.expected(p.entry, p.publisher, now, p.size);
    this.takeTooBig(p);
    // The route did not change since the PUBLISH (its cached expectations, the usual
    // case): nothing to redo, and no Map or arrays made per QoS 2 message. Still nobody
    // to deliver to (a message kept for its PUBREL only): decided.
    if (fresh === old || (fresh.length === 0 && old.length === 0)) {
      if (old.length === 0) this.drop(p);
      return;
    }
    const atPubrel = this.routesAtPubrel;
    const es: Expectation[] = [];
    const got: (PacketRecord | null)[] = [];
    const left = new Map<string, number>();
    for (let j = 0; j < old.length; j++) left.set(old[j]!.key, j);
    for (const e of fresh) {
      const j = left.get(e.key);
      if (j !== undefined) {
        left.delete(e.key);
        es.push(e);
        got.push(gotOf(p, j));
      } else if (atPubrel) {
        es.push(e);
        got.push(null);
      }
    }
    for (const j of left.values()) {
      const r = gotOf(p, j);
      if (r !== null) { es.push(old[j]!); got.push(r); }
    }
    p.expectations = es;
    p.got0 = got[0] ?? null;
    p.gotRest = es.length > 1 ? got.slice(1) : null;
    p.missing = 0;
    for (const r of got) if (r === null) p.missing++;
    p.esIndex = null;
    p.esShared = null;
    // Nothing owed any more, or everything owed already delivered: decided.
    if (got.every((r) => r !== null)) this.drop(p);
  }

  private delivery(rec: PacketRecord, sub: Session): boolean {
    if (this.deliveryOf(rec, sub)) return true;
    return this.missedCount !== 0 && this.late(rec, sub);
  }

  private deliveryOf(rec: PacketRecord, sub: Session): boolean {
    const topic = rec.topic;
    if (topic === null) return false;
    let ts = this.lastTopic;
    if (ts === null || ts.topic !== topic) {
      ts = this.byTopic.get(topic) ?? null;
      if (ts === null) return false;
      this.lastTopic = ts;
    }
    const list = ts.pending;
    const n = list.length;
    if (n - ts.head - ts.dead === 0) return false;
    const cid = effectiveClientId(sub);
    // Start after this subscriber's last matched message (binary search on seq);
    // look before it only when nothing after it matches (out-of-order delivery).
    let start = ts.head;
    const cur = ts.cursors.get(sub);
    // The usual case needs no search: in-order deliveries retire each message as they
    // go, so the first undecided one is already past the cursor. (A search would touch
    // a dozen long-held messages, each a cache miss when many are in flight.)
    if (cur !== undefined && list[start]!.seq <= cur) {
      let hi = n;
      while (start < hi) {
        const mid = (start + hi) >>> 1;
        if (list[mid]!.seq <= cur) start = mid + 1;
        else hi = mid;
      }
    }
    let p = this.match(list, start, n, rec, sub, cid);
    if (p === null && start > ts.head) p = this.match(list, ts.head, start, rec, sub, cid);
    if (p === null) return false;
    ts.cursors.set(sub, p.seq);
    ts.okBy = p.publisher;
    ts.okFrame = p.frame;
    if (ts.cursors.size >= ts.cursorSweepAt) {
      // Many subscribers came and went while the list never emptied: forget the closed ones.
      for (const s of ts.cursors.keys()) if (s.closedAt !== null) ts.cursors.delete(s);
      ts.cursorSweepAt = Math.max(CURSOR_SWEEP_MIN, 2 * ts.cursors.size);
    }
    // Every expected subscriber got it: nothing left to decide, so retire it now.
    if (p.missing === 0) this.drop(p);
    return true;
  }

  /** The first message in list[from, to) this delivery can be for; marks its expectation delivered. */
  private match(list: Pending[], from: number, to: number, rec: PacketRecord, sub: Session, cid: string | null): Pending | null {
    for (let i = from; i < to; i++) {
      const p = list[i]!;
      this.work++;
      // (A delivery always comes after its publish on the analysis clock, which never goes back.)
      // One sent before a CONNACK that refused it (or that never came) was never routed: a
      // delivery of the same payload is another publisher's, which it must not take.
      if (p.done || (p.early && unprocessed(p)) || !this.samePayload(rec, p)) continue;
      const es = p.expectations;
      // A receiver whose subscriptions the analysis does not know in full may be a
      // member of any shared group, and may have got this copy for any of them: it
      // meets every expectation it can be for (which errs towards no finding).
      const loose = sub.subscriptionsIncompleteAt !== null;
      if (!loose && es.length > INDEX_EXPECTATIONS) {
        // The expectations it can meet, from the index, looked at in the same order.
        const js = candidatesOf(p, sub, cid);
        for (let k = 0; k < js.length; k++) {
          const j = js[k]!;
          this.expectationWork++;
          if (gotOf(p, j) !== null) continue;
          const e = es[j]!;
          if (e.members.includes(sub) || (cid !== null && e.cid === cid) || this.inGroup(e, sub)) {
            if (j === 0) p.got0 = rec; else p.gotRest![j - 1] = rec;
            p.missing--;
            return p;
          }
        }
        continue;
      }
      let met = false;
      for (let j = 0; j < es.length; j++) {
        this.expectationWork++;
        if (gotOf(p, j) !== null) continue;
        const e = es[j]!;
        if (e.members.includes(sub) || (cid !== null && e.cid === cid) || (loose ? e.shareGroup !== null : this.inGroup(e, sub))) {
          if (j === 0) p.got0 = rec; else p.gotRest![j - 1] = rec;
          p.missing--;
          if (!loose) return p;
          met = true;
        }
      }
      if (met) return p;
    }
    return null;
  }

  /** Whether a delivery carries the publish's payload: compared in place, or by digest past the budget. */
  private samePayload(rec: PacketRecord, p: Pending): boolean {
    if (p.digest === null) return payloadEquals(rec, p.buf, p.payOff, p.payLen);
    if (payloadLength(rec) !== p.payLen) return false;
    if (this.digestRec !== rec) {
      this.digestRec = rec;
      this.digestVal = payloadDigest(rec);
    }
    return this.digestVal!.equals(p.digest);
  }

  /** Whether `s` holds the shared subscription of `e` (its filter is `$share/{group}/{topic filter}`: one look-up, not a walk of up to 10,000). */
  private inGroup(e: Expectation, s: Session): boolean {
    if (e.shareGroup === null || s.subscriptions.size === 0) return false;
    const prefix = `share:${e.shareGroup}/`;
    return s.subscriptions.get(`$share/${e.shareGroup}/${e.key.slice(prefix.length)}`)?.shareGroup === e.shareGroup;
  }

  private drop(p: Pending): void {
    if (p.done) return;
    p.done = true;
    if (p.tooBig !== null) { this.tooBigReport(p); p.tooBig = null; }
    // Decided: nothing reads what it got any more. Released now, since a decided
    // message can stay in its topic's list (behind others) until the list is compacted.
    p.got0 = null;
    p.gotRest = null;
    // Nothing compares its payload any more: let go of the bytes (and of their budget).
    if (p.digest === null) this.heldBytes -= p.payLen;
    p.buf = NO_BYTES;
    this.heap.remove(p);
    if (p.packetId !== null && this.idGet(p.publisher.connId, p.packetId) === p) this.idDelete(p.publisher, p.packetId);
    const ts = p.entry;
    const list = ts.pending;
    ts.dead++;
    // Slots behind the head are never read again: clear them, or every decided
    // message would stay reachable until the next compaction (half a list later).
    while (ts.head < list.length && list[ts.head]!.done) {
      this.leaveList(list[ts.head]!);
      (list as (Pending | undefined)[])[ts.head++] = undefined;
      ts.dead--;
    }
    if (ts.head === list.length) {
      // All decided: start afresh (what sweep() looks for). Cursors stay valid (they
      // are publish seqs; closed sessions' ones are swept when they pile up).
      if (list.length === 1) list.pop();
      else list.length = 0;
      ts.head = 0;
      ts.dead = 0;
    } else if (ts.head + ts.dead > 64 && 2 * (ts.head + ts.dead) > list.length) {
      // Mostly decided: keep the undecided ones, in order (amortised O(1) per message).
      let w = 0;
      this.work += list.length - ts.head;
      for (let r = ts.head; r < list.length; r++) {
        const q = list[r]!;
        if (!q.done) list[w++] = q;
        else this.leaveList(q);
      }
      list.length = w;
      ts.head = 0;
      ts.dead = 0;
    }
  }

  /** A decided message left its topic's list: nothing holds it any more, so it is kept for reuse. */
  private leaveList(p: Pending): void {
    // Out of the deadline queue already (drop() took it out before any list let go of it).
    if (p.heapIndex !== -1) return;
    p.clear();
    if (this.pool.length < POOL_MAX) this.pool.push(p);
  }

  /** Keep on `p` the subscribers the last expected() ruled out by their Maximum Packet Size. */
  private takeTooBig(p: Pending): void {
    if (this.tooBigFoundCount === 0) { p.tooBig = null; p.tooBigCount = 0; return; }
    p.tooBig = this.tooBigFound.slice();
    p.tooBigCount = this.tooBigFoundCount;
  }

  /**
   * A publish the broker took (QoS 0 not refused, PUBACK/PUBREC below 0x80 and, for QoS 2,
   * its PUBREL) that some subscribers were not owed because it is larger than the Maximum
   * Packet Size of their CONNECT: the broker discards it for them without a word to anyone
   * [MQTT-3.1.2-25] (mosquitto 2.0.11 does, checked on the wire). A shared group's member
   * counts only when the group got nothing: mosquitto 2.0.11 gives the message to the member
   * whose turn it is and discards it there, without trying another. One info
   * withheld-delivery (cause 'maximum-packet-size') for the subscribers not named before,
   * the first one's, naming up to 20; the others are counted (TooBigTally, tooBigFollowUp()).
   */
  private tooBigReport(p: Pending): void {
    let list = p.tooBig!;
    if (list.length === 0) return;
    // Taken: acknowledged (and released), or a copy already reached another subscriber
    // (retired then, before the PUBACK the broker may send after its copies).
    const copied = p.got0 !== null || (p.gotRest !== null && p.gotRest.some((r) => r !== null));
    if (p.qos > 0 && !copied && (p.ack === null || !p.released || p.ack.code >= 0x80)) return;
    const pub = p.publisher;
    if (pub.connectFrame !== null && pub.connackCode !== 0) return;
    if (p.early && (unprocessed(p) || p.qos > pub.serverMaxQos || (p.earlyRetain && !pub.retainAvailable) || (pub.serverRefusesAbove !== null && p.earlySize > pub.serverRefusesAbove)
      || (p.earlyAlias !== 0 && clientAliasRefused(pub, p.earlyAlias)))) return;
    let unlisted = p.tooBigCount - list.length;
    // A shared group that got the message lost nothing to its too small member.
    if (list.some((t) => t.share !== null)) list = list.filter((t) => t.share === null || !groupGot(p, t));
    // Subscribers named before: counted, and a follow-up when their count reaches the next step.
    const fresh: TooBig[] = [];
    for (const t of list) {
      const tally = this.tooBigTally.get(t.s);
      if (tally === undefined) { fresh.push(t); continue; }
      tally.total++;
      tally.lastFrame = p.frame;
      if (!tally.topics.includes(p.topic)) {
        if (tally.topics.length < TOO_BIG_TOPICS) tally.topics.push(p.topic);
        else tally.otherTopics = true;
      }
      if (tally.total >= tally.next && !tally.closed) this.tooBigFollowUp(t.s, tally, 'step');
    }
    if (fresh.length === 0) return;
    if (fresh.length < list.length) unlisted = 0; // Those not listed were most likely named before too.
    list = fresh;
    for (const t of list) {
      this.tooBigTally.set(t.s, {
        total: 1, reported: 1, next: 10, filter: t.filter, firstFrame: p.frame, lastFrame: p.frame, topics: [p.topic], otherTopics: false, closed: t.s.closedAt !== null,
      });
    }
    if (this.tooBigTally.size > TOO_BIG_TALLIES) {
      for (const [s, t] of this.tooBigTally) if (t.closed) { this.tooBigFollowUp(s, t, 'end'); this.tooBigTally.delete(s); }
    }
    const count = list.length + Math.max(0, unlisted);
    const copy = p.size - COPY_EXTRA;
    const json = (t: TooBig) => ({
      client_id: findingClientId(t.s), username: t.s.username, conn: t.s.connId, filter: t.filter,
      maximum_packet_size: t.s.maxPacketSize, connect_frame: t.s.connectFrame,
    });
    const first = list[0]!, fs = first.s, max = fs.maxPacketSize!;
    // The copy as published would fit: only what the broker adds (a Subscription Identifier) may make it too large.
    const near = copy <= max;
    const more = count - 1;
    const names = list.slice(1, 6).map((t) => `${who(t.s)} (${t.s.maxPacketSize})`).join(', ');
    const cid = effectiveClientId(fs);
    const shared = first.share !== null
      ? ` It is a member of the shared group '${first.share}', which got nothing: mosquitto 2.0.11 gives each message of a shared group to one member in turn and, when it is too large for that member, discards it instead of trying another.`
      : '';
    const text = `The PUBLISH of frame ${p.frame} from ${who(pub)} on '${p.topic}' was not sent to ${who(fs)}${fs.username && cid !== null ? ` (client id '${cid}')` : ''}, subscribed with '${first.filter}': its copy would be about ${copy} bytes${near ? ' (up to ' + p.size + ' with what the broker may add)' : ''}, `
      + `${near ? 'which may exceed' : 'larger than'} the Maximum Packet Size of ${max} bytes in the CONNECT of ${who(fs)}${fs.connectFrame !== null ? ` (frame ${fs.connectFrame})` : ''}, so the broker ${near ? 'may discard' : 'discards'} it for that client and tells nobody [MQTT-3.1.2-25].${shared} `
      + `This is not an ACL drop: the client asked for packets no larger than that. Raise its Maximum Packet Size or send smaller messages.`
      + (more > 0 ? ` ${more} more subscriber(s) ${near ? 'may' : 'did'} miss it for the same reason${names !== '' ? `: ${names}${more > 5 ? ', …' : ''}` : ''}.` : '')
      + ` Further such messages for ${count > 1 ? 'these subscribers' : 'it'} are counted, not reported one by one.`;
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'info', conn: fs.connId, clientId: findingClientId(fs), username: fs.username,
      recs: [p.rec, p.ack?.rec], frames: fs.connectFrame !== null ? [p.frame, fs.connectFrame] : [p.frame], topic: p.topic, text,
      extra: {
        cause: 'maximum-packet-size', publisher: { client_id: findingClientId(pub), username: pub.username },
        subscriber: json(first), subscribers: list.map(json), ...(count > list.length ? { subscriber_count: count } : {}),
        ...(first.share !== null ? { share_group: first.share } : {}),
        maximum_packet_size: max, copy_size: copy, copy_size_max: p.size, ...(near ? { near_limit: true } : {}),
        qos: p.qos, packet_id: p.packetId, acl_drop: false, spec: 'MQTT-3.1.2-25',
      },
    });
  }

  /**
   * The messages withheld from subscriber `s` by its Maximum Packet Size since its last
   * finding: one info withheld-delivery with the count (`follow_up: true`), when the total
   * reaches the next power of ten ('step'), when it closes, or at the end of the input.
   */
  private tooBigFollowUp(s: Session, t: TooBigTally, when: 'step' | 'close' | 'end'): void {
    const n = t.total - t.reported;
    if (n <= 0) return;
    while (t.next <= t.total) t.next *= 10;
    t.reported = t.total;
    const max = s.maxPacketSize;
    const topics = t.topics.map((x) => `'${x}'`).join(', ') + (t.otherTopics ? ', …' : '');
    const at = when === 'close' ? ' (its connection closed)' : when === 'end' ? ' (end of the input)' : '';
    const text = `${n.toLocaleString('en-US')} more message(s) larger than the Maximum Packet Size of ${max} bytes of ${who(s)} were not sent to it${at}: `
      + `${t.total.toLocaleString('en-US')} in all since frame ${t.firstFrame}, the latest in frame ${t.lastFrame}, on ${topics}, subscribed with '${t.filter}'. `
      + `The first one's finding explains why [MQTT-3.1.2-25]; this is not an ACL drop.`;
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      frames: [t.lastFrame], topic: t.topics.length === 1 && !t.otherTopics ? t.topics[0]! : null, text,
      extra: {
        cause: 'maximum-packet-size', follow_up: true, withheld_count: n, withheld_total: t.total,
        first_frame: t.firstFrame, last_frame: t.lastFrame, topics: t.topics, ...(t.otherTopics ? { topics_not_listed: true } : {}),
        subscriber: { client_id: findingClientId(s), username: s.username, conn: s.connId, filter: t.filter, maximum_packet_size: max, connect_frame: s.connectFrame },
        maximum_packet_size: max, acl_drop: false, spec: 'MQTT-3.1.2-25',
      },
    });
  }

  /** The window is over: was the message accepted, and who did not get it? */
  private evaluate(p: Pending): void {
    if (p.qos > 0 && (!p.ack || !p.released)) return; // never accepted (or rejected)
    // Sent before the CONNACK: the broker processes it only if it accepted the CONNECT [MQTT-3.1.4-5].
    const pub = p.publisher;
    if (pub.connectFrame !== null && pub.connackCode !== 0) return;
    // Sent before the CONNACK and breaking a limit it then announced: refused (publishRefused()).
    if (p.early && (p.qos > pub.serverMaxQos || (p.earlyRetain && !pub.retainAvailable) || (pub.serverRefusesAbove !== null && p.earlySize > pub.serverRefusesAbove)
      || (p.earlyAlias !== 0 && clientAliasRefused(pub, p.earlyAlias)))) return;
    const delivered: Delivered[] = [];
    const missing: Expectation[] = [];
    p.expectations.forEach((e, j) => {
      const rec = gotOf(p, j);
      if (rec !== null) delivered.push({ e, rec });
      else if (!this.excused(e, p) && !tooBigGroup(p, e)) missing.push(e);
    });
    if (missing.length === 0) return;
    if (delivered.length === 0) this.undelivered(p, missing);
    else for (const e of missing) this.withheld(p, e, delivered);
    this.remember(p, missing, delivered.length === 0 ? 'undelivered-publish' : 'withheld-delivery');
  }

  /**
   * Remember a reported publish (its payload's digest and the subscribers it named, by
   * value), so that a copy the broker sends after the window is reported as late, not
   * dropped: a broker frozen for longer than the window (kill -STOP, swapping, a blocked
   * disk) delivers everything when it resumes, and the finding, a line of NDJSON already
   * written, cannot be taken back. The latest MAX_MISSED publishes, each with its first
   * MAX_MISSED_SUBSCRIBERS subscribers.
   */
  private remember(p: Pending, missing: Expectation[], code: Missed['code']): void {
    const digest = p.digest ?? createHash('sha256').update(p.buf.subarray(p.payOff, p.payOff + p.payLen)).digest();
    const pub = p.publisher;
    const m: Missed = {
      code, frame: p.frame, readyAt: p.readyAt, topic: p.topic, qos: p.qos, digest, payLen: p.payLen,
      publisher: { client_id: findingClientId(pub), username: pub.username }, publisherName: who(pub), gone: false,
      subs: missing.slice(0, MAX_MISSED_SUBSCRIBERS).map((e) => {
        const first = e.members[0];
        return {
          conn: first?.connId ?? '', cid: e.cid,
          shareFilter: e.shareGroup !== null ? `$share/${e.key.slice('share:'.length)}` : null,
          name: subName(e), json: subscriberJson(e),
        };
      }),
    };
    let list = this.missed.get(p.topic);
    if (list === undefined) this.missed.set(p.topic, (list = []));
    list.push(m);
    this.missedOrder.push(m);
    this.missedCount++;
    while (this.missedCount > MAX_MISSED) this.forget(this.missedOrder[this.missedHead++]!);
    if (this.missedHead > 1024 && 2 * this.missedHead > this.missedOrder.length) {
      this.missedOrder = this.missedOrder.slice(this.missedHead).filter((x) => !x.gone);
      this.missedHead = 0;
    }
  }

  /** A reported publish is no longer looked for (every subscriber it named got it late, or it is among the oldest). */
  private forget(m: Missed): void {
    if (m.gone) return;
    m.gone = true;
    m.subs = [];
    this.missedCount--;
    const list = this.missed.get(m.topic);
    if (list === undefined) return;
    const i = list.indexOf(m);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.missed.delete(m.topic);
  }

  /**
   * A broker→client PUBLISH that no awaited publish explains: the copy of a reported
   * publish (same topic and payload) for a subscriber its finding said missed it? Then
   * the finding was about a late delivery: a follow-up with the same code, severity
   * info, `late: true`, names the publish's frame and the delay. Returns true when so.
   */
  private late(rec: PacketRecord, sub: Session): boolean {
    const topic = rec.topic;
    // A copy with the retain flag is one sent for a new subscription (a retained message,
    // maybe another publisher's with the same payload), not the routed message coming late.
    if (topic === null || rec.summary.retain) return false;
    const list = this.missed.get(topic);
    if (list === undefined) return false;
    const cid = effectiveClientId(sub);
    const len = payloadLength(rec);
    for (const m of list) {
      if (m.payLen !== len) continue;
      // The payload first (32 bytes to compare), then the subscribers it named (up to 100).
      if (this.digestRec !== rec) {
        this.digestRec = rec;
        this.digestVal = payloadDigest(rec);
      }
      if (!this.digestVal!.equals(m.digest)) continue;
      const i = m.subs.findIndex((x) => x.conn === sub.connId || (x.shareFilter === null && cid !== null && x.cid === cid)
        || (x.shareFilter !== null && sub.subscriptions.has(x.shareFilter)));
      if (i < 0) continue;
      const x = m.subs[i]!;
      m.subs.splice(i, 1);
      if (m.subs.length === 0) this.forget(m);
      const delay = this.ctx.now - m.readyAt;
      const window = this.opts.windowUs;
      const ms = (us: number): string => `${Math.round(us / 1000)} ms`;
      this.ctx.emit({
        code: m.code, severity: 'info', conn: sub.connId, clientId: findingClientId(sub), username: sub.username,
        recs: [rec], frames: [m.frame], topic,
        text: `Late, not dropped: ${this.broker} delivered the QoS ${m.qos} publish from ${m.publisherName} on '${topic}' (frame ${m.frame}) to ${x.name} after all, in frame ${rec.frame}. `
          + `The ${m.code} reported for frame ${m.frame} counted it missing because ${this.opts.brokerKind === 'mosquitto' ? 'mosquitto' : 'the broker'} had not sent it ${ms(window)} after it could be routed (the delivery window); it came ${ms(Math.max(0, delay - window))} after that, ${ms(delay)} in all. `
          + `An ACL denial never delivers, so that finding's ACL reading does not hold for ${x.name}: the broker was slow or stalled (stopped, swapping, blocked on a disk or a bridge), or --delivery-window is too short for it.`,
        extra: {
          late: true, reported_frame: m.frame, delay_us: delay, window_us: window,
          publisher: m.publisher, subscriber: x.json, qos: m.qos,
        },
      });
      return true;
    }
    return false;
  }

  /**
   * No false positives: the subscriber left before the broker could reasonably
   * deliver (within the settle time), was taken over, or the capture lost part of
   * its stream. A subscriber that stayed connected past the settle time and got
   * nothing is not excused, even if it disconnects before the window ends. A
   * subscriber whose broker→client stream had a gap after the publish, or is out of
   * view since an earlier gap (no packet decoded since: a one-way capture), is excused.
   */
  private excused(e: Expectation, p: Pending): boolean {
    const settled = p.readyAt + this.settleUs;
    return e.members.every((m) => goneBy(m, p.time, settled) || this.leftRoute(m, e, p, settled));
  }

  /**
   * Its subscriptions changed within the settle time after the message became
   * routable, as a close would: the broker may have taken that UNSUBSCRIBE (from
   * another socket) before routing the message. Excused when it unsubscribed one of
   * the expectation's filters then and holds none of them since the routing, or a packet
   * then may have removed or changed a kept subscription unseen (an UNSUBSCRIBE whose
   * filters were not all listed: Session.subscriptionsUnseenChangeAt). Crossing the
   * subscription cap then does not excuse: it removes no kept subscription.
   */
  private leftRoute(m: Session, e: Expectation, p: Pending, settled: number): boolean {
    const inc = m.subscriptionsUnseenChangeAt;
    if (inc !== null && inc >= p.time && inc < settled) return true;
    const us = m.unsubscribed;
    let left = false;
    for (let i = us.length - 1; i >= 0 && !left; i--) {
      const u = us[i]!;
      if (u.time < p.time) break;
      left = u.time < settled && e.filters.includes(u.filter);
    }
    if (!left) return false;
    const ready = p.readyAt;
    for (const f of e.filters) {
      const sub = m.subscriptions.get(f);
      if (sub !== undefined && sub.grantedAt <= ready) return false;
    }
    return true;
  }

  /**
   * Flow control, not a denial: the subscriber had as many QoS 1/2 publishes from the
   * broker unacknowledged as it may have (its MQTT 5 Receive Maximum, else mosquitto's
   * max_inflight_messages, 20 by default), the oldest sent before this message could be
   * routed, and still unacknowledged when the window ended. The broker holds the rest
   * back until the client acknowledges [MQTT-3.3.4-9] (mosquitto 2.0.11 does: a real one
   * shows it, test/analysis/flow-control.test.ts). Only for a copy owed at QoS 1 or 2: a
   * QoS 0 copy is sent whatever is in flight. Not for shared groups.
   */
  private heldBack(e: Expectation, p: Pending): HeldBack | null {
    const q = this.opts.unacknowledged;
    if (q === undefined || e.shareGroup !== null || p.qos === 0) return null;
    for (const m of e.members) {
      let granted = 0;
      for (const f of e.filters) granted = Math.max(granted, m.subscriptions.get(f)?.grantedQos ?? 0);
      if (granted === 0) continue;
      const u = q(m);
      if (u === null || u.oldestTime > p.readyAt + this.settleUs) continue;
      const announced = m.version === 5 && m.receiveMaximum !== null;
      // The default of 20 is mosquitto's; the bundled broker sets no such limit of its own.
      if (!announced && this.opts.brokerKind === 'aedes') continue;
      const limit = announced ? m.receiveMaximum! : MOSQUITTO_MAX_INFLIGHT;
      if (u.count >= limit) return { m, count: u.count, oldestFrame: u.oldestFrame, limit, announced };
    }
    return null;
  }

  private get broker(): string {
    return this.opts.brokerKind === 'mosquitto' ? 'mosquitto' : 'The broker';
  }

  /**
   * The broker looks stalled when this window closes: it sent nothing, on any connection,
   * since before the message could be routed, while a client request (one it answers at
   * once: a PINGREQ, a QoS 1 PUBLISH, a CONNECT…) waited at least the settle time for its
   * answer on a connection that stayed open and in view. Then a missing delivery is more
   * likely late (a stopped or overloaded broker) than denied. Null when not.
   */
  private stalled(p: Pending): { frame: number; type: number; by: Session; us: number } | null {
    if (this.requestFrame === 0 || this.brokerAt > p.readyAt) return null;
    // Until the window closed, or the input ended (end() decides windows still open).
    const until = Math.min(p.deadline, this.ctx.now);
    const waited = until - this.requestAt;
    const by = this.requestBy;
    if (waited < this.settleUs || goneBy(by, this.requestAt, until)) return null;
    return { frame: this.requestFrame, type: this.requestType, by, us: waited };
  }

  private undelivered(p: Pending, missing: Expectation[]): void {
    const pub = p.publisher;
    const pubName = who(pub);
    const ackPart = (p.ack ? ` (${p.ack.type === 4 ? 'PUBACK' : 'PUBREC'} rc ${p.ack.code})` : '') + resumedText(p);
    // The text and `subscribers` name the first DELIVERED_LISTED (`subscriber_count` counts
    // them all): a publish to 10,000 subscribers made 10,000 names for each one dropped.
    const list = missing.slice(0, DELIVERED_LISTED).map(describe).join(', ') + (missing.length > DELIVERED_LISTED ? ` and ${missing.length - DELIVERED_LISTED} more` : '');
    // An acl_file decides by user, client id and topic: if another publish of this
    // connection on this topic reached a subscriber, its writes there are allowed.
    const otherFrame = p.entry.okBy === pub ? p.entry.okFrame : null;
    // Every subscriber that missed it was at its in-flight limit: flow control, not a denied write.
    let held: HeldBack[] | null = [];
    for (const e of missing) {
      const h = this.heldBack(e, p);
      if (h === null) { held = null; break; }
      held.push(h);
    }
    // The first READS_QUOTED in the text, DELIVERED_LISTED in held_back: 10,000 subscribers held back made a text of megabytes.
    const heldHint = held === null ? ''
      : held.slice(0, READS_QUOTED).map((h) => capitalize(heldBackText(h, effectiveClientId(h.m) ?? h.m.connId))).join(' ')
        + (held.length > READS_QUOTED ? ` The other ${held.length - READS_QUOTED} subscribers that missed it were held back the same way (held_back).` : '');
    const stall = held === null ? this.stalled(p) : null;
    const stallHint = stall === null ? ''
      : `The broker looks stalled rather than denying: it sent nothing on any connection since before this publish, and left the ${packetTypeName(stall.type)} of ${who(stall.by)} (frame ${stall.frame}) unanswered for ${Math.round(stall.us / 1000)} ms. A stopped or overloaded broker delivers late; a copy that still comes is reported as late (the same code, severity info).`;
    // Only shared subscriptions missed it: a broker without $share support (aedes 1.x
    // alone) grants them and never delivers, so a denied write is not the only reading.
    const aclHint = held !== null
      ? heldHint
      : stall !== null
      ? stallHint
      : otherFrame !== null
      ? `This is not a write denial: another publish by ${pubName} on this topic was delivered (frame ${otherFrame}), and an acl_file decides by user and topic. The broker dropped or held back this one: a subscriber that stopped reading (its queue at the broker full), a broker under load, or a delivery later than the window (--delivery-window).`
      : missing.every((e) => e.shareGroup !== null)
      ? `All of them are shared subscriptions ($share): a broker without shared subscriptions grants them and never delivers on them; with a mosquitto acl_file, a denied write, or a denied read for the member whose turn it was, has the same effect.`
      : sysWrite(p.topic)
      ? sysWriteHint(this.opts.brokerKind)
      : this.opts.brokerKind === 'mosquitto'
        ? `With an acl_file this is a denied write for ${pubName}.`
        : 'With a mosquitto acl_file this is a denied write.';
    let text = `${this.broker} ${p.qos === 0 ? 'accepted' : 'acknowledged'} this QoS ${p.qos} publish from ${pubName}${ackPart} on '${p.topic}' but delivered it to none of the ${missing.length} subscriber(s) whose filters match (${list}). ${aclHint}`;
    const extra: Record<string, unknown> = {
      publisher: { client_id: findingClientId(pub), username: pub.username },
      subscribers: missing.slice(0, DELIVERED_LISTED).map(subscriberJson),
      ...(missing.length > DELIVERED_LISTED ? { subscriber_count: missing.length } : {}),
      qos: p.qos,
      packet_id: p.packetId,
      payload_length: p.payLen,
      window_us: this.opts.windowUs,
    };
    if (p.ack) extra['ack_reason_code'] = p.ack.code;
    if (p.resumedFrom !== '') extra['published_on_conn'] = p.resumedFrom;
    if (otherFrame !== null) extra['delivered_other_frame'] = otherFrame;
    if (held !== null) {
      extra['held_back'] = (held.length > DELIVERED_LISTED ? held.slice(0, DELIVERED_LISTED) : held).map(heldBackJson);
      if (held.length > DELIVERED_LISTED) extra['held_back_count'] = held.length;
    }
    if (stall !== null) extra['broker_stalled'] = { request_frame: stall.frame, request_type: packetTypeName(stall.type), conn: stall.by.connId, unanswered_us: stall.us };
    if (this.opts.acl) {
      // Without the publisher's CONNECT its username is unknown: its write is not asked (it would be the anonymous verdict).
      const w = usernameUnknown(pub) ? null : this.opts.acl({ username: pub.username, clientId: effectiveClientId(pub), access: 'write', topic: p.topic });
      const writeDenied = w !== null && !w.allowed;
      // A denied write explains the loss: only the reads acl_explanation lists are asked (a
      // dropped publish to 10,000 subscribers asked the file 10,000 times, 125 ms, for
      // verdicts no field showed; 2 ms now).
      const readsAsked = writeDenied && missing.length > DELIVERED_LISTED ? missing.slice(0, DELIVERED_LISTED) : missing;
      // Every read's verdict, but its explanation (the costly part) only for those quoted or listed.
      const reads = readsAsked.map((e) => this.lazyRead(e, p.topic));
      const allReadsDenied = reads.every((r) => r.m !== null && !r.allowed);
      const confirmed = writeDenied || allReadsDenied;
      // The verdicts the text quotes (acl_explanation and acl_reads have up to DELIVERED_LISTED).
      const quote = (rs: typeof reads): string => rs.slice(0, READS_QUOTED).map((r) => `read by ${subName(r.e)}: ${r.v!.text}`).join('; ')
        + (rs.length > READS_QUOTED ? `; and ${rs.length - READS_QUOTED} more` : '');
      const readParts = quote(reads.filter((r) => r.m !== null));
      // Some reads denied, some allowed: those denied are named with their rule, and the
      // drop is unexplained only for the others.
      const deniedReads = reads.filter((r) => r.m !== null && !r.allowed);
      const allowedNames = reads.filter((r) => r.m !== null && r.allowed).map((r) => subName(r.e));
      const partly = deniedReads.length > 0 && !allReadsDenied
        ? ` It denies the read of ${deniedReads.length} of them (${quote(deniedReads)}), so those would not get it anyway${allowedNames.length > 0 ? `; it allows ${allowedNames.length === 1 ? 'the read of ' + allowedNames[0] : `the reads of ${allowedNames.slice(0, READS_QUOTED).join(', ')}${allowedNames.length > READS_QUOTED ? ` and ${allowedNames.length - READS_QUOTED} more` : ''}`}, whose loss it does not explain` : ''}.`
        : '';
      // acl_reads and acl_explanation list DELIVERED_LISTED reads at most, those denied first
      // (they explain the loss) when there are more; the counts say how many were asked.
      const asked = reads.filter((r) => r.m !== null);
      const listed = asked.length <= DELIVERED_LISTED ? asked
        : [...deniedReads, ...asked.filter((r) => r.allowed)].slice(0, DELIVERED_LISTED);
      const more = asked.length - listed.length;
      extra['acl_explanation'] = [...(w ? [w.full ?? w.text] : []), ...listed.map((r) => r.v!.full ?? r.v!.text),
        ...(more > 0 ? [`(${more} more subscribers' read verdicts not listed: ${deniedReads.length} of the ${asked.length} reads asked are denied.)`] : []),
        ...(readsAsked.length < missing.length ? [`(The reads of the other ${missing.length - readsAsked.length} subscribers were not asked: the denied write explains the loss.)`] : [])].join('\n\n');
      extra['acl_confirmed'] = confirmed;
      if (w !== null) extra['acl_write_allowed'] = w.allowed;
      else extra['acl_not_checked'] = 'username-unknown';
      // The structured fields of the verdict that explains it: the write, or (the write
      // allowed or not asked, every read denied) the first subscriber's read, each read listed too.
      const explaining = !writeDenied && allReadsDenied ? reads[0]!.v! : w;
      if (explaining !== null) Object.assign(extra, aclFields(explaining));
      if (!writeDenied) {
        extra['acl_reads'] = listed.map((r) => ({ subscriber: subName(r.e), ...aclFields(r.v!) }));
        if (more > 0) { extra['acl_reads_count'] = asked.length; extra['acl_reads_denied'] = deniedReads.length; }
      }
      const unknown = w === null ? ` The acl_file was not asked about the write: ${usernameUnknownText(pubName)}.` : '';
      if (w !== null || allReadsDenied) text = text.slice(0, text.length - aclHint.length).trimEnd();
      text += writeDenied
        ? w.decision === 'before-rules' && sysWrite(p.topic)
          // mosquitto refuses a client write to $SYS before reading the file: the file confirms nothing.
          ? ` mosquitto refuses this write before the acl_file: ${w.text}.`
          : ` The acl_file confirms a denied write: ${w.text}.`
        : allReadsDenied
          ? ` The acl_file ${w !== null ? 'allows the write but ' : ''}denies the read of every matching subscriber: ${readParts}.${unknown}`
          : (w !== null
            ? ` The acl_file allows this write (${w.text}), so the drop is not explained by the ACL.`
            : unknown) + partly + (held !== null ? ` ${heldHint}` : '') + (stall !== null ? ` ${stallHint}` : '');
    }
    this.ctx.emit({
      code: 'undelivered-publish', severity: 'warn', conn: pub.connId, clientId: findingClientId(pub), username: pub.username,
      recs: [p.rec, p.ack?.rec], frames: [p.frame], topic: p.topic, text, extra,
    });
  }

  private withheld(p: Pending, e: Expectation, delivered: Delivered[]): void {
    const pub = p.publisher;
    const sub = e.members[0]!;
    // One finding per subscriber that missed it, each naming those that got it: with
    // hundreds of subscribers on each side that was quadratic per publish (1,000
    // subscribers, half of them missing 100 publishes: 25 million entries, 6 s).
    const shown = delivered.length > DELIVERED_LISTED ? delivered.slice(0, DELIVERED_LISTED) : delivered;
    const got = shown.map((d) => subName(d.e)).join(', ') + (shown.length < delivered.length ? ` and ${delivered.length - shown.length} more` : '');
    const filters = e.filters.map((f) => `'${f}'`).join(', ');
    const subUser = e.shareGroup !== null ? `the group's members` : who(sub);
    // It got other messages on this topic: an acl_file, which decides by user and topic, lets it read here.
    const gotOthers = e.shareGroup === null && p.entry.cursors.has(sub);
    const held = this.heldBack(e, p);
    const aclHint = held !== null
      ? heldBackText(held, subName(e))
      : gotOthers
      ? `this is not a read denial: ${subName(e)} received other messages on this topic, and an acl_file decides by user and topic. The broker dropped or held back this one for it: a subscriber that stopped reading (its queue at the broker full), or a delivery later than the window (--delivery-window).`
      : this.opts.brokerKind === 'mosquitto'
        ? `with an acl_file this is a denied read for ${subUser}.`
        : 'with a mosquitto acl_file this is a denied read.';
    let text = `${this.broker} delivered this QoS ${p.qos} publish from ${who(pub)}${resumedText(p)} on '${p.topic}' to ${got} but not to ${subName(e)} (filter ${filters}); ${aclHint}`;
    const extra: Record<string, unknown> = {
      publisher: { client_id: findingClientId(pub), username: pub.username },
      subscriber: subscriberJson(e),
      subscribers: [subscriberJson(e)],
      delivered_to: shown.map((d) => subscriberJson(d.e)),
      ...(shown.length < delivered.length ? { delivered_count: delivered.length } : {}),
      qos: p.qos,
      packet_id: p.packetId,
      window_us: this.opts.windowUs,
    };
    if (gotOthers) extra['received_others'] = true;
    if (held !== null) extra['held_back'] = heldBackJson(held);
    if (p.resumedFrom !== '') extra['published_on_conn'] = p.resumedFrom;
    // The finding is the subscriber's; for a shared group, the member the acl_file denies (if one).
    let owner = sub;
    if (this.opts.acl) {
      const r = this.readCheck(e, p.topic);
      if (r === null) {
        // No member's username is known (their CONNECTs are not in the capture).
        extra['acl_not_checked'] = 'username-unknown';
        text += ` The acl_file was not asked about the read: ${usernameUnknownText(subName(e))}.`;
      } else {
        const v = r.v;
        extra['acl_explanation'] = v.full ?? v.text;
        extra['acl_confirmed'] = !v.allowed;
        Object.assign(extra, aclFields(v));
        text = text.slice(0, text.length - aclHint.length).trimEnd().replace(/;$/, '.');
        const group = e.shareGroup !== null;
        if (group && !v.allowed) {
          owner = r.m;
          extra['denied_member'] = { client_id: findingClientId(r.m), username: r.m.username, conn: r.m.connId };
        }
        text += !v.allowed
          ? group
            ? ` The acl_file confirms a denied read for ${effectiveClientId(r.m) ?? r.m.connId}, a member of the group: ${v.text}. mosquitto sends each message of a shared subscription to one member, and when that member may not read it the whole group loses it.`
            : ` The acl_file confirms a denied read: ${v.text}.`
          : ` The acl_file allows ${group ? `the read of every member of the group (${v.text})` : `this read (${v.text})`}, so the drop is not explained by the ACL.`
            + (held !== null ? ` ${capitalize(aclHint)}` : '');
      }
    }
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'warn', conn: owner.connId, clientId: findingClientId(owner), username: owner.username,
      recs: [p.rec, p.ack?.rec, ...shown.map((d) => d.rec)], frames: [p.frame], topic: p.topic, text, extra,
    });
  }

  /**
   * The subscriber's read, as readCheck() decides whose it is, with the verdict alone
   * (DeliveryOptions.aclAllowed) and its explanation made on first use: a drop to 10,000
   * subscribers needs every verdict but quotes and lists 20 explanations.
   */
  private lazyRead(e: Expectation, topic: string): LazyRead {
    const acl = this.opts.acl!;
    const allowedOf = this.opts.aclAllowed ?? ((q: Parameters<AclCheck>[0]): boolean => acl(q).allowed);
    const first = e.members[0];
    let found: Session | null = null;
    let allowed = false;
    if (first) {
      for (const m of e.shareGroup === null ? [first] : e.members) {
        if (usernameUnknown(m)) continue;
        const a = allowedOf({ username: m.username, clientId: effectiveClientId(m), access: 'read', topic });
        if (!a) { found = m; allowed = false; break; }
        if (found === null) { found = m; allowed = true; }
      }
    }
    return new LazyRead(e, found, allowed, topic, acl);
  }

  /**
   * The subscriber's read verdict, and whose it is. For a shared group, the first member
   * the acl_file denies, else the first member's: mosquitto sends each message of the
   * group to one member and, when that member may not read it, the whole group loses it
   * (it does not try another member), so one member denied explains the loss.
   */
  private readCheck(e: Expectation, topic: string): { v: AclVerdict; m: Session } | null {
    const acl = this.opts.acl;
    const first = e.members[0];
    if (!first || !acl) return null;
    const check = (m: Session): AclVerdict => acl({ username: m.username, clientId: effectiveClientId(m), access: 'read', topic });
    // Members whose username is not known (usernameUnknown) are not asked: it would be the anonymous verdict.
    let found: { v: AclVerdict; m: Session } | null = null;
    for (const m of e.shareGroup === null ? [first] : e.members) {
      if (usernameUnknown(m)) continue;
      const v = check(m);
      if (!v.allowed) return { v, m };
      found ??= { v, m };
    }
    return found;
  }
}

/**
 * mosquitto refuses every client write to a topic starting with $SYS (acl__check_dollar
 * compares the first 4 characters, so $SYSTEM/x too) before any acl_file or plugin,
 * except the bridge state topic $SYS/broker/connection/+/state.
 */
export function sysWrite(topic: string): boolean {
  return topic.startsWith('$SYS') && !topicMatches('$SYS/broker/connection/+/state', topic);
}

/** Why a client write to a $SYS topic went nowhere (sysWrite()), named as a mosquitto rule unless the broker is known to be mosquitto. */
export function sysWriteHint(brokerKind: DeliveryOptions['brokerKind']): string {
  const why = 'refuses every client write to a topic starting with $SYS (it compares the first 4 characters, so $SYSTEM/x too), with or without an acl_file and whatever the file grants (even topic readwrite #): no rule of the file is the reason.';
  return brokerKind === 'mosquitto' ? `mosquitto ${why}` : `With mosquitto this is expected: it ${why}`;
}

/** A client→broker packet the broker answers: CONNECT, QoS 1/2 PUBLISH, PUBREL, SUBSCRIBE, UNSUBSCRIBE, PINGREQ. */
function awaitsAnswer(type: number, qos: number): boolean {
  return type === 1 || (type === 3 && qos > 0) || type === 6 || type === 8 || type === 10 || type === 12;
}

/** A subscriber's read of a dropped publish: whose it is (null: not asked), the verdict, and its explanation on first use. */
class LazyRead {
  private full: AclVerdict | null = null;
  constructor(readonly e: Expectation, readonly m: Session | null, readonly allowed: boolean, private readonly topic: string, private readonly acl: AclCheck) {}
  get v(): AclVerdict | null {
    const m = this.m;
    if (m === null) return null;
    return (this.full ??= this.acl({ username: m.username, clientId: effectiveClientId(m), access: 'read', topic: this.topic }));
  }
}

/** An expectation that was met, and the delivery that met it. */
interface Delivered { e: Expectation; rec: PacketRecord }

/**
 * A publish sent before the CONNACK that the broker never processed: the CONNACK refused
 * the connection, or the connection closed without one [MQTT-3.1.4-5].
 */
function unprocessed(p: Pending): boolean {
  const s = p.publisher;
  return s.connackCode !== 0 && (s.connackCode !== null || s.closedAt !== null);
}

/** Expectations a publish has before a delivery looks them up in an index (Pending.esIndex) instead of walking them. */
const INDEX_EXPECTATIONS = 16;

/** The indexes of the expectations of `p` that a delivery to `sub` (client id `cid`) may meet, in order. */
function candidatesOf(p: Pending, sub: Session, cid: string | null): number[] {
  let index = p.esIndex;
  if (index === null) {
    index = new Map();
    const shared: number[] = [];
    // One index per key in the usual case (a number); an array when a key is in several.
    const add = (k: Session | string, j: number): void => {
      const l = index!.get(k);
      if (l === undefined) index!.set(k, j);
      else if (typeof l === 'number') { if (l !== j) index!.set(k, [l, j]); }
      else if (l[l.length - 1] !== j) l.push(j);
    };
    p.expectations.forEach((e, j) => {
      for (const m of e.members) add(m, j);
      if (e.cid !== null) add(e.cid, j);
      // Also by key (`share:{group}/{filter}`): a member not routed to at the publish is found from its own subscriptions.
      if (e.shareGroup !== null) { shared.push(j); add(e.key, j); }
    });
    p.esIndex = index;
    p.esShared = shared;
  }
  const a = index.get(sub);
  const b = cid !== null ? index.get(cid) : undefined;
  const c = sharedOf(p, sub, index);
  if (c.length === 0) {
    // The usual case: the session and its client id name the same expectation.
    if (b === undefined || b === a) return a === undefined ? NO_INDEXES : typeof a === 'number' ? [a] : a;
    if (a === undefined) return typeof b === 'number' ? [b] : b;
  }
  const all = [...asList(a), ...asList(b), ...c];
  return all.sort((x, y) => x - y);
}
/**
 * The shared groups' expectations `sub` may be a member of: those of its own shared
 * subscriptions (looked up by key), or all of them when it holds more shared
 * subscriptions than the publish has groups. A publish to 10,000 groups of one member
 * would otherwise look at all 10,000 for each delivery.
 */
function sharedOf(p: Pending, sub: Session, index: Map<Session | string, number | number[]>): number[] {
  const all = p.esShared!;
  if (all.length === 0) return all;
  let out: number[] | null = null;
  let seen = 0;
  for (const s of sub.subscriptions.values()) {
    if (s.shareGroup === null) continue;
    if (++seen > all.length) return all;
    const j = index.get(`share:${s.filter.slice('$share/'.length)}`);
    if (j !== undefined) (out ??= []).push(...asList(j));
  }
  return out ?? NO_INDEXES;
}

function asList(v: number | number[] | undefined): number[] {
  return v === undefined ? NO_INDEXES : typeof v === 'number' ? [v] : v;
}
const NO_INDEXES: number[] = [];

/** The delivery that met p.expectations[j], or null. */
/** `t` is a member of the shared group expected by `e` (`share:{group}/{filter}` against `$share/{group}/{filter}`). */
function sameGroup(t: TooBig, e: Expectation): boolean {
  return t.share !== null && e.shareGroup === t.share && e.key.length === t.filter.length - 1 && e.key.endsWith(t.filter.slice('$share'.length + 1));
}

/**
 * A shared group that did not get `p` while one of its members is too small for it: the
 * message went to that member in turn and was discarded there (tooBigReport() says so), not
 * an ACL drop.
 */
function tooBigGroup(p: Pending, e: Expectation): boolean {
  if (e.shareGroup === null || p.tooBig === null) return false;
  for (const t of p.tooBig) if (sameGroup(t, e)) return true;
  return false;
}

/** Whether a shared group of `p`'s expectations holding `t` got `p` (then nothing was lost to the member's limit). */
function groupGot(p: Pending, t: TooBig): boolean {
  for (let j = 0; j < p.expectations.length; j++) {
    if (sameGroup(t, p.expectations[j]!) && gotOf(p, j) !== null) return true;
  }
  return false;
}

function gotOf(p: Pending, j: number): PacketRecord | null {
  return j === 0 ? p.got0 : p.gotRest![j - 1]!;
}

function subName(e: Expectation): string {
  if (e.shareGroup !== null) return `shared group '${e.shareGroup}'`;
  const m = e.members[0];
  return m ? (effectiveClientId(m) ?? m.connId) : e.key;
}

/** For a message released by a PUBREL re-sent on a resumed session: where it was published. */
function resumedText(p: Pending): string {
  return p.resumedFrom === '' ? '' : `, released by the PUBREL re-sent when the session resumed on ${p.publisher.connId} (PUBLISH and PUBREC on ${p.resumedFrom})`;
}

function describe(e: Expectation): string {
  const shown = e.filters.length > DELIVERED_LISTED ? e.filters.slice(0, DELIVERED_LISTED) : e.filters;
  const more = e.filters.length - shown.length;
  return `${subName(e)}: ${shown.map((f) => `'${f}'`).join(', ')}${more > 0 ? ` and ${more} more filter(s)` : ''}`;
}

function subscriberJson(e: Expectation): Record<string, unknown> {
  const m = e.members[0];
  const o: Record<string, unknown> = {
    client_id: m ? findingClientId(m) : null,
    username: m?.username ?? null,
    filter: e.filters[0] ?? null,
    conn: m?.connId ?? null,
  };
  if (e.filters.length > 1) {
    // The first DELIVERED_LISTED of a subscriber's matching filters, as for group members.
    o['filters'] = e.filters.length > DELIVERED_LISTED ? e.filters.slice(0, DELIVERED_LISTED) : e.filters;
    if (e.filters.length > DELIVERED_LISTED) o['filter_count'] = e.filters.length;
  }
  if (e.shareGroup !== null) {
    o['share_group'] = e.shareGroup;
    // The first DELIVERED_LISTED members (a group of 10,000 made each finding list 10,000 names).
    const shown = e.members.length > DELIVERED_LISTED ? e.members.slice(0, DELIVERED_LISTED) : e.members;
    o['members'] = shown.map((x) => effectiveClientId(x));
    if (shown.length < e.members.length) o['member_count'] = e.members.length;
  }
  return o;
}

/** SHA-256 of a PUBLISH record's payload (what a publish keeps once the held-bytes budget is spent). */
function payloadDigest(rec: PacketRecord): Buffer {
  const b = bufferOf(rec);
  const off = payloadStart(rec);
  return createHash('sha256').update(b.subarray(off, off + payloadLength(rec))).digest();
}
