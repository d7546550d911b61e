// Packet-id flows per (connection, initiating direction, packet id):
// PUBLISH→PUBACK, PUBLISH→PUBREC→PUBREL→PUBCOMP, SUBSCRIBE→SUBACK,
// UNSUBSCRIBE→UNSUBACK, plus PINGREQ→PINGRESP per connection.
import type { CloseHow } from '../engine/engine.js';
import { markFinding, type PacketRecord } from '../model/packet.js';
import type { Direction } from '../model/types.js';
import { type AnalysisContext, capitalize, who } from './context.js';
import { codeName, codeString, isFailure, T_PUBACK, T_PUBREC, T_SUBACK, T_UNSUBACK } from './reasons.js';
import { IntMap } from './intmap.js';
import { aclFields } from './acl-check.js';
import { type AclCheck, sysWrite, sysWriteHint } from './delivery.js';
import { effectiveClientId, filtersNotListed, findingClientId, gapOf, mayBeUnseen, notInView, outlivesConnection, publishRefused, silentSinceGap, type Session, usernameUnknown, usernameUnknownText } from './sessions.js';

export type FlowKind = 'publish-qos1' | 'publish-qos2' | 'subscribe' | 'unsubscribe' | 'ping';
export type FlowState =
  | 'awaiting-puback' | 'awaiting-pubrec' | 'awaiting-pubrel' | 'awaiting-pubcomp'
  | 'awaiting-suback' | 'awaiting-unsuback' | 'awaiting-pingresp'
  | 'complete' | 'rejected' | 'incomplete';

export interface FlowStep {
  type: string;
  dir: Direction;
  frame: number;
  time: number;
  /** µs since the previous step (0 for the first). */
  latencyUs: number;
  reasonCodes: number[] | null;
}

export interface Flow {
  conn: string;
  clientId: string | null;
  /** Direction of the packet that opened the flow. */
  dir: Direction;
  packetId: number | null;
  kind: FlowKind;
  state: FlowState;
  topic: string | null;
  steps: FlowStep[];
  /** DUP re-sends and repeated acks seen inside the flow. */
  retransmissions: number;
  startedAt: number;
  endedAt: number | null;
  /** Total µs from the first to the last step once complete. */
  totalUs: number | null;
  /** Records involved, held only while in flight. */
  recs: PacketRecord[];
  /** When it went in flight, relative to the others (the order inFlight() lists). */
  seq: number;
}

/**
 * A flow in flight. Its steps are its packets' records, so a step costs no
 * object of its own; the two steps of a QoS 1 flow are held inline. The Flow
 * shape (with FlowStep objects) is made only when a flow is listed or kept.
 */
class Live {
  retransmissions = 0;
  seq = 0;
  r1: PacketRecord | null = null;
  more: PacketRecord[] | null = null;
  /** The analysis clock (AnalysisContext.now) at the latest step: gaps are compared on that clock, not on record times. */
  lastAt = 0;
  /** QoS 2: the publisher sent its PUBREL before the PUBREC was seen (a protocol violation); the PUBREC then moves it to awaiting-pubcomp. */
  earlyRel = false;
  constructor(
    readonly conn: string,
    readonly clientId: string | null,
    readonly dir: Direction,
    readonly packetId: number | null,
    readonly kind: FlowKind,
    public state: FlowState,
    readonly topic: string | null,
    readonly r0: PacketRecord,
  ) {}

  add(rec: PacketRecord): void {
    if (this.r1 === null) this.r1 = rec;
    else (this.more ??= []).push(rec);
  }

  get last(): PacketRecord {
    const m = this.more;
    return m !== null ? m[m.length - 1]! : this.r1 ?? this.r0;
  }

  get stepCount(): number {
    return this.r1 === null ? 1 : 2 + (this.more?.length ?? 0);
  }

  rec(i: number): PacketRecord {
    return i === 0 ? this.r0 : i === 1 ? this.r1! : this.more![i - 2]!;
  }

  recs(): PacketRecord[] {
    const out = [this.r0];
    if (this.r1 !== null) out.push(this.r1);
    if (this.more !== null) out.push(...this.more);
    return out;
  }

  /** Step `i` written into `to` (a reused object) or a new one. */
  step(i: number, to?: FlowStep): FlowStep {
    const r = this.rec(i);
    const t = r.summary.type;
    // The opening packet is named plainly; a PUBLISH sent again inside the flow is marked.
    const type = i > 0 && t === 3 && r.summary.dup ? 'PUBLISH (DUP)' : NAMES[t] ?? '?';
    // Record times (what the views show); a step back of the clock counts as no time, not as a negative latency.
    const latencyUs = i === 0 ? 0 : Math.max(0, r.time - this.rec(i - 1).time);
    const reasonCodes = i === 0 ? null : r.summary.reasonCodes;
    if (to === undefined) return { type, dir: r.dir, frame: r.frame, time: r.time, latencyUs, reasonCodes };
    to.type = type; to.dir = r.dir; to.frame = r.frame; to.time = r.time; to.latencyUs = latencyUs; to.reasonCodes = reasonCodes;
    return to;
  }

  /** The Flow shape of a flow still in flight. */
  toFlow(): Flow {
    const steps: FlowStep[] = [];
    for (let i = 0; i < this.stepCount; i++) steps.push(this.step(i));
    return {
      conn: this.conn, clientId: this.clientId, dir: this.dir, packetId: this.packetId, kind: this.kind, state: this.state,
      topic: this.topic, steps, retransmissions: this.retransmissions, startedAt: this.r0.time, endedAt: null, totalUs: null,
      recs: this.recs(), seq: this.seq,
    };
  }
}

/** Answers to packets not in view on one connection, counted rather than reported one by one. */
interface AcksNotInView {
  count: number;
  /** By packet type name. */
  types: Record<string, number>;
  /** Frames of the first and last counted. */
  first: number;
  last: number;
  /** The direction out of view (that of the packets they answer) and the frame of its gap. */
  dir: Direction;
  gapFrame: number;
  /** That direction was never captured (its gap is `not-captured`). */
  oneWay: boolean;
}

/** The recs of every finished flow (nothing is added to a finished flow). */
const NO_RECS: PacketRecord[] = [];

export interface FlowStats {
  count: number;
  complete: number;
  rejected: number;
  /** Cut short: their answer's direction was in view and it did not come. */
  incomplete: number;
  /**
   * Given up without an answer in the capture that may have been sent unseen: its
   * direction had a stream gap after the flow's last step, or was never captured (a
   * one-way capture). Not counted in `incomplete` (see answersNotInView).
   */
  unobserved: number;
  totalUs: number;
  maxUs: number;
}

const NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];
const opposite = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');
/** The direction a flow's next packet travels in: PUBREL comes from the publisher, every other answer from its peer. */
const awaitedDir = (f: Live): Direction => (f.state === 'awaiting-pubrel' ? f.dir : opposite(f.dir));
const DIR_NAME: Record<Direction, string> = { c2s: 'client→broker', s2c: 'broker→client' };
/** Key of a flow inside its connection's map: initiating direction and packet id. */
/** Broker→client QoS 1/2 PUBLISHes not yet acknowledged on a connection (FlowTracker.unacknowledged). */
export interface Unacknowledged { count: number; oldestFrame: number; oldestTime: number }

function unackedOf(m: IntMap<Live>): Unacknowledged | null {
  let count = 0, oldest: Live | null = null;
  for (const f of m.values()) {
    if (f.dir !== 's2c' || (f.kind !== 'publish-qos1' && f.kind !== 'publish-qos2')) continue;
    count++;
    if (oldest === null || f.seq < oldest.seq) oldest = f;
  }
  return oldest === null ? null : { count, oldestFrame: oldest.r0.frame, oldestTime: oldest.r0.time };
}

const key = (dir: Direction, id: number): number => (dir === 'c2s' ? 0 : 0x10000) | id;
/** Flows of a cut-short finding named one by one in its text; the rest are summed up by kind. */
const CUT_NAMED = 20;
/** Refused filters a subscribe-rejected finding lists in extra.rejected (the rest are counted: rejected_count), and names in its text. */
const REJECTED_LISTED = 100;
const REJECTED_NAMED = 20;
/** Filters a SUBSCRIBE/UNSUBSCRIBE flow's `topic` names; the rest are counted ('…, +N more'). */
const FLOW_FILTERS_NAMED = 20;

/** A SUBSCRIBE/UNSUBSCRIBE flow's `topic`: its first filters, then how many more (those listed and those its summary did not list). */
function filterList<T>(items: readonly T[], notListed: number, filter: (x: T) => string): string {
  const n = Math.min(items.length, FLOW_FILTERS_NAMED);
  const more = items.length - n + notListed;
  let out = '';
  for (let i = 0; i < n; i++) out += (i > 0 ? ', ' : '') + filter(items[i]!);
  return out + (more > 0 ? `, … +${more.toLocaleString('en-US')} more` : '');
}

/**
 * The statement a reused packet id breaks: a client's (any packet with an id) or a server's
 * (a QoS 1/2 PUBLISH), in MQTT 5.0 (MQTT-2.2.1-3 / -4) or 3.1.1 (MQTT-2.3.1-2, and -4 for the
 * server; 3.1 has no numbered statements and reads as 3.1.1 here).
 */
function reuseSpec(version: number, dir: Direction): string {
  if (version === 5) return dir === 'c2s' ? 'MQTT-2.2.1-3' : 'MQTT-2.2.1-4';
  return dir === 'c2s' ? 'MQTT-2.3.1-2' : 'MQTT-2.3.1-4';
}

/** Flows a cut-short finding lists in extra.flows (and frames); the rest are counted (flows_not_listed). */
const CUT_LISTED = 100;

const AWAIT: Record<FlowState, string> = {
  'awaiting-puback': 'PUBACK', 'awaiting-pubrec': 'PUBREC', 'awaiting-pubrel': 'PUBREL', 'awaiting-pubcomp': 'PUBCOMP',
  'awaiting-suback': 'SUBACK', 'awaiting-unsuback': 'UNSUBACK', 'awaiting-pingresp': 'PINGRESP',
  complete: '', rejected: '', incomplete: '',
};

/** Client ids of closed persistent sessions whose QoS 2 flows awaiting a PUBREL or PUBCOMP are remembered (the oldest go first). */
export const MAX_PARKED_SESSIONS = 10_000;
/** Packet ids those remember in all; past it a session's are not kept (any re-sent PUBREL is then taken as resuming). */
export const MAX_PARKED_FLOWS = 250_000;
/** A persistent session that closed with no QoS 2 flow awaiting PUBREL or PUBCOMP (never added to). */
const NO_PARKED: ReadonlySet<number> = new Set<number>();

/** PINGREQs awaiting a PINGRESP per connection; past it the oldest counts as incomplete. */
export const MAX_PINGS_IN_FLIGHT = 64;
/** Packet-id flows in flight across all connections by default (FlowTracker's `maxInFlight`). */
export const DEFAULT_MAX_FLOWS_IN_FLIGHT = 250_000;

export class FlowTracker {
  /** Flows in flight per connection id, by key(dir, packet id). */
  private readonly byConn = new Map<string, IntMap<Live>>();
  /** The connection of the previous lookup and its map: runs on one connection skip the outer lookup. */
  private lastConn: string | null = null;
  private lastMap: IntMap<Live> | undefined = undefined;
  /** Counts flows going in flight (Flow.seq). */
  private seq = 0;
  private readonly pings = new Map<string, Live[]>();
  /**
   * The last keepRecent finished flows, in slots that are reused once there are
   * keepRecent of them (slot `ringNext` is then the oldest). See keep().
   */
  private readonly ring: Flow[] = [];
  private ringNext = 0;
  private readonly keepRecent: number;
  private readonly maxInFlight: number;
  /** Packet-id flows in flight, all connections together. */
  private liveCount = 0;
  /**
   * Flows not tracked because `maxInFlight` were in flight already: a client that
   * sends QoS 1 publishes and never reads its socket keeps the broker's PUBACKs
   * behind backpressure, and each flow holds its records (some 460 bytes).
   */
  untracked = 0;
  /** Connections that had flows left untracked: an ack there may be for one of them. */
  private readonly skipped = new Set<string>();
  /**
   * Per connection, flows given up without a finding because their packet id was used
   * again while their answer was out of view (see unseen()); counted in the summary at close.
   */
  private readonly reusedUnseen = new Map<string, { c2s: number; s2c: number }>();
  /**
   * Per connection, answers for flows whose opening packet travelled in a direction
   * out of view (after the first, which is reported): summed up at close.
   */
  private readonly acksNotInView = new Map<string, AcksNotInView>();
  /**
   * Per client id of a persistent session (clean session 0 / Clean Start 0) that closed:
   * the keys of its QoS 2 flows cut short awaiting PUBREL or PUBCOMP, or null when they
   * were not all kept. When the client reconnects and the CONNACK says session present,
   * both sides re-send their unacknowledged PUBRELs with the original packet ids
   * [MQTT-4.4.0-1]: such a PUBREL resumes the flow on the new connection (resumed()).
   */
  private readonly parked = new Map<string, ReadonlySet<number> | null>();
  private parkedKeys = 0;
  /** Connections already reported for a broker past the client's Receive Maximum (checkReceiveMaximum). */
  private readonly receiveMaxReported = new WeakSet<Session>();
  readonly stats: Record<FlowKind, FlowStats> = {
    'publish-qos1': newStats(), 'publish-qos2': newStats(), subscribe: newStats(), unsubscribe: newStats(), ping: newStats(),
  };

  private readonly acl: AclCheck | undefined;
  private readonly onRejected: ((topic: string, conn: string, packetId: number | null) => void) | undefined;
  private readonly brokerKind: 'mosquitto' | 'aedes' | 'unknown';

