// The analysis observer: sessions, QoS flows, delivery correlation, wills and
// topics, driven only by event timestamps (tick/end advance the clock).
import type { AclFile } from '../acl/index.js';
import type { CloseHow, EngineObserver, GapReason } from '../engine/engine.js';
import type { Finding, PacketRecord } from '../model/packet.js';
import type { ConnMeta, Direction } from '../model/types.js';
import { aclAllowedCheck, aclCheck } from './acl-check.js';
import { AnalysisContext, payloadPreview } from './context.js';
import { DeliveryCorrelator } from './delivery.js';
import { type Flow, type FlowKind, type FlowStats, FlowTracker } from './flows.js';
import { type CredentialCheck, effectiveClientId, type Session, SessionTracker, usernameUnknown } from './sessions.js';
import { type TopicStats, TopicTracker } from './topics.js';
import { WillTracker } from './wills.js';
import { GrantWatch } from './grants.js';

export interface AnalyzerOptions {
  /** How long after a publish its deliveries are awaited, in µs. Default 5 s. */
  deliveryWindowUs?: number;
  /** Minimum time a subscriber must stay connected for a missing delivery to count (default 250 ms). */
  settleUs?: number;
  /** A parsed mosquitto acl_file: undelivered/withheld findings then say whether it explains the drop. */
  acl?: AclFile;
  /** A password_file (live --passwd): connect-refused findings say what it makes of the user name and password. */
  credentials?: CredentialCheck;
  /**
   * Wording of the texts ('mosquitto' names mosquitto and its acl_file) and when a QoS 2
   * message is routed: at its PUBREL for 'mosquitto' and 'aedes' (the bundled broker, which
   * holds a QoS 2 message until its PUBREL as mosquitto does); 'unknown' accepts either.
   */
  brokerKind?: 'mosquitto' | 'aedes' | 'unknown';
  /**
   * Most subscriptions kept by all sessions together, open and closed (a session keeps at
   * most 10,000 of its own). Past it, the oldest closed sessions keep only their first
   * 100; when open sessions hold them all, new grants are counted, not kept (the session's
   * subscriptions are then incomplete). Default 1,000,000 (at most about 600 MB).
   */
  maxSubscriptions?: number;
  /** Finished flows kept for the snapshot. Default 1000. */
  keepFlows?: number;
  /**
   * Most packet-id flows (QoS 1/2, SUBSCRIBE, UNSUBSCRIBE) in flight at once, all
   * connections together; beyond that, new ones are not tracked (counted in the
   * snapshot's untrackedFlows). Default 250,000 (about 110 MiB).
   */
  maxFlowsInFlight?: number;
  /**
   * Hold the record of every PUBLISH awaiting its deliveries, so that an
   * undelivered-publish or withheld-delivery finding also marks it
   * (`rec.findings`; its frame is in the finding either way). Default true.
   * Views that never look at a record again after showing it turn this off:
   * with a broker holding many messages in flight, those records are most of
   * what analysis keeps in memory, and copying them costs the GC.
   */
  keepRecords?: boolean;
  /**
   * Most publishes awaited at once by delivery correlation; beyond that, new ones
   * are not checked (counted in the snapshot's untrackedDeliveryPublishes) until
   * the backlog drains. Default 250,000 (about 70 MiB without held records).
   */
  maxPendingDeliveries?: number;
  /**
   * Most bytes awaited publishes hold for delivery matching: their payloads, and the
   * read buffers those lie in (a payload is compared in place, which keeps its whole
   * read alive). Past it, a publish keeps a SHA-256 of its payload instead (counted
   * in the snapshot's digestedDeliveryPublishes); the buffers are counted each time a
   * quarter of this in new buffers was taken on, and the oldest publishes give theirs
   * up. Default 64 MiB.
   */
  maxPendingPayloadBytes?: number;
}

export const DEFAULT_DELIVERY_WINDOW_US = 5_000_000;

export interface SubscriptionSnapshot {
  filter: string;
  shareGroup: string | null;
  requestedQos: number;
  grantedQos: number;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  grantedAt: number;
  subackFrame: number;
  inherited: boolean;
}