  constructor(private readonly ctx: AnalysisContext, opts: {
    keepRecent?: number; maxInFlight?: number;
    /** The acl_file check: a PUBLISH rejected with 0x87 Not authorized then names the rule that denies the write. */
    acl?: AclCheck;
    brokerKind?: 'mosquitto' | 'aedes' | 'unknown';
    /** A client's PUBLISH was rejected (reason code ≥ 0x80): the broker did not take it (nor retain it). */
    onRejected?: (topic: string, conn: string, packetId: number | null) => void;
  } = {}) {
    this.onRejected = opts.onRejected;
    this.acl = opts.acl;
    this.brokerKind = opts.brokerKind ?? 'unknown';
    this.keepRecent = Math.max(0, Math.ceil(opts.keepRecent ?? 1000));
    this.maxInFlight = Math.max(0, opts.maxInFlight ?? DEFAULT_MAX_FLOWS_IN_FLIGHT);
  }

  /**
   * The most recently finished flows (at most keepRecent, default 1000), newest last.
   * The objects are reused for later flows: copy what you need before the next packet.
   */
  get recent(): Flow[] {
    const r = this.ring;
    return this.ringNext === 0 ? r.slice() : [...r.slice(this.ringNext), ...r.slice(0, this.ringNext)];
  }

  private mapOf(conn: string): IntMap<Live> | undefined {
    if (conn === this.lastConn) return this.lastMap;
    const m = this.byConn.get(conn);
    this.lastConn = conn;
    this.lastMap = m;
    return m;
  }

  private get(conn: string, k: number): Live | undefined {
    return this.mapOf(conn)?.get(k);
  }

  private set(conn: string, k: number, f: Live): void {
    let m = this.mapOf(conn);
    if (!m) { this.byConn.set(conn, (m = new IntMap())); this.lastMap = m; }
    f.seq = this.seq++;
    const n = m.size;
    m.set(k, f);
    this.liveCount += m.size - n;
  }

  private delete(conn: string, k: number): void {
    if (this.mapOf(conn)?.delete(k)) this.liveCount--;
  }

  /**
   * The broker→client QoS 1/2 PUBLISHes of `conn` not yet acknowledged (no PUBACK, no
   * PUBCOMP, no PUBREC ≥ 0x80): what counts against the client's Receive Maximum
   * [MQTT-3.3.4-9], and mosquitto's max_inflight_messages. Walks that connection's
   * flows: asked only when a delivery finding is about to be made, never per packet.
   * A closed connection's are those it had when it closed (Session.unackedAtClose).
   */
  unacknowledged(s: Session): Unacknowledged | null {
    if (s.closedAt !== null) return s.unackedAtClose;
    const m = this.byConn.get(s.connId);
    return m === undefined ? null : unackedOf(m);
  }

  /** Flows in flight, in the order they went in flight, then the PINGREQs awaiting PINGRESP. */
  inFlight(): Flow[] {
    const live: Live[] = [];
    for (const m of this.byConn.values()) for (const f of m.values()) live.push(f);
    live.sort((a, b) => a.seq - b.seq);
    for (const q of this.pings.values()) live.push(...q);
    return live.map((f) => f.toFlow());
  }

  packet(rec: PacketRecord, s: Session): void {
    const sum = rec.summary;
    const id = sum.packetId;
    switch (sum.type) {
      case 3:
        // One the broker refuses for a limit of its CONNACK gets no answer but a DISCONNECT
        // (sessions reports it as a protocol violation): no flow is cut short.
        if (sum.qos > 0 && id !== null && !(rec.dir === 'c2s' && publishRefused(s, rec))) this.publish(rec, s, id);
        break;
      case 4: this.ack(rec, s, 'publish-qos1', 'awaiting-puback'); break;
      case 5: this.ack(rec, s, 'publish-qos2', 'awaiting-pubrec'); break;
      case 6: this.pubrel(rec, s); break;
      case 7: this.ack(rec, s, 'publish-qos2', 'awaiting-pubcomp'); break;
      case 8: if (id !== null) this.start(rec, s, id, 'subscribe', 'awaiting-suback'); break;
      case 9: this.ack(rec, s, 'subscribe', 'awaiting-suback'); break;
      case 10: if (id !== null) this.start(rec, s, id, 'unsubscribe', 'awaiting-unsuback'); break;
      case 11: this.ack(rec, s, 'unsubscribe', 'awaiting-unsuback'); break;
      case 12: {
        const f = this.newFlow(rec, s, null, 'ping', 'awaiting-pingresp');
        const q = this.pings.get(s.connId);
        if (q === undefined) this.pings.set(s.connId, [f]);
        else {
          // Unanswered PINGREQs piling up (a flood whose PINGRESPs are held back): give up on the oldest.
          if (q.length >= MAX_PINGS_IN_FLIGHT) { const old = q.shift()!; this.finish(old, 'incomplete', this.unseen(old, s)); }
          q.push(f);
        }
        this.stats.ping.count++;
        break;
      }
      case 13: {
        const f = this.pings.get(s.connId)?.shift();
        if (f) { this.step(f, rec); this.finish(f, 'complete'); }
        break;
      }
    }
  }

  private publish(rec: PacketRecord, s: Session, id: number): void {
    const k = key(rec.dir, id);
    const cur = this.get(s.connId, k);
    if (cur && rec.summary.dup && (cur.kind === 'publish-qos1' || cur.kind === 'publish-qos2')) {
      // A DUP re-send of the PUBLISH still in flight [MQTT-3.3.1-1].
      cur.retransmissions++;
      this.step(cur, rec);
      return;
    }
    if (rec.dir === 's2c' && s.receiveMaximum !== null && s.version === 5 && cur === undefined) this.checkReceiveMaximum(rec, s, s.receiveMaximum);
    this.start(rec, s, id, rec.summary.qos === 1 ? 'publish-qos1' : 'publish-qos2', rec.summary.qos === 1 ? 'awaiting-puback' : 'awaiting-pubrec', k, cur);
  }