export interface SessionSnapshot {
  conn: string;
  state: Session['state'];
  version: number | null;
  clientId: string | null;
  assignedClientId: string | null;
  username: string | null;
  cleanStart: boolean | null;
  sessionPresent: boolean | null;
  keepAlive: number | null;
  will: { topic: string; qos: number; retain: boolean; payloadLength: number; preview: string } | null;
  connackCode: number | null;
  openedAt: number;
  closedAt: number | null;
  closeHow: CloseHow | null;
  disconnect: Session['disconnect'];
  /** The first SNAPSHOT_SUBSCRIPTIONS (100) of the subscriptions the analysis keeps, in the order they were first granted. */
  subscriptions: SubscriptionSnapshot[];
  /**
   * Subscriptions of the session not in `subscriptions`: the kept ones past the first 100,
   * plus `subscriptionsNotKept`.
   */
  subscriptionsNotListed: number;
  /**
   * Grants the analysis did not keep: past the 10,000 subscriptions it keeps per session
   * (MAX_SUBSCRIPTIONS), or filters of a SUBSCRIBE its summary did not list. Counted per
   * grant (a filter granted twice counts twice).
   */
  subscriptionsNotKept: number;
  /**
   * The analysis does not know every subscription of the session (a grant not kept, an
   * UNSUBSCRIBE with filters not listed, or inherited so): no delivery to it is expected.
   */
  subscriptionsIncomplete: boolean;
  /** The session's last 100 unsubscribed filters, oldest first. */
  unsubscribed: string[];
  /** Unsubscriptions before those, not listed. */
  unsubscribedDropped: number;
  takenOverBy: string | null;
  tookOver: string[];
  packets: { c2s: number; s2c: number };
  lastClientTime: number;
}

export interface ClientSnapshot {
  clientId: string;
  usernames: string[];
  connections: string[];
  connected: boolean;
}

export interface FlowSnapshot {
  conn: string;
  clientId: string | null;
  dir: Direction;
  packetId: number | null;
  kind: FlowKind;
  state: Flow['state'];
  topic: string | null;
  steps: Flow['steps'];
  retransmissions: number;
  startedAt: number;
  totalUs: number | null;
}

export interface AnalysisSnapshot {
  time: number;
  /** Every open session and the latest closed ones (10,000 to 20,000 of them). */
  sessions: SessionSnapshot[];
  /** Closed sessions forgotten to keep the history bounded (not in `sessions` or `clients`). */
  forgottenSessions: number;
  clients: ClientSnapshot[];
  topics: TopicStats[];
  untrackedTopicPublishes: number;
  flows: { inFlight: FlowSnapshot[]; recent: FlowSnapshot[]; stats: Record<FlowKind, FlowStats & { avgUs: number | null }> };
  /** Packet-id flows not tracked because maxFlowsInFlight were already in flight. */
  untrackedFlows: number;
  /** Subscriptions not kept, all sessions together (SessionSnapshot.subscriptionsNotKept summed, forgotten sessions too). */
  untrackedSubscriptions: number;
  /** Sessions whose subscriptions the analysis stopped knowing in full (SessionSnapshot.subscriptionsIncomplete), forgotten ones too. */
  incompleteSubscriptionSessions: number;
  /** Granted subscriptions whose owed retained messages were not watched (10,000 windows open, or 16 of that session's). */
  untrackedRetainedGrants: number;
  /** Messages still inside their delivery window. */
  pendingDeliveries: number;
  /** Publishes not checked for delivery because maxPendingDeliveries were already awaited. */
  untrackedDeliveryPublishes: number;
  /** Payload bytes awaited publishes hold, and publishes that kept a digest because that budget was spent. */
  heldDeliveryBytes: number;
  /** Bytes of the read buffers those payloads lie in (what holding them costs). */
  heldDeliveryBufferBytes: number;
  digestedDeliveryPublishes: number;
  /** Wills awaiting their publication after an abnormal close, and wills no longer watched because too many were. */
  armedWills: number;
  unwatchedWills: number;
  findings: Record<string, number>;
}

export class Analyzer implements EngineObserver {
  private readonly ctx: AnalysisContext;
  private readonly sessions: SessionTracker;
  private readonly flows: FlowTracker;
  private readonly delivery: DeliveryCorrelator;
  private readonly wills: WillTracker;
  private readonly topics = new TopicTracker();
  private readonly grants: GrantWatch;