  /**
   * [MQTT-3.3.4-9]: the broker must not send a client more QoS 1/2 PUBLISHes not yet
   * acknowledged (no PUBACK, no PUBCOMP) than the Receive Maximum of its CONNECT. Once per
   * connection; the connection's flows are counted only when there are at least as many
   * as the limit. Not when an answer of the client may have gone by unseen (a gap in the
   * client→broker stream, or that stream not captured), nor when flows were not tracked.
   */
  private checkReceiveMaximum(rec: PacketRecord, s: Session, rm: number): void {
    const m = this.mapOf(s.connId);
    if (m === undefined || m.size < rm || this.receiveMaxReported.has(s) || this.skipped.has(s.connId)) return;
    if (s.c2sGap !== null || notInView(s, 'c2s')) return;
    const u = unackedOf(m);
    if (u === null || u.count < rm) return;
    this.receiveMaxReported.add(s);
    const at = s.connectFrame;
    this.ctx.emit({
      code: 'protocol-violation', severity: 'error', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [rec], frames: at !== null ? [at, u.oldestFrame] : [u.oldestFrame], topic: rec.topic,
      text: `The broker sent ${who(s)} a QoS ${rec.summary.qos} PUBLISH (packet id ${rec.summary.packetId}) while ${u.count} QoS 1/2 PUBLISH(es) it sent were not yet acknowledged (the oldest at frame ${u.oldestFrame}): the Receive Maximum of ${rm} in the client's CONNECT${at !== null ? ` (frame ${at})` : ''} allows no more [MQTT-3.3.4-9]. A client may treat it as a protocol error (DISCONNECT 0x93 Receive Maximum exceeded). Reported once per connection.`,
      extra: { violation: 'receive-maximum-exceeded', dir: 's2c', receive_maximum: rm, unacknowledged: u.count, oldest_frame: u.oldestFrame, connect_frame: at, spec: 'MQTT-3.3.4-9' },
    });
  }

  private start(
    rec: PacketRecord, s: Session, id: number, kind: FlowKind, state: FlowState,
    k = key(rec.dir, id), cur = this.get(s.connId, k),
  ): void {
    if (cur && this.unseen(cur, s)) {
      // Its answer may have gone by unseen (a gap, a one-way capture): the id being used
      // again says it most likely did. No violation; counted in the summary at close.
      this.delete(s.connId, k);
      this.finish(cur, 'incomplete', true);
      let r = this.reusedUnseen.get(s.connId);
      if (r === undefined) this.reusedUnseen.set(s.connId, (r = { c2s: 0, s2c: 0 }));
      r[awaitedDir(cur)]++;
    } else if (cur) {
      // A packet id is not reused while its flow is in flight: the sender's rule of its version.
      const spec = reuseSpec(rec.version, rec.dir);
      this.ctx.emit({
        code: 'protocol-violation', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
        recs: [...cur.recs(), rec],
        text: `Packet id ${id} reused by ${NAMES[rec.summary.type]} while its ${flowLabel(cur)} (frame ${cur.r0.frame}) is still ${cur.state.replace('-', ' ')}; a packet id must not be reused until its flow completes [${spec}]`,
        extra: { violation: 'packet-id-reuse', packet_id: id, dir: rec.dir, previous_frame: cur.r0.frame, spec },
      });
      this.delete(s.connId, k);
      this.finish(cur, 'incomplete');
    }
    if (this.liveCount >= this.maxInFlight) {
      this.untracked++;
      this.skipped.add(s.connId);
      return;
    }
    this.set(s.connId, k, this.newFlow(rec, s, id, kind, state));
    this.stats[kind].count++;
  }

  private newFlow(rec: PacketRecord, s: Session, id: number | null, kind: FlowKind, state: FlowState): Live {
    const sum = rec.summary;
    const topic = kind === 'publish-qos1' || kind === 'publish-qos2' ? rec.topic
      : sum.subscriptions ? filterList(sum.subscriptions, filtersNotListed(rec), (x) => x.filter)
      : sum.unsubscriptions ? filterList(sum.unsubscriptions, filtersNotListed(rec), (x) => x) : null;
    const f = new Live(s.connId, effectiveClientId(s), rec.dir, id, kind, state, topic, rec);
    f.lastAt = this.ctx.now;
    return f;
  }

  private step(f: Live, rec: PacketRecord): void {
    f.add(rec);
    f.lastAt = this.ctx.now;
  }