  constructor(emit: (f: Finding) => void, opts: AnalyzerOptions = {}) {
    const windowUs = opts.deliveryWindowUs ?? DEFAULT_DELIVERY_WINDOW_US;
    this.ctx = new AnalysisContext(emit);
    this.sessions = new SessionTracker(this.ctx, {
      brokerKind: opts.brokerKind ?? 'unknown',
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.maxSubscriptions !== undefined ? { maxSubscriptions: opts.maxSubscriptions } : {}),
    });
    const acl = opts.acl ? aclCheck(opts.acl) : undefined;
    const brokerKind = opts.brokerKind ?? 'unknown';
    this.flows = new FlowTracker(this.ctx, {
      keepRecent: opts.keepFlows, maxInFlight: opts.maxFlowsInFlight, acl, brokerKind,
      onRejected: (topic, conn, packetId) => this.topics.rejected(topic, conn, packetId),
    });
    this.grants = new GrantWatch(this.ctx, this.sessions, this.topics, { windowUs, settleUs: opts.settleUs, brokerKind, acl: opts.acl, aclCheck: acl });
    this.delivery = new DeliveryCorrelator(this.ctx, this.sessions, {
      windowUs, settleUs: opts.settleUs, brokerKind, acl, ...(opts.acl ? { aclAllowed: aclAllowedCheck(opts.acl) } : {}),
      unacknowledged: (s) => this.flows.unacknowledged(s),
      keepRecords: opts.keepRecords ?? true,
      maxPending: opts.maxPendingDeliveries ?? 250_000,
      maxPendingBytes: opts.maxPendingPayloadBytes ?? 64 * 1024 * 1024,
    });
    this.wills = new WillTracker(this.ctx, windowUs, undefined, undefined,
      acl ? { check: acl, route: (topic, s) => this.delivery.routeNow(topic, s) } : null);
  }

  /**
   * Move the analysis clock to `time` unless it is already later (it never goes
   * back: see AnalysisContext.now), close delivery windows, check keep-alives.
   * Returns the analysis clock, which the trackers use instead of event times.
   */
  private advance(time: number, force = false): number {
    const ctx = this.ctx;
    ctx.eventTime = time;
    if (time > ctx.now) ctx.now = time;
    const now = ctx.now;
    this.delivery.advance(now);
    if (now > this.grants.nextDeadline) this.grants.advance(now);
    this.sessions.scan(now, force);
    this.wills.advance(now);
    return now;
  }

  open(conn: ConnMeta, time: number): void {
    this.sessions.open(conn, this.advance(time));
  }

  packet(rec: PacketRecord): void {
    // The trackers take the time from ctx.now, not from rec.time (see advance()).
    const now = this.advance(rec.time);
    const type = rec.summary.type;
    // A SUBACK: what its SUBSCRIBE asked for and replaced, before the session takes it in.
    const granting = type === 9 && rec.dir === 's2c' ? this.grants.before(rec) : null;
    const s = this.sessions.packet(rec);
    if (granting !== null) this.grants.suback(rec, s, granting);
    if (type === 2 && s.state === 'connected') { this.delivery.connected(s); this.wills.connected(s); }
    this.flows.packet(rec, s);
    this.topics.packet(rec, now, type === 3 && rec.summary.retain && usernameUnknown(s));
    const matched = this.delivery.packet(rec, s);
    if (type === 3 && rec.dir === 's2c') {
      if (!matched) this.wills.delivery(rec);
      // Retained copies owed to new subscriptions (or sent before their SUBACK).
      if (this.grants.waiting !== 0 || this.grants.reported !== 0 || s.pendingSubscribe.size !== 0) this.grants.delivery(rec, s);
    }
  }

  gap(conn: ConnMeta, dir: Direction, time: number, frame = 0, reason: GapReason = 'lost'): void {
    this.sessions.gap(conn, dir, this.advance(time), frame, reason);
  }

  close(conn: ConnMeta, time: number, how: CloseHow, by?: Direction): void {
    const now = this.advance(time);
    const s = this.sessions.close(conn, now, how, by);
    if (!s) return;
    this.flows.close(s, how);
    this.delivery.closed(s);
    this.grants.closed(s);
    if (how !== 'end') this.wills.closed(s, now, s.will !== null ? this.sessions.takingOver(s) : null);
    this.sessions.settled(s);
  }

  tick(time: number): void {
    this.advance(time, true);
    this.topics.advance(this.ctx.now);
  }

  end(time: number): void {
    this.advance(time, true);
    // The engine closes its connections before end(); close any it did not report.
    for (const s of [...this.sessions.live()]) this.close(s.conn, time, 'end');
    this.sessions.end(this.ctx.now);
    this.delivery.end(this.ctx.now);
    this.grants.end(this.ctx.now);
  }

  /** State for the TUI and --summary. */
  snapshot(): AnalysisSnapshot {
    const sessions = this.sessions.all.map(sessionSnapshot);
    const clients = new Map<string, ClientSnapshot>();
    for (const s of this.sessions.all) {
      const cid = effectiveClientId(s);
      if (cid === null) continue;
      let c = clients.get(cid);
      if (!c) { c = { clientId: cid, usernames: [], connections: [], connected: false }; clients.set(cid, c); }
      if (s.username !== null && !c.usernames.includes(s.username)) c.usernames.push(s.username);
      c.connections.push(s.connId);
      if (s.closedAt === null && s.state === 'connected') c.connected = true;
    }
    const stats = {} as AnalysisSnapshot['flows']['stats'];
    for (const [k, v] of Object.entries(this.flows.stats) as [FlowKind, FlowStats][]) {
      stats[k] = { ...v, avgUs: v.complete ? v.totalUs / v.complete : null };
    }
    return {
      time: this.ctx.now,
      sessions,
      forgottenSessions: this.sessions.forgotten,
      clients: [...clients.values()],
      topics: this.topics.snapshot(),
      untrackedTopicPublishes: this.topics.untracked,
      flows: { inFlight: this.flows.inFlight().map(flowSnapshot), recent: this.flows.recent.map(flowSnapshot), stats },
      untrackedFlows: this.flows.untracked,
      untrackedSubscriptions: this.sessions.subscriptionsNotKept,
      incompleteSubscriptionSessions: this.sessions.incompleteSessions,
      untrackedRetainedGrants: this.grants.untracked,
      pendingDeliveries: this.delivery.pendingCount,
      untrackedDeliveryPublishes: this.delivery.untracked,
      heldDeliveryBytes: this.delivery.heldBytes,
      heldDeliveryBufferBytes: this.delivery.bufferBytes(),
      digestedDeliveryPublishes: this.delivery.digested,
      armedWills: this.wills.armedCount,
      unwatchedWills: this.wills.dropped,
      findings: { ...this.ctx.counts },
    };
  }
}

/** Subscriptions a session's snapshot lists (the rest are counted in subscriptionsNotListed). */
export const SNAPSHOT_SUBSCRIPTIONS = 100;

/** The first SNAPSHOT_SUBSCRIPTIONS subscriptions of a session (a session may keep 10,000; the TUI takes a snapshot every second). */
function subscriptionsSnapshot(s: Session): SubscriptionSnapshot[] {
  const out: SubscriptionSnapshot[] = [];
  for (const x of s.subscriptions.values()) {
    if (out.length >= SNAPSHOT_SUBSCRIPTIONS) break;
    out.push({
      filter: x.filter, shareGroup: x.shareGroup, requestedQos: x.requestedQos, grantedQos: x.grantedQos, noLocal: x.noLocal,
      retainAsPublished: x.retainAsPublished, retainHandling: x.retainHandling, grantedAt: x.grantedAt, subackFrame: x.subackFrame,
      inherited: x.inherited,
    });
  }
  return out;
}

function sessionSnapshot(s: Session): SessionSnapshot {
  return {
    conn: s.connId, state: s.state, version: s.version, clientId: effectiveClientId(s), assignedClientId: s.assignedClientId,
    username: s.username, cleanStart: s.cleanStart, sessionPresent: s.sessionPresent, keepAlive: s.keepAlive,
    will: s.will ? { topic: s.will.topic, qos: s.will.qos, retain: s.will.retain, payloadLength: s.willPayloadLength, preview: payloadPreview(s.will.payload) } : null,
    connackCode: s.connackCode, openedAt: s.openedAt, closedAt: s.closedAt, closeHow: s.closeHow,
    disconnect: s.disconnect ? { ...s.disconnect } : null,
    subscriptions: subscriptionsSnapshot(s),
    subscriptionsNotListed: s.subscriptions.size - Math.min(s.subscriptions.size, SNAPSHOT_SUBSCRIPTIONS) + s.subscriptionsNotKept,
    subscriptionsNotKept: s.subscriptionsNotKept,
    subscriptionsIncomplete: s.subscriptionsIncompleteAt !== null,
    unsubscribed: s.unsubscribed.map((u) => u.filter), unsubscribedDropped: s.unsubscribedDropped,
    takenOverBy: s.takenOverBy, tookOver: [...s.tookOver], packets: { ...s.packets }, lastClientTime: s.lastClientTime,
  };
}

function flowSnapshot(f: Flow): FlowSnapshot {
  return {
    conn: f.conn, clientId: f.clientId, dir: f.dir, packetId: f.packetId, kind: f.kind, state: f.state, topic: f.topic,
    steps: f.steps.map((x) => ({ ...x })), retransmissions: f.retransmissions, startedAt: f.startedAt, totalUs: f.totalUs,
  };
}