  /** An ack travelling opposite to the flow's first packet. */
  private ack(rec: PacketRecord, s: Session, kind: FlowKind, expect: FlowState): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    const k = key(opposite(rec.dir), id);
    const f = this.get(s.connId, k);
    const type = rec.summary.type;
    if (!f || f.kind !== kind || f.state !== expect) {
      if (!f && this.skipped.has(s.connId)) return; // maybe the ack of a flow left untracked
      // A PUBREC or PUBCOMP repeated for a flow that already moved on is a re-send, not an error.
      if (f && f.kind === kind && (type === 5 && f.state !== 'awaiting-pubrec')) { f.retransmissions++; this.step(f, rec); return; }
      this.unknownAck(rec, s, id);
      return;
    }
    this.step(f, rec);
    const version = s.version ?? rec.version;
    const code = rec.summary.reasonCodes?.[0] ?? 0;
    if (type === 4 || type === 5) {
      if (isFailure(type, code, version)) {
        this.delete(s.connId, k);
        this.publishRejected(f, rec, s, code, version);
        this.finish(f, 'rejected');
        return;
      }
      if (type === 4) { this.delete(s.connId, k); this.finish(f, 'complete'); } else f.state = f.earlyRel ? 'awaiting-pubcomp' : 'awaiting-pubrel';
      return;
    }
    this.delete(s.connId, k);
    if (type === T_SUBACK) {
      const bad = this.subscribeRejected(f, rec, s, version);
      this.finish(f, bad ? 'rejected' : 'complete');
      return;
    }
    this.finish(f, type === T_UNSUBACK && (rec.summary.reasonCodes ?? []).some((c) => c >= 0x80) ? 'rejected' : 'complete');
  }

  private pubrel(rec: PacketRecord, s: Session): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    const f = this.get(s.connId, key(rec.dir, id));
    if (!f && this.skipped.has(s.connId)) return;
    if (!f && this.resumed(rec, s, id)) return;
    if (!f || f.kind !== 'publish-qos2') { this.unknownAck(rec, s, id); return; }
    if (f.state === 'awaiting-pubcomp' || (f.state === 'awaiting-pubrec' && f.earlyRel)) { f.retransmissions++; this.step(f, rec); return; }
    // The PUBREC went by unseen (its direction had a gap, or is out of view): the PUBREL says it came.
    const recUnseen = f.state === 'awaiting-pubrec' && this.unseen(f, s);
    if (f.state === 'awaiting-pubrec' && !recUnseen) { this.pubrelBeforePubrec(f, rec, s, id); return; }
    if (f.state !== 'awaiting-pubrel' && !recUnseen) { this.unknownAck(rec, s, id); return; }
    this.step(f, rec);
    f.state = 'awaiting-pubcomp';
  }

  /**
   * A PUBREL with no flow on this connection, on a resumed persistent session (CONNACK
   * session present after a CONNECT with clean session 0): the re-send of an
   * unacknowledged PUBREL the spec requires on reconnect [MQTT-4.4.0-1], when the previous
   * connection of this client id closed with that flow awaiting PUBREL or PUBCOMP (or that
   * connection was not seen, or its flows not kept). It opens a flow awaiting PUBCOMP.
   */
  private resumed(rec: PacketRecord, s: Session, id: number): boolean {
    if (s.sessionPresent !== true || s.cleanStart !== false) return false;
    const cid = effectiveClientId(s);
    if (cid === null) return false;
    const k = key(rec.dir, id);
    // (A take-over: the connection it resumes from is not closed yet, so its flows are not parked.)
    const p = s.tookOver.length > 0 ? undefined : this.parked.get(cid);
    if (p !== undefined && p !== null) {
      if (!p.has(k)) return false;
      (p as Set<number>).delete(k);
      this.parkedKeys--;
    }
    if (this.liveCount >= this.maxInFlight) {
      this.untracked++;
      this.skipped.add(s.connId);
      return true;
    }
    this.set(s.connId, k, this.newFlow(rec, s, id, 'publish-qos2', 'awaiting-pubcomp'));
    this.stats['publish-qos2'].count++;
    return true;
  }

  /** A persistent session closed: remember its QoS 2 flows awaiting PUBREL or PUBCOMP, which the next connection resumes. */
  private park(s: Session, m: IntMap<Live> | undefined): void {
    const cid = effectiveClientId(s);
    if (cid === null) return;
    const old = this.parked.get(cid);
    if (old !== undefined) {
      this.parked.delete(cid);
      if (old !== null) this.parkedKeys -= old.size;
    }
    let keys: Set<number> | null = null;
    if (m !== undefined) {
      for (const f of m.values()) {
        if (f.kind !== 'publish-qos2' || f.packetId === null) continue;
        if (f.state !== 'awaiting-pubrel' && f.state !== 'awaiting-pubcomp' && !(f.state === 'awaiting-pubrec' && f.earlyRel)) continue;
        keys ??= new Set();
        keys.add(key(f.dir, f.packetId));
      }
    }
    let kept: ReadonlySet<number> | null = keys ?? NO_PARKED;
    if (keys !== null) {
      if (this.parkedKeys + keys.size > MAX_PARKED_FLOWS) kept = null;
      else this.parkedKeys += keys.size;
    }
    this.parked.set(cid, kept);
    if (this.parked.size > MAX_PARKED_SESSIONS) {
      const [oldest, v] = this.parked.entries().next().value as [string, ReadonlySet<number> | null];
      this.parked.delete(oldest);
      if (v !== null) this.parkedKeys -= v.size;
    }
  }

  /**
   * A PUBREL for a QoS 2 flow whose PUBREC has not been seen, though its direction is in
   * view: the publisher released the message before it was acknowledged. A sender sends
   * PUBREL when it receives the PUBREC (MQTT 3.1.1 [MQTT-4.3.3-1], MQTT 5 [MQTT-4.3.3-4]).
   * The flow goes on: its PUBREC and PUBCOMP are expected (mosquitto, which sends PUBREC as
   * it reads the PUBLISH, releases the message at this PUBREL and answers both).
   */
  private pubrelBeforePubrec(f: Live, rec: PacketRecord, s: Session, id: number): void {
    f.earlyRel = true;
    this.step(f, rec);
    const v5 = (s.version ?? rec.version) === 5;
    const spec = v5 ? 'MQTT-4.3.3-4' : 'MQTT-4.3.3-1';
    const sender = f.dir === 'c2s' ? who(s) : 'the broker';
    const receiver = f.dir === 'c2s' ? (this.brokerKind === 'mosquitto' ? 'mosquitto' : 'the broker') : who(s);
    const releases = f.dir === 'c2s' && this.brokerKind === 'mosquitto'
      ? ' mosquitto still releases the message at this PUBREL (it looks only for the packet id) and answers PUBREC then PUBCOMP, so it is delivered.'
      : ` ${capitalize(receiver)} may release the message now, or ignore the PUBREL.`;
    this.ctx.emit({
      code: 'protocol-violation', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [f.r0, rec],
      text: `PUBREL for packet id ${id} sent by ${sender} before ${receiver}'s PUBREC for its QoS 2 PUBLISH (frame ${f.r0.frame}): a QoS 2 sender sends PUBREL when it receives the PUBREC [${spec}].${releases}`,
      extra: { violation: 'pubrel-before-pubrec', packet_id: id, dir: rec.dir, publish_frame: f.r0.frame, spec },
    });
  }

  /** The packet a flow awaits may have gone by unseen: its direction had a gap since the flow's last step, or is out of view. */
  private unseen(f: Live, s: Session): boolean {
    return mayBeUnseen(s, awaitedDir(f), f.lastAt);
  }

  private unknownAck(rec: PacketRecord, s: Session, id: number): void {
    const name = NAMES[rec.summary.type] ?? '?';
    // The packet that opened the flow (or, for a PUBREL, its PUBREC) travels the other way.
    const other = opposite(rec.dir);
    const og = gapOf(s, other);
    const outOfView = og !== null && silentSinceGap(s, other);
    if (outOfView) {
      // Not one packet of that direction was decoded since its gap (a one-way capture,
      // or bytes lost): every answer to it would be one more finding. The first is
      // reported, the rest counted and summed up when the connection closes.
      if (og.ackReported) {
        let t = this.acksNotInView.get(s.connId);
        if (t === undefined) this.acksNotInView.set(s.connId, (t = { count: 0, types: {}, first: rec.frame, last: rec.frame, dir: other, gapFrame: og.frame, oneWay: false }));
        t.count++;
        t.types[name] = (t.types[name] ?? 0) + 1;
        t.last = rec.frame;
        t.dir = other;
        t.gapFrame = og.frame;
        t.oneWay = og.reason === 'not-captured';
        return;
      }
      og.ackReported = true;
    }
    const midstream = s.connectFrame === null;
    // Bytes of this connection went missing from the capture before the ack (either
    // direction: the packet that opened its flow may be in the hole, and a resync after
    // one may have framed the ack itself): the flow was most likely lost, not broken.
    const g = s.lastGap;
    // (Gap times are on the analysis clock, which never goes back: any gap seen is before this packet.)
    const afterGap = g.c2s !== null || g.s2c !== null;
    // Not one packet of the other direction in the capture: a one-way capture, not a late start.
    const absent = outOfView && s.packets[other] === 0;
    const why = absent ? ` (not one ${DIR_NAME[other]} packet is in the capture: a stream gap${og.frame ? ` at frame ${og.frame}` : ''} and nothing decoded after it, so its flow was not seen)`
      : midstream ? ' (the capture started mid-connection, so its flow may predate it)'
      : afterGap ? ' (bytes of this connection are missing from the capture before it, so its flow was probably in the lost part)' : '';
    this.ctx.emit({
      code: 'protocol-violation', severity: midstream || afterGap ? 'info' : 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [rec],
      text: `${name} for packet id ${id}, which has no matching flow in flight on this connection${why}`,
      extra: { violation: 'unknown-ack', packet_id: id, dir: rec.dir, packet_type: name, ...(afterGap && (!midstream || absent) ? { after_gap: true } : {}) },
    });
  }

  private publishRejected(f: Live, rec: PacketRecord, s: Session, code: number, version: number): void {
    const type = rec.summary.type;
    const name = codeName(type, code, version);
    const qos = f.kind === 'publish-qos1' ? 1 : 2;
    const pub = f.dir === 'c2s';
    const rs = rec.summary.properties?.['reason_string'];
    const extra: Record<string, unknown> = { reason_code: code, reason: name, packet_id: f.packetId, qos, dir: f.dir };
    if (pub && f.topic !== null) this.onRejected?.(f.topic, s.connId, f.packetId);
    let text = `The ${pub ? 'broker' : 'client'} rejected this QoS ${qos} publish${pub ? ` from ${who(s)}` : ` to ${who(s)}`} on '${f.topic ?? ''}' with ${NAMES[type]} ${codeString(type, code, version)} (${name})${typeof rs === 'string' ? ` ("${rs}")` : ''}`;
    if (code === 0x97 && pub && s.serverReceiveMaximum !== null) {
      // Quota exceeded: the client's QoS 1/2 publishes sent before this one and not completed yet.
      let n = 0;
      const m = this.byConn.get(s.connId);
      if (m) for (const o of m.values()) if (o.dir === 'c2s' && o.seq < f.seq && (o.kind === 'publish-qos1' || o.kind === 'publish-qos2')) n++;
      const rm = s.serverReceiveMaximum;
      if (n >= rm) {
        extra['receive_maximum'] = rm;
        extra['unacknowledged'] = n;
        text += `. The client had ${n} QoS 1/2 publish(es) not yet completed (no PUBACK or PUBCOMP) when it sent this one, as many as the Receive Maximum of ${rm} the broker announced in its CONNACK${s.connackFrame !== null ? ` (frame ${s.connackFrame})` : ''}, and a client must not send more [MQTT-3.3.4-7]: this is flow control, the message is not routed (mosquitto 2.0.11, whose max_inflight_messages sets that Receive Maximum, answers 0x97 rather than DISCONNECT 0x93). Wait for the PUBACK or PUBCOMP of an earlier one`;
      }
    }
    if (code === 0x87 && pub && f.topic !== null) {
      const topic = f.topic;
      // Without its CONNECT the username is unknown: the file is not asked (it would be the anonymous verdict).
      const unknown = this.acl !== undefined && usernameUnknown(s);
      if (unknown) extra['acl_not_checked'] = 'username-unknown';
      const v = unknown ? undefined : this.acl?.({ username: s.username, clientId: effectiveClientId(s), access: 'write', topic });
      if (v) {
        extra['acl_explanation'] = v.full ?? v.text;
        extra['acl_confirmed'] = !v.allowed;
        Object.assign(extra, aclFields(v));
      }
      // A $SYS write is refused before any acl_file is looked at: not the file's doing.
      text += sysWrite(topic)
        ? `. ${sysWriteHint(this.brokerKind).replace(/\.$/, '')}`
        : !v
          ? `. With a mosquitto acl_file this is a denied write; MQTT 5 lets the broker say so, 3.1.1 clients are not told${unknown ? `. The acl_file was not asked: ${usernameUnknownText(who(s))}` : ''}`
          : !v.allowed
            ? `. The acl_file denies this write: ${v.text}. MQTT 5 lets the broker say so; an MQTT 3.1.1 client gets a normal ${NAMES[type]} and is not told`
            : `. The acl_file allows this write (${v.text}), so it does not explain the rejection: another check of the broker refused it (an auth plugin, or a dynamic-security role)`;
    }
    this.ctx.emit({
      code: 'publish-rejected', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: f.recs(), topic: f.topic, text: `${text}.`, extra,
    });
  }

  private subscribeRejected(f: Live, rec: PacketRecord, s: Session, version: number): boolean {
    const req = f.r0.summary.subscriptions ?? [];
    const codes = rec.summary.reasonCodes ?? [];
    // The summaries list the first 10,000 filters and codes (filtersNotListed counts the
    // rest): listed code i answers listed filter i; refusals among the others are not known.
    const unlisted = filtersNotListed(rec);
    const total = codes.length + unlisted;
    const rejected: { filter: string | null; reason_code: number; reason: string }[] = [];
    let count = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (!isFailure(T_SUBACK, code, version)) continue;
      if (++count <= REJECTED_LISTED) rejected.push({ filter: req[i]?.filter ?? null, reason_code: code, reason: codeName(T_SUBACK, code, version) });
    }
    if (count === 0) return false;
    const named = rejected.slice(0, REJECTED_NAMED);
    const list = named.map((r) => `'${r.filter ?? '?'}' → ${codeString(T_SUBACK, r.reason_code, version)} (${r.reason})`).join(', ')
      + (count > named.length ? ` and ${(count - named.length).toLocaleString('en-US')} more` : '');
    const of = unlisted > 0
      ? `${count.toLocaleString('en-US')} of the first ${codes.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} subscription(s)`
      : `${count} of ${total} subscription(s)`;
    const rest = unlisted > 0 ? ` The other ${unlisted.toLocaleString('en-US')} codes of the SUBACK are not listed in its summary, so refusals among them are not named.` : '';
    this.ctx.emit({
      code: 'subscribe-rejected', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: f.recs(), topic: rejected[0]?.filter ?? null,
      text: `The broker refused ${of} of ${who(s)} in SUBSCRIBE id ${f.packetId}: ${list}. Nothing will be delivered for ${count === 1 ? 'that filter' : 'those filters'}.${rest}`,
      extra: {
        packet_id: f.packetId, rejected, reason_code: rejected[0]?.reason_code, reason: rejected[0]?.reason,
        ...(count > rejected.length ? { rejected_count: count } : {}),
        ...(unlisted > 0 ? { codes_not_listed: unlisted } : {}),
      },
    });
    return true;
  }

  /** `unobserved`: an incomplete flow whose answer may have gone by unseen (FlowStats.unobserved). */
  private finish(f: Live, state: FlowState, unobserved = false): void {
    f.state = state;
    const totalUs = Math.max(0, f.last.time - f.r0.time);
    const st = this.stats[f.kind];
    if (state === 'complete') { st.complete++; st.totalUs += totalUs; st.maxUs = Math.max(st.maxUs, totalUs); }
    else if (state === 'rejected') st.rejected++;
    else if (unobserved) st.unobserved++;
    else st.incomplete++;
    this.keep(f);
  }

  /**
   * Copy a finished flow into the ring of recent ones. The ring's objects are its
   * own, not the in-flight ones: V8 decides per allocation site whether to allocate
   * straight in the old generation, and the first thousand finished flows all
   * survive, so keeping the objects newFlow() makes would get that site (and the
   * `recs` arrays holding packet records) old-allocated, promoting every record and
   * making the young collections of a busy capture expensive. This way in-flight
   * flows die young, and once the ring is full finishing a flow allocates nothing.
   */
  private keep(f: Live): void {
    const max = this.keepRecent;
    if (max === 0) return;
    let slot: Flow;
    if (this.ring.length < max) {
      slot = {
        conn: '', clientId: null, dir: 'c2s', packetId: null, kind: 'ping', state: 'complete', topic: null,
        steps: [], retransmissions: 0, startedAt: 0, endedAt: null, totalUs: null, recs: NO_RECS, seq: 0,
      };
      this.ring.push(slot);
    } else {
      slot = this.ring[this.ringNext]!;
      this.ringNext = this.ringNext + 1 === max ? 0 : this.ringNext + 1;
    }
    slot.conn = f.conn; slot.clientId = f.clientId; slot.dir = f.dir; slot.packetId = f.packetId; slot.kind = f.kind;
    slot.state = f.state; slot.topic = f.topic; slot.retransmissions = f.retransmissions; slot.startedAt = f.r0.time;
    slot.endedAt = f.last.time; slot.totalUs = Math.max(0, slot.endedAt - slot.startedAt); slot.seq = f.seq;
    const n = f.stepCount, to = slot.steps;
    for (let i = 0; i < n; i++) {
      const b = to[i];
      if (b === undefined) to.push(f.step(i));
      else f.step(i, b);
    }
    if (to.length !== n) to.length = n;
  }

  /** The connection closed: flows still in flight were cut short. */
  close(s: Session, how: CloseHow): void {
    let cut: Live[] = [];
    const m = this.byConn.get(s.connId);
    this.skipped.delete(s.connId);
    if (s.connackCode === 0 && outlivesConnection(s)) this.park(s, m);
    if (m) {
      s.unackedAtClose = unackedOf(m);
      this.liveCount -= m.size;
      for (const f of m.values()) cut.push(f);
      // In the order they went in flight (the map does not keep it), then by start time.
      cut.sort((a, b) => a.seq - b.seq);
      this.byConn.delete(s.connId);
      if (this.lastConn === s.connId) { this.lastConn = null; this.lastMap = undefined; }
    }
    // A PINGREQ still unanswered was cut short too (or unobserved, when its PINGRESP may
    // have gone by unseen); it counts in the table, not in the qos-flow-incomplete
    // finding (no message is lost with it).
    const pings = this.pings.get(s.connId);
    this.pings.delete(s.connId);
    if (pings) for (const f of pings) this.finish(f, 'incomplete', this.unseen(f, s));
    const acks = this.acksNotInView.get(s.connId);
    if (acks !== undefined) {
      this.acksNotInView.delete(s.connId);
      const types = Object.entries(acks.types).map(([t, n]) => `${n} ${t}`).join(', ');
      this.ctx.emit({
        code: 'protocol-violation', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
        frames: acks.first === acks.last ? [acks.first] : [acks.first, acks.last],
        text: `${acks.count} more answer(s) on this connection (${types}, frames ${acks.first} to ${acks.last}) had no matching flow in flight, like the one reported before them: the ${DIR_NAME[acks.dir]} stream is out of view, not one of its packets decoded after its stream gap${acks.gapFrame ? ` at frame ${acks.gapFrame}` : ''}${acks.oneWay ? ' (a one-way capture shows one side only)' : ''}, so the packets they answer were not seen. Counted, not reported one by one.`,
        extra: { violation: 'unknown-ack', count: acks.count, packet_types: acks.types, dir: opposite(acks.dir), after_gap: true, not_in_view: true },
      });
    }
    // A client PUBLISH the broker refused with its DISCONNECT is explained by the
    // protocol-violation sessions reported for it: not also a flow cut short.
    if (cut.length > 0) cut = this.withoutRefused(s, cut);
    const reusedBy = this.reusedUnseen.get(s.connId);
    this.reusedUnseen.delete(s.connId);
    const reused = reusedBy === undefined ? 0 : reusedBy.c2s + reusedBy.s2c;
    // Flows whose answer may have gone by unseen (a gap in its direction since, or that
    // direction out of view: a one-way capture) are no evidence of a broken flow: they
    // are summed up in one info finding, not listed as cut short.
    let unseen: Live[] | null = null;
    if (reused > 0 || s.c2sGap !== null || s.s2cGap !== null) {
      unseen = cut.filter((f) => this.unseen(f, s));
      if (unseen.length > 0) cut = cut.filter((f) => !this.unseen(f, s));
    }
    if (cut.length > 0) this.cutShort(s, how, cut);
    if (unseen !== null && (unseen.length > 0 || reused > 0)) this.answersNotInView(s, how, unseen, reusedBy);
  }

  /**
   * The flows of `cut` that are not client PUBLISHes the broker refused, the others finished
   * as rejected. Refused: one sent before the CONNACK that breaks a limit the CONNACK then
   * announced (publishRefused() with the limits known now; mosquitto 2.0.11 reads it after
   * its CONNACK and answers DISCONNECT 0x95/0x9A/0x9B/0x94), or one unanswered, marked with a
   * protocol-violation, on a connection the broker ended with DISCONNECT 0x82 (Protocol
   * Error) or 0x94 (Topic Alias invalid): mosquitto answers a Topic Alias never set 0x82.
   * Likewise a SUBSCRIBE marked with a protocol-violation on a connection the broker ended
   * with DISCONNECT 0xA2, 0xA1 or 0x9E (a wildcard, Subscription Identifier or shared
   * filter after the CONNACK said Available 0): that violation is the one finding.
   */
  private withoutRefused(s: Session, cut: Live[]): Live[] {
    const d = s.disconnect;
    const byError = d !== null && d.by === 'server' && (d.reasonCode === 0x82 || d.reasonCode === 0x94);
    // A SUBSCRIBE using what the CONNACK said the broker lacks (sessions.ts marks it with a
    // protocol-violation) that the broker ends the connection for: 0xA2, 0xA1 or 0x9E.
    const byCapability = d !== null && d.by === 'server' && (d.reasonCode === 0xa2 || d.reasonCode === 0xa1 || d.reasonCode === 0x9e);
    let kept: Live[] | null = null;
    for (let i = 0; i < cut.length; i++) {
      const f = cut[i]!;
      const refused = f.dir === 'c2s' && (((f.state === 'awaiting-puback' || (f.state === 'awaiting-pubrec' && !f.earlyRel))
        && (publishRefused(s, f.r0) || (byError && f.r0.findings.includes('protocol-violation'))))
        || (byCapability && f.state === 'awaiting-suback' && f.r0.findings.includes('protocol-violation')));
      if (refused) {
        kept ??= cut.slice(0, i);
        this.finish(f, 'rejected');
      } else if (kept !== null) kept.push(f);
    }
    return kept ?? cut;
  }

  /** One qos-flow-incomplete finding for the flows cut short on a closed connection. */
  private cutShort(s: Session, how: CloseHow, cut: Live[]): void {
    cut.sort((a, b) => a.r0.time - b.r0.time);
    // A client can leave up to 65,535 flows per direction open: the finding names the
    // first ones and sums up the rest, so its size (and what a view or the summary
    // keeps of it) is bounded. Every flow's packets are still marked with the code.
    const listed = cut.length > CUT_LISTED ? cut.slice(0, CUT_LISTED) : cut;
    const rest = cut.length > CUT_LISTED ? cut.slice(CUT_LISTED) : [];
    const recs = listed.flatMap((f) => f.recs());
    for (const f of rest) for (const r of f.recs()) markFinding(r, 'qos-flow-incomplete');
    const last = rest[rest.length - 1];
    if (last !== undefined) recs.push(last.r0);
    const flows = listed.map((f) => ({
      kind: f.kind, dir: f.dir, packet_id: f.packetId, state: f.state, topic: f.topic, frames: f.recs().map((x) => x.frame),
    }));
    const named = cut.length > CUT_NAMED ? cut.slice(0, CUT_NAMED) : cut;
    let list = named.map((f) => `${flowLabel(f)} id ${f.packetId} ${f.dir === 'c2s' ? 'from the client' : 'from the broker'} (${f.state.replace('-', ' ')})`).join('; ');
    if (cut.length > CUT_NAMED) {
      // The others grouped by kind, direction and state, in order of first appearance.
      const groups = new Map<string, { f: Live; last: Live; count: number }>();
      for (const f of cut.slice(CUT_NAMED)) {
        const k = `${f.kind} ${f.dir} ${f.state}`;
        const g = groups.get(k);
        if (g) { g.last = f; g.count++; } else groups.set(k, { f, last: f, count: 1 });
      }
      list += `; and ${cut.length - CUT_NAMED} more: ` + [...groups.values()].map(({ f, last: l, count }) => {
        const what = `${count} ${flowLabel(f)} from the ${f.dir === 'c2s' ? 'client' : 'broker'} (${f.state.replace('-', ' ')})`;
        return count === 1 ? `${what} (id ${f.packetId}, frame ${f.r0.frame})` : `${what} (ids ${f.packetId} to ${l.packetId}, frames ${f.r0.frame} to ${l.r0.frame})`;
      }).join('; ');
    }
    const why = how === 'end' ? 'the capture ended' : s.disconnect ? `the connection closed after DISCONNECT from the ${s.disconnect.by}` : `the connection closed (${how})`;
    const v5 = s.version === 5 && s.sessionExpiry !== null;
    const persist = outlivesConnection(s)
      ? ` The session is persistent${v5 ? ` (Session Expiry Interval ${s.sessionExpiry} s)` : ''}, so the flows should resume when the client reconnects.`
      : v5 ? ' The session ends with the connection (Session Expiry Interval 0), so they are lost.' : ' With a clean session they are lost.';
    this.ctx.emit({
      code: 'qos-flow-incomplete', severity: how === 'end' ? 'info' : 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs, topic: cut[0]?.topic ?? null,
      text: `${cut.length} flow(s) of ${who(s)} were cut short when ${why}: ${list}.${how === 'end' ? '' : persist}`,
      extra: {
        flows, awaiting: listed.map((f) => AWAIT[f.state]),
        ...(rest.length > 0 ? { count: cut.length, flows_not_listed: rest.length } : {}),
      },
    });
    for (const f of cut) this.finish(f, 'incomplete');
  }

  /**
   * One info finding for the flows of a closed connection whose answer is not in the
   * capture but may have been sent: its direction had a stream gap since, or is out of
   * view (a one-way capture). `reusedBy`: more such flows, given up earlier because their
   * packet id was used again, by the direction of the answer they awaited.
   */
  private answersNotInView(s: Session, how: CloseHow, unseen: Live[], reusedBy: { c2s: number; s2c: number } | undefined): void {
    const reused = reusedBy === undefined ? 0 : reusedBy.c2s + reusedBy.s2c;
    unseen.sort((a, b) => a.seq - b.seq);
    // Grouped by kind, direction and state, in order of first appearance.
    const groups = new Map<string, { f: Live; last: Live; count: number }>();
    const dirs: Direction[] = [];
    for (const f of unseen) {
      const k = `${f.kind} ${f.dir} ${f.state}`;
      const g = groups.get(k);
      if (g) { g.last = f; g.count++; } else groups.set(k, { f, last: f, count: 1 });
      const d = awaitedDir(f);
      if (!dirs.includes(d)) dirs.push(d);
    }
    if (reusedBy !== undefined) for (const d of ['c2s', 's2c'] as const) if (reusedBy[d] > 0 && !dirs.includes(d)) dirs.push(d);
    const list = [...groups.values()].map(({ f, last, count }) => {
      const what = `${count} ${flowLabel(f)} from the ${f.dir === 'c2s' ? 'client' : 'broker'} awaiting ${AWAIT[f.state]}`;
      return count === 1 ? `${what} (id ${f.packetId}, frame ${f.r0.frame})`
        : `${what} (ids ${f.packetId} to ${last.packetId}, frames ${f.r0.frame} to ${last.r0.frame})`;
    });
    if (reused > 0) list.push(`${reused} earlier one(s) whose packet id was used again, so their answer most likely came`);
    const why = dirs.map((d) => {
      const g = gapOf(s, d);
      const at = g !== null && g.frame ? ` at frame ${g.frame}` : '';
      return notInView(s, d)
        ? `The ${DIR_NAME[d]} stream is out of view: not one of its packets was decoded after its stream gap${at} (a one-way capture shows one side only)`
        : `The ${DIR_NAME[d]} stream has a stream gap after they were sent${at}, and their answers may be in the lost bytes`;
    }).join('. ');
    const n = unseen.length + reused;
    const end = how === 'end' ? 'the capture ended' : 'the connection closed';
    const first = unseen[0], last = unseen[unseen.length - 1];
    this.ctx.emit({
      code: 'qos-flow-incomplete', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: first === undefined ? [] : first === last ? [first.r0] : [first.r0, last!.r0], topic: first?.topic ?? null,
      text: `${n} flow(s) of ${who(s)} had no answer in the capture when ${end}: ${list.join('; ')}. ${why}. Whether they completed cannot be told, so they are not reported as cut short.`,
      extra: {
        not_in_view: true,
        count: n,
        dirs,
        gap_frames: dirs.map((d) => gapOf(s, d)?.frame ?? null),
        groups: [...groups.values()].map(({ f, last, count }) => ({
          kind: f.kind, dir: f.dir, state: f.state, awaiting: AWAIT[f.state], count,
          first_packet_id: f.packetId, last_packet_id: last.packetId, first_frame: f.r0.frame, last_frame: last.r0.frame,
        })),
        ...(reused > 0 ? { id_reused: reused } : {}),
      },
    });
    for (const f of unseen) this.finish(f, 'incomplete', true);
  }
}

function newStats(): FlowStats {
  return { count: 0, complete: 0, rejected: 0, incomplete: 0, unobserved: 0, totalUs: 0, maxUs: 0 };
}

function flowLabel(f: { kind: FlowKind }): string {
  switch (f.kind) {
    case 'publish-qos1': return 'QoS 1 PUBLISH';
    case 'publish-qos2': return 'QoS 2 PUBLISH';
    case 'subscribe': return 'SUBSCRIBE';
    case 'unsubscribe': return 'UNSUBSCRIBE';
    default: return 'PINGREQ';
  }
}
