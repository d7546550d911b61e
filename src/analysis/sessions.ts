// Session state per connection: identity, CONNECT/CONNACK outcome, keep-alive,
// will, subscriptions, take-over and disconnect. Time-driven by event timestamps;
// every time kept here is on the analysis clock (AnalysisContext.now), which never
// goes back, so a step back of the event clock cannot fake a silence.
import type { CloseHow, GapReason } from '../engine/engine.js';
import type { PacketRecord, WillInfo } from '../model/packet.js';
import type { ConnMeta, Direction, Note, ProtocolVersion } from '../model/types.js';
import { type AnalysisContext, capitalize, seconds, who } from './context.js';
import { codeName, codeString, isFailure, T_CONNACK, T_SUBACK } from './reasons.js';
import { parseFilter } from './topic.js';
import { SubscriptionIndex } from './sub-index.js';
import { packetTypeName } from '../protocol/packet-types.js';

export interface Subscription {
  /** The filter as sent, `$share/{group}/` prefix included. */
  filter: string;
  /** The part matched against topics. */
  topicFilter: string;
  shareGroup: string | null;
  requestedQos: number;
  /** Granted QoS from SUBACK (0..2). */
  grantedQos: number;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  subscribeFrame: number;
  subackFrame: number;
  /** SUBACK time (µs); the broker routes to it from then on at the latest. */
  grantedAt: number;
  /** Carried over from an earlier connection because CONNACK said session present. */
  inherited: boolean;
  /** Order of the filter's entry in its session's map (kept when it is granted again): routes list a session's subscriptions in it. */
  order: number;
}

/** A stream gap in one direction of a session. */
export interface GapMark {
  /** The capture frame the gap was reported at (0 live). */
  frame: number;
  /** The session's packet count in that direction when it was reported. */
  packets: number;
  /** Why the bytes are missing: only `not-captured` (a one-way capture) puts the direction out of view (notInView). */
  reason: GapReason;
  /** An answer to a packet of this direction, with no flow, was reported since (FlowTracker). */
  ackReported: boolean;
}

export type SessionState = 'open' | 'connecting' | 'connected' | 'refused' | 'closed';

/**
 * What a password_file says about a CONNECT's user name and password (PasswordChecker
 * in src/acl/password-file.ts): `pending` while a slow hash is computed off the hot
 * path (or waits for a slot), `too-many` when it could not be started or queued because
 * the budget of slow checks was spent (a refusal then waits and asks again, like `pending`).
 */
export type CredentialVerdict = 'ok' | 'unknown-user' | 'bad-password' | 'no-password' | 'pending' | 'too-many';

/** A password_file to explain refused CONNECTs with (`proxy/up --passwd`). check() must never block on a slow hash. */
export interface CredentialCheck {
  /** The file's path, for texts. */
  readonly path: string;
  /** Slow checks finished so far: refusals waiting for a verdict are looked at again only when this changed (or a wait ran out). */
  readonly completed: number;
  /** At CONNECT: start a slow check early if the budget allows right now (never counted as too many, nothing for cheap entries). */
  prefetch?(username: string, password: Uint8Array | null): void;
  /** A key for the pair, passed back to check() so that a waiting refusal does not hash it again. */
  keyOf?(username: string, password: Uint8Array): string;
  /** A refusal waiting on this key was reported as not checked: a check still queued for it need not run. */
  abandon?(key: string): void;
  /** At a refusal: the verdict now, starting (with priority) a slow check not yet done. */
  check(username: string, password: Uint8Array | null, key?: string): CredentialVerdict;
  /** The line of the user's entry, or null. */
  lineOf(username: string): number | null;
}

export interface SessionTrackerOptions {
  /** Closed sessions kept (see DEFAULT_MAX_CLOSED_SESSIONS). */
  maxClosed?: number;
  /** Subscriptions kept by all sessions together (see DEFAULT_MAX_TOTAL_SUBSCRIPTIONS). */
  maxSubscriptions?: number;
  /** A password_file that connect-refused findings consult. */
  credentials?: CredentialCheck;
  /** The broker, when known: mosquitto refuses a packet over its Maximum Packet Size by its own measure (serverRefusesAbove). */
  brokerKind?: 'mosquitto' | 'aedes' | 'unknown';
}

/** A refused CONNECT whose password is still being checked: its finding waits (at most CREDENTIAL_WAIT_US). */
interface AwaitedRefusal {
  s: Session;
  recs: (PacketRecord | null)[];
  head: string;
  extra: Record<string, unknown>;
  username: string;
  password: Uint8Array | null;
  /** CredentialCheck.keyOf of (username, password), computed once. */
  key: string | undefined;
  /** Reported as not checked at this time (the analysis clock) if no verdict came. */
  deadline: number;
}

export interface DisconnectInfo {
  by: 'client' | 'server';
  reasonCode: number;
  reason: string;
  frame: number;
  time: number;
  /**
   * A client DISCONNECT the broker takes as a protocol error (it raises the Session Expiry
   * Interval from 0): it does not discard the will, which mosquitto 2.0.11 then publishes.
   */
  refused: boolean;
}

export interface Session {
  conn: ConnMeta;
  /** Order of opening among all sessions. */
  openSeq: number;
  connId: string;
  openedAt: number;
  closedAt: number | null;
  closeHow: CloseHow | null;
  state: SessionState;
  version: ProtocolVersion | null;
  clientId: string | null;
  /** MQTT 5 assigned_client_identifier from CONNACK. */
  assignedClientId: string | null;
  username: string | null;
  cleanStart: boolean | null;
  sessionPresent: boolean | null;
  /** Effective keep-alive in seconds (the server_keep_alive of CONNACK wins). */
  keepAlive: number | null;
  /** MQTT 5 maximum_packet_size from CONNECT: larger messages are not sent to it [MQTT-3.1.2-24] [MQTT-3.1.2-25]. */
  maxPacketSize: number | null;
  /** MQTT 5 maximum_packet_size from CONNACK: the client must not send larger packets [MQTT-3.2.2-15]. */
  serverMaxPacketSize: number | null;
  /**
   * The size above which the broker refuses a client packet for that limit: the limit itself,
   * or with brokerKind mosquitto its own threshold (mosquittoPacketLimit: 2.0.11 compares the
   * Remaining Length + 1, so it takes and routes packets 1 to 4 bytes over). Null with no limit.
   */
  serverRefusesAbove: number | null;
  /** MQTT 5 Maximum QoS of the CONNACK (absent is 2, also before a CONNACK): the client must not publish above it [MQTT-3.2.2-11]. */
  serverMaxQos: number;
  /** MQTT 5 Retain Available of the CONNACK (absent is 1, also before a CONNACK): at 0 the client must not publish with RETAIN 1 [MQTT-3.2.2-14]. */
  retainAvailable: boolean;
  /**
   * MQTT 5 subscription features the CONNACK said the broker lacks (SUB_WILDCARD,
   * SUB_ID, SUB_SHARED set for a Wildcard Subscription, Subscription Identifiers or Shared
   * Subscription Available of 0; absent is 1): a SUBSCRIBE that uses one is a protocol error
   * (MQTT 5 §3.2.2.3.11 to §3.2.2.3.13). 0 before a CONNACK and for most sessions.
   */
  subscribeUnavailable: number;
  /** Client PUBLISHes sent before the CONNACK [MQTT-3.1.4-5] (at most EARLY_KEPT), checked against its limits when it comes; null otherwise. */
  earlyPublishes: PacketRecord[] | null;
  /** MQTT 5 Server Keep Alive of the CONNACK, which replaces the CONNECT's keep-alive [MQTT-3.2.2-21]; null when absent. */
  serverKeepAlive: number | null;
  /** MQTT 5 Receive Maximum of the CONNACK: the client's QoS 1/2 PUBLISHes the broker takes unacknowledged [MQTT-3.3.4-7]; null when absent (65,535) or not seen. */
  serverReceiveMaximum: number | null;
  /** MQTT 5 Topic Alias Maximum the broker may use towards the client (CONNECT's; absent is 0), null before a CONNECT. */
  topicAliasMaxS2c: number | null;
  /** MQTT 5 Topic Alias Maximum the client may use (CONNACK's; absent is 0), null before a CONNACK. */
  topicAliasMaxC2s: number | null;
  /** MQTT 5 session_expiry_interval of the CONNECT (absent is 0), null without an MQTT 5 CONNECT. */
  connectSessionExpiry: number | null;
  /**
   * MQTT 5 Session Expiry Interval in force: the CONNECT's, the CONNACK's when the broker
   * sent its own (MQTT 5 §3.2.2.3.2), then a client DISCONNECT's (not one raised from 0, which
   * the broker refuses); null without an MQTT 5 CONNECT. See outlivesConnection().
   */
  sessionExpiry: number | null;
  /** MQTT 5 Receive Maximum of the CONNECT: the broker's QoS 1/2 PUBLISHes it may leave unacknowledged [MQTT-3.3.4-9]; null when absent (mosquitto 2.0.11 then keeps to its max_inflight_messages, 20 by default, as for MQTT 3.1.1). */
  receiveMaximum: number | null;
  /** The broker→client QoS 1/2 PUBLISHes it left unacknowledged when it closed (FlowTracker.close), for delivery findings decided later. */
  unackedAtClose: { count: number; oldestFrame: number; oldestTime: number } | null;
  will: WillInfo | null;
  /** Length of the will's payload (`will.payload` keeps only its first WILL_KEEP bytes once the session closed). */
  willPayloadLength: number;
  connectFrame: number | null;
  connectTime: number | null;
  connackFrame: number | null;
  connackTime: number | null;
  connackCode: number | null;
  disconnect: DisconnectInfo | null;
  /** Granted subscriptions, at most MAX_SUBSCRIPTIONS of them (see subscriptionsIncompleteAt). */
  subscriptions: Map<string, Subscription>;
  /**
   * Subscriptions the session may hold that are not in `subscriptions`: filters granted
   * when it already held MAX_SUBSCRIPTIONS, and filters of its SUBSCRIBEs that the
   * packet summary did not list (PacketSummary.filtersNotListed; granted or not, the
   * SUBACK's codes for them are not listed either). Counted per grant, not kept.
   */
  subscriptionsNotKept: number;
  /**
   * When (analysis clock) the analysis stopped knowing every subscription of the
   * session, or null while it knows them all: a grant not kept (see above), an
   * UNSUBSCRIBE with filters not listed (which of the kept ones it removed is not
   * known), or subscriptions inherited from a session that was incomplete. From then on
   * the session is no one's expected subscriber (delivery correlation and retained
   * messages owed), and its deliveries may count for any shared group.
   */
  subscriptionsIncompleteAt: number | null;
  /** Why the subscriptions first stopped being known in full (null while they are). */
  subscriptionsIncompleteReason: IncompleteReason | null;
  /**
   * When (analysis clock) a packet last may have removed or changed a kept subscription
   * without the analysis knowing which: an UNSUBSCRIBE whose filters were not all listed,
   * a SUBSCRIBE whose unlisted filters may have granted a kept one again with other
   * options (no-local), or subscriptions inherited from an incomplete session. Set at each
   * such packet, also after the first. Past the cap (`cap`, `total`) a new filter is only
   * not kept: the kept ones, the matching one included, stay as they were, so that does
   * not set it. A subscriber is excused a delivery only for this (delivery.ts leftRoute).
   */
  subscriptionsUnseenChangeAt: number | null;
  /** The last MAX_UNSUBSCRIBED unsubscriptions, oldest first. */
  unsubscribed: { filter: string; frame: number; time: number }[];
  /** Unsubscriptions no longer listed in `unsubscribed`. */
  unsubscribedDropped: number;
  /** Time of the latest client→broker packet (or the open, before any). */
  lastClientTime: number;
  lastClientFrame: number;
  keepaliveReported: boolean;
  /** Connection that took this client id over. */
  takenOverBy: string | null;
  /** Connections this one took over. */
  tookOver: string[];
  packets: { c2s: number; s2c: number };
  /** Time of the latest stream gap per direction. */
  lastGap: { c2s: number | null; s2c: number | null };
  /** The latest stream gap per direction (null: none): see notInView(). */
  c2sGap: GapMark | null;
  s2cGap: GapMark | null;
  /** Records still useful for findings; dropped at close. */
  connectRec: PacketRecord | null;
  lastClientRec: PacketRecord | null;
  pendingSubscribe: Map<number, { rec: PacketRecord; time: number }>;
  pendingTakeover: Session[];
  /** The client id this session is indexed under while live (SessionTracker's byCid), or null. */
  cidKey: string | null;
  /** Until CONNACK: the previous session that sent a CONNECT with this client id (a persistent session's predecessor). */
  previous: Session | null;
}

// Most sessions never subscribe (publishers): they share these empty maps until
// their first entry (only put/pendingOf add entries; delete/clear on
// them are no-ops).
const NO_SUBSCRIPTIONS: Map<string, Subscription> = new Map();
const NO_PENDING: Map<number, { rec: PacketRecord; time: number }> = new Map();
// Shared empty arrays, replaced (never pushed to) on first use.
const NO_UNSUBSCRIBED: Session['unsubscribed'] = [];
const NO_TOOK_OVER: string[] = [];
const NO_TAKEOVER: Session[] = [];

/** Bits of Session.subscribeUnavailable. */
const SUB_WILDCARD = 1;
const SUB_ID = 2;
const SUB_SHARED = 4;
/** Filters a subscription-capability finding names in its text and lists in extra.filters (the rest are counted). */
const CAP_FILTERS_NAMED = 5;


function pendingOf(s: Session): Map<number, { rec: PacketRecord; time: number }> {
  if (s.pendingSubscribe === NO_PENDING) s.pendingSubscribe = new Map();
  return s.pendingSubscribe;
}

/** The client id a client is known by (indexes, snapshots): the assigned one if the broker assigned it; null for an empty one. */
/**
 * Whether the broker keeps the session after the connection ends: MQTT 3.1.1 by clean
 * session 0; MQTT 5 by a Session Expiry Interval above 0 [MQTT-3.1.2-23], whatever
 * Clean Start says (Clean Start 0 with no Session Expiry Interval ends the session with
 * the connection; Clean Start 1 with one keeps the new session: mosquitto 2.0.11 then
 * resumes it, session present 1).
 */
export function outlivesConnection(s: Session): boolean {
  return s.version === 5 && s.sessionExpiry !== null ? s.sessionExpiry > 0 : s.cleanStart === false;
}

/**
 * A client PUBLISH the broker refuses for its Topic Alias: 0 [MQTT-3.3.2-8], or above the
 * Topic Alias Maximum of the CONNACK [MQTT-3.3.2-9]. mosquitto 2.0.11 answers DISCONNECT
 * 0x94 (Topic Alias invalid) to the latter and 0x81 (Malformed Packet) to alias 0 (checked
 * on the wire), and routes nothing, whatever the QoS.
 */
export function clientAliasRefused(s: Session, alias: number): boolean {
  return alias === 0 || (s.topicAliasMaxC2s !== null && alias > s.topicAliasMaxC2s);
}

/**
 * A client PUBLISH that breaks a limit of the broker's CONNACK, which the broker does not
 * route: above its Maximum QoS [MQTT-3.2.2-11], RETAIN 1 when Retain Available is 0
 * [MQTT-3.2.2-14], or larger than its Maximum Packet Size [MQTT-3.2.2-15], or a Topic Alias
 * it refuses. mosquitto 2.0.11 answers DISCONNECT 0x9B, 0x9A, 0x95 or 0x94 (checked on the wire).
 */
export function publishRefused(s: Session, rec: PacketRecord): boolean {
  const sum = rec.summary;
  return sum.qos > s.serverMaxQos || (sum.retain && !s.retainAvailable)
    || (s.serverRefusesAbove !== null && rec.size > s.serverRefusesAbove)
    || (sum.topicAlias !== null && clientAliasRefused(s, sum.topicAlias));
}

/**
 * The largest client packet mosquitto 2.0.11 takes with max_packet_size `limit`: it refuses
 * a packet whose Remaining Length + 1 is above the limit, so the largest it takes has a
 * Remaining Length of limit - 1, and is limit + the 1 to 4 bytes of that Remaining Length.
 */
export function mosquittoPacketLimit(limit: number): number {
  if (limit <= 0) return limit;
  const r = limit - 1;
  return limit + (r < 128 ? 1 : r < 16_384 ? 2 : r < 2_097_152 ? 3 : 4);
}

export function effectiveClientId(s: Session): string | null {
  return s.assignedClientId ?? (s.clientId === '' ? null : s.clientId);
}

/**
 * The client id findings carry, as the connection's packets do: the assigned one if the
 * broker assigned it, else the one sent ('' for an empty client id); null only when unknown.
 */
export function findingClientId(s: Session): string | null {
  return s.assignedClientId ?? s.clientId;
}

/** The latest stream gap in one direction of a session, or null. */
export function gapOf(s: Session, dir: Direction): GapMark | null {
  return dir === 'c2s' ? s.c2sGap : s.s2cGap;
}

/**
 * The direction had a stream gap and not one of its packets was decoded since,
 * whatever the gap's reason. Answers to it are then counted, not reported one by one
 * (FlowTracker's unknown acks); nothing is excused by this alone.
 */
export function silentSinceGap(s: Session, dir: Direction): boolean {
  const g = gapOf(s, dir);
  return g !== null && s.packets[dir] === g.packets;
}

/**
 * The direction is out of view: not one segment of it was captured when its latest
 * gap was reported (`not-captured`: a one-way capture, a span port or filter that
 * sees one side, reported as one gap at the first ACK past the unseen bytes and
 * nothing after), and not one of its packets was decoded since. From the gap on the
 * analysis cannot tell what that side sent: an ack or a delivery missing there is not
 * evidence that it was not sent. After an ordinary gap (`lost` or `skipped`) the
 * direction is still captured: what it sends later is seen, so its silence is.
 */
export function notInView(s: Session, dir: Direction): boolean {
  const g = gapOf(s, dir);
  return g !== null && g.reason === 'not-captured' && s.packets[dir] === g.packets;
}

/**
 * A packet in `dir` expected after `since` (on the analysis clock) may have been
 * sent unseen: the direction had a gap at or after `since` (a gap is reported at or
 * after the bytes it lost were sent, so the packet may be in them), or it is out of
 * view (notInView: never captured). A gap before `since` in a direction still
 * captured excuses nothing: a packet sent after it would have been seen.
 */
export function mayBeUnseen(s: Session, dir: Direction, since: number): boolean {
  const t = s.lastGap[dir];
  return t !== null && (t >= since || notInView(s, dir));
}

/**
 * Whether `s` may not have been sent a message that became due at `since`: it closed
 * or sent or got a DISCONNECT before `settled` (however late its close is seen), was
 * taken over, or its broker→client stream may have lost packets since `since`. Used for
 * live deliveries (DeliveryCorrelator) and retained copies (GrantWatch) alike.
 */
export function goneBy(s: Session, since: number, settled: number): boolean {
  return (s.closedAt !== null && s.closedAt < settled)
    || (s.disconnect !== null && s.disconnect.time < settled)
    || s.takenOverBy !== null
    || mayBeUnseen(s, 's2c', since);
}

/**
 * The session's username is not known: its CONNECT is not in the capture (it began
 * mid-connection) and no packet told it. An acl_file decides by username, so its
 * verdict for such a client is not asked (it would be the anonymous one).
 */
export function usernameUnknown(s: Session): boolean {
  return s.connectFrame === null && s.username === null;
}

/** What a finding says when the acl_file was not consulted for `name` (usernameUnknown). */
export function usernameUnknownText(name: string): string {
  return `the CONNECT of ${name} is not in the capture, so the username the acl_file decides by is unknown`;
}

export function isLive(s: Session): boolean {
  return s.closedAt === null && s.state !== 'refused';
}

const KEEPALIVE_SCAN_US = 1_000_000;
/** Client PUBLISHes sent before the CONNACK that are checked against its limits when it comes. */
const EARLY_KEPT = 8;
/** Closed sessions kept by default (SessionTracker's `maxClosed`); up to twice as many before the oldest are forgotten. */
export const DEFAULT_MAX_CLOSED_SESSIONS = 10_000;
/**
 * Subscriptions kept per session. mosquitto has no limit of its own, and one 16 MiB
 * SUBSCRIBE holds about 4 million filters: each kept one costs about 600 bytes (its
 * entry, its index entry and nodes, its filter string) and was matched against every
 * new topic. 10,000 is far more than any real client holds (a gateway bridging a few
 * thousand devices uses one filter per device or a wildcard) while a session at the
 * cap costs about 6 MB; past it, grants are counted (Session.subscriptionsNotKept) and
 * the session is marked incomplete (Session.subscriptionsIncompleteAt), once, with an
 * info finding. The dissector lists the same number of a SUBSCRIBE's filters.
 */
export const MAX_SUBSCRIPTIONS = 10_000;
/** Why a session's subscriptions stopped being known in full (the `reason` of its stream-gap note). */
export type IncompleteReason = 'cap' | 'total' | 'subscribe-not-listed' | 'unsubscribe-not-listed' | 'inherited';
/**
 * Subscriptions kept by all sessions together, open and closed (about 600 MB at most).
 * Closed sessions keep theirs (the snapshot, and a persistent session resumed later
 * inherits them): 20,000 closed sessions of 10,000 subscriptions each would be 200
 * million. When a new one would pass this, the oldest closed sessions keep only their
 * first CLOSED_KEEP (and are marked incomplete); when open sessions hold them all, the
 * grant is not kept, as past MAX_SUBSCRIPTIONS.
 */
export const DEFAULT_MAX_TOTAL_SUBSCRIPTIONS = 1_000_000;
/** Subscriptions a closed session keeps when room is made for new ones (what the snapshot lists). */
const CLOSED_KEEP = 100;
/** Unsubscriptions listed per session. */
export const MAX_UNSUBSCRIBED = 100;
/** Bytes of a will's payload a closed session keeps (the snapshot's preview needs no more). */
export const WILL_KEEP = 256;

/**
 * Packet types after which the set of live subscriptions (who a publish is routed
 * to) is unchanged: PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP.
 * Any other type (CONNECT, CONNACK, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK,
 * DISCONNECT, AUTH, reserved) bumps SessionTracker.generation.
 */
const ROUTING_NEUTRAL = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 12) | (1 << 13);

export class SessionTracker {
  /** Current session per connection id. */
  private readonly byConn = new Map<string, Session>();
  /** Every session in order of opening (closed ones too). */
  readonly all: Session[] = [];
  /** Sessions not yet closed: what live() walks on every publish, kept apart from the closed ones. */
  private readonly open_ = new Set<Session>();
  /**
   * Open sessions whose subscriptions are in `subIndex`: those that have subscribed (or
   * inherited subscriptions) and whose subscriptions the analysis knows in full
   * (subscriptionsIncompleteAt null). Who a publish can be routed to.
   */
  private readonly subscribed_ = new Set<Session>();
  /**
   * The subscriptions of the sessions in `subscribed_`, by filter level: delivery
   * correlation asks it who a topic is routed to, instead of matching the topic
   * against every subscription of every session.
   */
  readonly subIndex = new SubscriptionIndex();
  /** Order given to the next new subscription entry (Subscription.order). */
  private subOrder = 0;
  /** Subscriptions not kept, all sessions together (Session.subscriptionsNotKept summed). */
  subscriptionsNotKept = 0;
  /** Subscriptions kept, all sessions in `all` together (at most maxSubscriptions). */
  subscriptionsKept = 0;
  /** Closed sessions that keep more than CLOSED_KEEP subscriptions, oldest closed first (from closedHead): where room is made. */
  private closedWithSubs: (Session | undefined)[] = [];
  private closedHead = 0;
  /** Sessions whose subscriptions the analysis stopped knowing in full. */
  incompleteSessions = 0;
  private openSeq = 0;
  /** Closed sessions in `all`: when there are twice `maxClosed`, the oldest are forgotten. */
  private closedKept = 0;
  /** Sessions closed so far, and that count at the last emptyClosed() walk. */
  private closes = 0;
  private closesAtRoomWalk = -1;
  /** Closed sessions forgotten to keep the history bounded. */
  forgotten = 0;
  /** Open sessions that sent a CONNECT, by effective client id: who a new CONNECT takes over. */
  private readonly byCid = new Map<string, Session[]>();
  /** The latest session in `all` that sent a CONNECT, by client id: a persistent session's predecessor. */
  private readonly lastByCid = new Map<string, Session>();
  private lastScan = -Infinity;
  /** The session of the previous packet: runs on one connection skip the map lookup. */
  private lastSession: Session | null = null;
  /**
   * Bumped whenever anything a routing decision depends on may have changed:
   * sessions opened or closed, gaps, client ids, CONNECT/CONNACK/SUBSCRIBE/SUBACK/
   * UNSUBSCRIBE/DISCONNECT/AUTH packets (takeovers happen at CONNACK). Caches of
   * "who should get a publish on this topic" are valid while it stays the same.
   */
  generation = 0;

  /** Refused CONNECTs whose password is still being checked (CredentialCheck said `pending` or `too-many`), oldest first. */
  private readonly awaited: AwaitedRefusal[] = [];
  /** CredentialCheck.completed when the awaited refusals were last looked at. */
  private settledCompleted = -1;
  /** The earliest deadline of the awaited refusals. */
  private awaitedDeadline = Infinity;

  constructor(private readonly ctx: AnalysisContext, private readonly opts: SessionTrackerOptions = {}) {}

  get(connId: string): Session | undefined {
    return this.byConn.get(connId);
  }

  *live(): Iterable<Session> {
    for (const s of this.open_) if (isLive(s)) yield s;
  }

  /** Sessions not yet closed (refused ones included: filter with isLive), without a generator. */
  get openSessions(): ReadonlySet<Session> {
    return this.open_;
  }

  /** Open sessions with subscriptions in the index (some may have unsubscribed all since), in no particular order. */
  get subscribedSessions(): ReadonlySet<Session> {
    return this.subscribed_;
  }

  /**
   * Keep a granted subscription (a new one, or one replacing the entry of its filter):
   * false when the session already holds MAX_SUBSCRIPTIONS other filters, and the
   * grant is then counted and the session marked incomplete.
   */
  private put(s: Session, rec: PacketRecord | null, sub: Omit<Subscription, 'order'>): boolean {
    if (s.subscriptions === NO_SUBSCRIPTIONS) s.subscriptions = new Map();
    const map = s.subscriptions;
    const old = map.get(sub.filter);
    if (old === undefined) {
      if (map.size >= MAX_SUBSCRIPTIONS) {
        this.notKept(s, rec, 1, 'cap');
        return false;
      }
      const max = this.opts.maxSubscriptions ?? DEFAULT_MAX_TOTAL_SUBSCRIPTIONS;
      if (this.subscriptionsKept >= max) this.makeRoom(max);
      if (this.subscriptionsKept >= max) {
        this.notKept(s, rec, 1, 'total');
        return false;
      }
      this.subscriptionsKept++;
    }
    const full = sub as Subscription;
    full.order = old !== undefined ? old.order : ++this.subOrder;
    map.set(full.filter, full);
    if (s.closedAt === null && s.subscriptionsIncompleteAt === null) {
      if (old !== undefined && this.subscribed_.has(s)) this.subIndex.remove(old);
      this.subscribed_.add(s);
      this.subIndex.add(s, full);
    }
    return true;
  }

  /**
   * Below `max` subscriptions kept in all: the oldest closed sessions keep only their first
   * CLOSED_KEEP (the rest counted as not kept, the session marked incomplete, so that a
   * persistent session resumed from it is incomplete too).
   */
  private makeRoom(max: number): void {
    const q = this.closedWithSubs;
    while (this.subscriptionsKept >= max && this.closedHead < q.length) {
      const c = q[this.closedHead]!;
      q[this.closedHead++] = undefined;
      const n = c.subscriptions.size;
      if (n <= CLOSED_KEEP) continue; // forgotten since, or unsubscribed
      const kept = new Map<string, Subscription>();
      for (const [k, v] of c.subscriptions) {
        if (kept.size >= CLOSED_KEEP) break;
        kept.set(k, v);
      }
      c.subscriptions = kept;
      const dropped = n - CLOSED_KEEP;
      this.subscriptionsKept -= dropped;
      c.subscriptionsNotKept += dropped;
      this.subscriptionsNotKept += dropped;
      if (c.subscriptionsIncompleteAt === null) { c.subscriptionsIncompleteAt = this.ctx.now; c.subscriptionsIncompleteReason = 'total'; this.incompleteSessions++; }
    }
    if (this.closedHead === q.length) { this.closedWithSubs = []; this.closedHead = 0; }
    else if (this.closedHead > 1024 && this.closedHead * 2 > q.length) { this.closedWithSubs = q.slice(this.closedHead); this.closedHead = 0; }
    if (this.subscriptionsKept >= max && this.closes !== this.closesAtRoomWalk) this.emptyClosed(max);
  }

  /**
   * Closed sessions of CLOSED_KEEP subscriptions or fewer still hold the budget (a client
   * of 100 filters that reconnected 10,000 times with a persistent session: each closed
   * connection keeps its 100), which would leave every new grant of an open session
   * unkept. The oldest closed sessions then keep none, down to 1% below the budget (one
   * walk per 1% of it): first those a resume no longer inherits from (a later connection
   * of their client id exists), then the others (a resume from one is incomplete).
   * Not walked again until a session has closed since a walk.
   */
  private emptyClosed(max: number): void {
    this.closesAtRoomWalk = this.closes;
    const target = max - Math.max(1, Math.floor(max / 100));
    for (const superseded of [true, false]) {
      for (const c of this.all) {
        if (this.subscriptionsKept <= target) return;
        if (c.closedAt === null || c.subscriptions.size === 0) continue;
        const cid = effectiveClientId(c);
        if (superseded && cid !== null && this.lastByCid.get(cid) === c) continue;
        const n = c.subscriptions.size;
        c.subscriptions = NO_SUBSCRIPTIONS;
        this.subscriptionsKept -= n;
        c.subscriptionsNotKept += n;
        this.subscriptionsNotKept += n;
        if (c.subscriptionsIncompleteAt === null) { c.subscriptionsIncompleteAt = this.ctx.now; c.subscriptionsIncompleteReason = 'total'; this.incompleteSessions++; }
      }
    }
  }

  /** Take a session's subscriptions out of the index (it closed, or they are no longer all known). */
  private unindexSubscriptions(s: Session): void {
    if (!this.subscribed_.delete(s)) return;
    for (const sub of s.subscriptions.values()) this.subIndex.remove(sub);
  }

  /**
   * `n` subscriptions of the session are not kept (`why`: the cap was reached, the
   * SUBSCRIBE's summary did not list them, or they were inherited so), or an
   * UNSUBSCRIBE did not list what it removed (`n` 0): from now on the analysis does not
   * know every subscription of the session. Said once per session, with an info finding.
   */
  private notKept(s: Session, rec: PacketRecord | null, n: number, why: IncompleteReason, also: PacketRecord[] = []): void {
    s.subscriptionsNotKept += n;
    this.subscriptionsNotKept += n;
    // Past the cap, kept subscriptions are unchanged; the other reasons may have removed or changed one.
    if (why !== 'cap' && why !== 'total') s.subscriptionsUnseenChangeAt = this.ctx.now;
    if (s.subscriptionsIncompleteAt !== null) return;
    s.subscriptionsIncompleteAt = this.ctx.now;
    s.subscriptionsIncompleteReason = why;
    this.incompleteSessions++;
    this.unindexSubscriptions(s);
    this.generation++;
    const cause = why === 'cap'
      ? `the SUBACK${rec ? ` (frame ${rec.frame})` : ''} granted it more than the ${MAX_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions the analysis keeps per session; further new filters are counted, not kept`
      : why === 'total'
      ? `the SUBACK${rec ? ` (frame ${rec.frame})` : ''} granted it a subscription while open sessions already held the ${(this.opts.maxSubscriptions ?? DEFAULT_MAX_TOTAL_SUBSCRIPTIONS).toLocaleString('en-US')} the analysis keeps in all; further new filters are counted, not kept`
      : why === 'subscribe-not-listed'
        ? `its SUBSCRIBE${rec ? ` (frame ${rec.frame})` : ''} has ${n.toLocaleString('en-US')} filter(s) past the ${MAX_SUBSCRIPTIONS.toLocaleString('en-US')} the packet summary lists, and their SUBACK codes are not listed either, so which of them were granted (and with what options) is not known`
        : why === 'unsubscribe-not-listed'
          ? `its UNSUBSCRIBE${rec ? ` (frame ${rec.frame})` : ''} has filters past the ${MAX_SUBSCRIPTIONS.toLocaleString('en-US')} the packet summary lists, so which subscriptions it removed is not known`
          : `it took over the subscriptions of an earlier session (CONNACK session present) whose subscriptions the analysis did not know in full`;
    this.ctx.emit({
      code: 'stream-gap', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: rec ? [rec, ...also] : also,
      text: `No bytes are missing here (every packet is still decoded and forwarded): the analysis itself no longer knows every subscription of ${who(s)}: ${cause}. From here on no undelivered-publish or withheld-delivery finding expects a delivery to this connection (that needs all of its subscriptions), and what it receives may count for any shared subscription group; its ${s.subscriptions.size.toLocaleString('en-US')} kept subscription(s) stay in the snapshot.`,
      extra: {
        note: 'subscriptions-not-tracked', reason: why, lost_bytes: 0, subscriptions_kept: s.subscriptions.size,
        subscriptions_not_kept: s.subscriptionsNotKept, max_subscriptions: MAX_SUBSCRIPTIONS,
      },
    });
  }

  open(conn: ConnMeta, time: number): Session {
    const s: Session = {
      conn, openSeq: this.openSeq++, connId: conn.id, openedAt: time, closedAt: null, closeHow: null, state: 'open',
      version: null, clientId: null, assignedClientId: null, username: null, cleanStart: null,
      sessionPresent: null, keepAlive: null, maxPacketSize: null, serverMaxPacketSize: null, serverRefusesAbove: null, serverMaxQos: 2, retainAvailable: true, subscribeUnavailable: 0, serverReceiveMaximum: null, serverKeepAlive: null, earlyPublishes: null, topicAliasMaxS2c: null, topicAliasMaxC2s: null,
      connectSessionExpiry: null, sessionExpiry: null, receiveMaximum: null, unackedAtClose: null, will: null, willPayloadLength: 0, connectFrame: null, connectTime: null,
      connackFrame: null, connackTime: null, connackCode: null, disconnect: null,
      subscriptions: NO_SUBSCRIPTIONS, subscriptionsNotKept: 0, subscriptionsIncompleteAt: null, subscriptionsIncompleteReason: null, subscriptionsUnseenChangeAt: null, unsubscribed: NO_UNSUBSCRIBED, unsubscribedDropped: 0, lastClientTime: time, lastClientFrame: 0,
      keepaliveReported: false, takenOverBy: null, tookOver: NO_TOOK_OVER, packets: { c2s: 0, s2c: 0 },
      lastGap: { c2s: null, s2c: null }, c2sGap: null, s2cGap: null, connectRec: null, lastClientRec: null,
      pendingSubscribe: NO_PENDING, pendingTakeover: NO_TAKEOVER, cidKey: null, previous: null,
    };
    const prev = this.byConn.get(conn.id);
    if (prev) { this.open_.delete(prev); this.unindexSubscriptions(prev); }
    this.generation++;
    this.lastSession = null;
    this.byConn.set(conn.id, s);
    this.open_.add(s);
    this.all.push(s);
    return s;
  }

  /** The session of a record's connection, created when the open was not seen. */
  ensure(rec: PacketRecord): Session {
    const last = this.lastSession;
    if (last !== null && last.connId === rec.conn.id && last.closedAt === null) return last;
    const s = this.byConn.get(rec.conn.id);
    if (s && s.closedAt === null) { this.lastSession = s; return s; }
    const n = this.open(rec.conn, this.ctx.now);
    n.clientId = rec.clientId;
    n.username = rec.username;
    n.version = rec.version;
    this.lastSession = n;
    return n;
  }

  gap(conn: ConnMeta, dir: Direction, time: number, frame = 0, reason: GapReason = 'lost'): void {
    const s = this.byConn.get(conn.id);
    if (s) {
      s.lastGap[dir] = time;
      const mark: GapMark = { frame, packets: s.packets[dir], ackReported: false, reason };
      if (dir === 'c2s') s.c2sGap = mark; else s.s2cGap = mark;
    }
    this.generation++;
  }

  /** A packet, at the analysis clock's time (ctx.now, which the Analyzer moved to it). */
  packet(rec: PacketRecord): Session {
    const s = this.ensure(rec);
    const sum = rec.summary;
    const now = this.ctx.now;
    if (rec.dir === 'c2s') {
      // checkKeepalive's test, first: most packets come well within the keep-alive. The
      // silence is the one before this packet, so it is checked before it is counted (a
      // stream out of view until this packet stays so for the check).
      const ka = s.keepAlive;
      if (ka && !s.keepaliveReported && now - s.lastClientTime > ka * 1.5 * 1e6) this.checkKeepalive(s, now);
      s.packets.c2s++;
      s.lastClientTime = now;
      s.lastClientFrame = rec.frame;
      s.lastClientRec = rec;
      s.keepaliveReported = false;
    } else {
      s.packets.s2c++;
    }
    if (s.clientId === null && rec.clientId !== null) { s.clientId = rec.clientId; this.generation++; }
    if (s.username === null && rec.username !== null) s.username = rec.username;
    if (((ROUTING_NEUTRAL >> sum.type) & 1) === 0) this.generation++;
    // The receiver's Maximum Packet Size (MQTT 5; null until announced).
    const limit = rec.dir === 'c2s' ? s.serverMaxPacketSize : s.maxPacketSize;
    if (limit !== null && rec.size > limit) this.tooLarge(s, rec, limit);
    switch (sum.type) {
      case 1: if (rec.dir === 'c2s') this.connect(s, rec); break;
      case 3:
        if (rec.dir === 'c2s' && (sum.qos > s.serverMaxQos || (sum.retain && !s.retainAvailable))) this.publishOverCapability(s, rec);
        // Only MQTT 5 CONNACKs announce such limits.
        if (rec.dir === 'c2s' && s.state === 'connecting' && s.version === 5) {
          const early = (s.earlyPublishes ??= []);
          if (early.length < EARLY_KEPT) early.push(rec);
        }
        if (sum.properties !== null) this.publishProperties(s, rec, sum.properties);
        break;
      case 15: this.auth(s, rec); break;
      case 2: if (rec.dir === 's2c') this.connack(s, rec); break;
      case 8:
        if (rec.dir !== 'c2s') break;
        if (sum.packetId !== null) pendingOf(s).set(sum.packetId, { rec, time: now });
        if (s.subscribeUnavailable !== 0) this.subscribeOverCapability(s, rec);
        break;
      case 9: if (rec.dir === 's2c') this.suback(s, rec); break;
      case 10: if (rec.dir === 'c2s') this.unsubscribe(s, rec); break;
      case 14: this.disconnect(s, rec); break;
    }
    return s;
  }

  private connect(s: Session, rec: PacketRecord): void {
    const c = rec.summary.connect;
    if (!c) return;
    if (s.connectFrame !== null) {
      this.ctx.emit({
        code: 'protocol-violation', severity: 'error', conn: s.connId, clientId: findingClientId(s), username: s.username,
        recs: [rec], frames: [s.connectFrame],
        text: `A second CONNECT on the same connection (first in frame ${s.connectFrame}); the broker must treat it as a protocol violation and close the connection [MQTT-3.1.0-2]`,
        extra: { violation: 'second-connect', spec: 'MQTT-3.1.0-2' },
      });
      return;
    }
    s.state = 'connecting';
    const lvl = c.protocolLevel;
    s.version = lvl === 3 || lvl === 4 || lvl === 5 ? lvl : rec.version;
    s.clientId = c.clientId;
    s.username = c.username;
    s.cleanStart = c.cleanSession;
    s.keepAlive = c.keepAlive;
    const props = rec.summary.properties;
    const mps = props?.['maximum_packet_size'];
    s.maxPacketSize = typeof mps === 'number' ? mps : null;
    if (s.version === 5) {
      // Absent means 0: no Topic Alias may be sent to the client [MQTT-3.1.2-27]; a session that ends with the connection.
      const tam = props?.['topic_alias_maximum'];
      s.topicAliasMaxS2c = typeof tam === 'number' ? tam : 0;
      const sei = props?.['session_expiry_interval'];
      s.connectSessionExpiry = typeof sei === 'number' ? sei : 0;
      s.sessionExpiry = s.connectSessionExpiry;
      const rm = props?.['receive_maximum'];
      s.receiveMaximum = typeof rm === 'number' && rm > 0 ? rm : null;
    }
    s.will = c.will ? { ...c.will, payload: c.will.payload.slice() } : null;
    s.willPayloadLength = c.will ? c.will.payload.length : 0;
    s.connectFrame = rec.frame;
    s.connectTime = this.ctx.now;
    s.connectRec = rec;
    // A slow (PBKDF2) check may start now, off the hot path, while the broker makes its own, but only
    // if the budget has room right now: most CONNECTs are accepted, and only refusals are explained.
    const creds = this.opts.credentials;
    if (creds?.prefetch !== undefined && c.username && c.password !== null && c.password.length > 0) creds.prefetch(c.username, c.password);
    const cid = effectiveClientId(s);
    if (cid !== null) {
      const others = this.byCid.get(cid);
      // A connection that already sent or got a DISCONNECT is ending: the broker does not
      // take it over (a client that disconnects and reconnects at once, its FIN seen late).
      // One already taken over is not taken over again: it is no longer the session's
      // connection, even when its close is never seen (a capture with no FINs).
      const live = others?.filter((o) => isLive(o) && o.disconnect === null && o.takenOverBy === null);
      s.pendingTakeover = c.clientId === '' || !live?.length ? NO_TAKEOVER : live;
      const prev = this.lastByCid.get(cid);
      s.previous = prev !== undefined && prev !== s ? prev : null;
      this.lastByCid.set(cid, s);
      this.index(s, cid);
    }
  }

  /** List an open session under its effective client id (for take-overs). */
  private index(s: Session, cid: string | null): void {
    if (s.cidKey === cid) return;
    this.unindex(s);
    if (cid === null) return;
    s.cidKey = cid;
    const list = this.byCid.get(cid);
    if (list) list.push(s); else this.byCid.set(cid, [s]);
  }

  private unindex(s: Session): void {
    const k = s.cidKey;
    if (k === null) return;
    s.cidKey = null;
    const list = this.byCid.get(k);
    if (!list) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byCid.delete(k);
  }

  private connack(s: Session, rec: PacketRecord): void {
    const ack = rec.summary.connack;
    if (!ack) return;
    const version = s.version ?? rec.version;
    const early = s.earlyPublishes;
    s.earlyPublishes = null;
    s.connackFrame = rec.frame;
    s.connackTime = this.ctx.now;
    s.connackCode = ack.returnCode;
    s.sessionPresent = ack.sessionPresent;
    const props = rec.summary.properties;
    if (props) {
      if (typeof props['assigned_client_identifier'] === 'string') {
        s.assignedClientId = props['assigned_client_identifier'];
        if (s.closedAt === null && s.connectFrame !== null) {
          const cid = effectiveClientId(s);
          this.index(s, cid);
          if (cid !== null && this.lastByCid.get(cid) !== s) {
            const prev = this.lastByCid.get(cid);
            s.previous = prev ?? null;
            this.lastByCid.set(cid, s);
          }
        }
      }
      if (typeof props['server_keep_alive'] === 'number') s.keepAlive = s.serverKeepAlive = props['server_keep_alive'];
      const mps = props['maximum_packet_size'];
      if (typeof mps === 'number') {
        s.serverMaxPacketSize = mps;
        s.serverRefusesAbove = this.opts.brokerKind === 'mosquitto' ? mosquittoPacketLimit(mps) : mps;
      }
      const mq = props['maximum_qos'];
      if (mq === 0 || mq === 1) s.serverMaxQos = mq;
      if (props['retain_available'] === 0 || props['retain_available'] === false) s.retainAvailable = false;
      if (version === 5) {
        const off = (v: unknown): boolean => v === 0 || v === false;
        s.subscribeUnavailable = (off(props['wildcard_subscription_available']) ? SUB_WILDCARD : 0)
          | (off(props['subscription_identifier_available']) ? SUB_ID : 0)
          | (off(props['shared_subscription_available']) ? SUB_SHARED : 0);
      }
      const rm = props['receive_maximum'];
      if (typeof rm === 'number' && rm > 0) s.serverReceiveMaximum = rm;
    }
    // Absent means 0: the client may send no Topic Alias [MQTT-3.2.2-17].
    if (version === 5) {
      const tam = props?.['topic_alias_maximum'];
      s.topicAliasMaxC2s = typeof tam === 'number' ? tam : 0;
      // The broker's own Session Expiry Interval replaces the client's.
      const sei = props?.['session_expiry_interval'];
      if (typeof sei === 'number' && s.sessionExpiry !== null) s.sessionExpiry = sei;
    }
    const previous = s.previous;
    s.previous = null;
    // Any non-zero CONNACK refuses the connection [MQTT-3.2.2-5] [MQTT-3.2.2-7], even a code
    // that is not valid for this version (e.g. a 3.1.1-style "1" sent to an MQTT 5 client).
    if (ack.returnCode !== 0 || isFailure(T_CONNACK, ack.returnCode, version)) {
      s.state = 'refused';
      s.pendingTakeover = NO_TAKEOVER;
      const name = codeName(T_CONNACK, ack.returnCode, version);
      const rs = typeof props?.['reason_string'] === 'string' ? ` ("${props['reason_string']}")` : '';
      const am = s.connectRec?.summary.properties?.['authentication_method'];
      const method = typeof am === 'string' ? am : null;
      this.refused(s, [s.connectRec, rec], `The broker refused the connection of ${who(s)}: CONNACK ${codeString(T_CONNACK, ack.returnCode, version)} (${name})${rs}.`,
        refusalHint(ack.returnCode, version, method, s.will, props?.['maximum_qos']), { reason_code: ack.returnCode, reason: name, ...(method !== null ? { authentication_method: method } : {}) }, ack.returnCode, version);
      return;
    }
    s.state = 'connected';
    // PUBLISHes sent before this CONNACK: the broker reads them after it, against its limits.
    if (early !== null) {
      for (const r of early) {
        if (r.summary.qos > s.serverMaxQos || (r.summary.retain && !s.retainAvailable)) this.publishOverCapability(s, r);
        if (s.serverMaxPacketSize !== null && r.size > s.serverMaxPacketSize) this.tooLarge(s, r, s.serverMaxPacketSize);
        // Its Topic Alias against the Topic Alias Maximum now known (absent: 0).
        const a = r.summary.topicAlias;
        if (a !== null && s.topicAliasMaxC2s !== null && a > s.topicAliasMaxC2s) this.aliasOverMaximum(s, r, a, s.topicAliasMaxC2s);
      }
    }
    // SUBSCRIBEs sent before this CONNACK (not answered yet): the broker reads them after it,
    // against the features and the Maximum Packet Size it announced.
    if (s.subscribeUnavailable !== 0 || s.serverMaxPacketSize !== null) {
      for (const p of s.pendingSubscribe.values()) {
        if (s.serverMaxPacketSize !== null && p.rec.size > s.serverMaxPacketSize) this.tooLarge(s, p.rec, s.serverMaxPacketSize);
        if (s.subscribeUnavailable !== 0) this.subscribeOverCapability(s, p.rec);
      }
    }
    const cid = effectiveClientId(s);
    for (const old of s.pendingTakeover) {
      // Its client sent DISCONNECT while this CONNECT was being answered: it ended the
      // connection itself (which came first at the broker is not known).
      if (old.disconnect?.by === 'client') continue;
      // Taken over already, by another CONNECT answered first: this one takes over that one.
      if (old.takenOverBy !== null) continue;
      old.takenOverBy = s.connId;
      // No longer listed under the client id: a client that reconnects in a loop while the
      // old closes go unseen would otherwise make each CONNECT cost (and report) every
      // connection before it.
      this.unindex(old);
      if (s.tookOver === NO_TOOK_OVER) s.tookOver = [];
      s.tookOver.push(old.connId);
      this.ctx.emit({
        code: 'session-takeover', severity: 'warn', conn: s.connId, clientId: cid, username: s.username,
        // The older CONNECT too, while it is held (its connection is open): the record then lists
        // the finding, so a filter on `finding` and the TUI's marks find it, not only its frame.
        recs: [s.connectRec, rec, old.connectRec], frames: old.connectFrame !== null ? [old.connectFrame] : [],
        text: `Client id '${cid}' connected again on ${s.connId} while ${old.connId} was still connected; the broker closes the older connection and hands the session over [MQTT-3.1.4-3]. Two clients sharing one client id keep kicking each other off.`,
        extra: { previous_conn: old.connId, previous_username: old.username, spec: 'MQTT-3.1.4-3' },
      });
    }
    s.pendingTakeover = NO_TAKEOVER;
    // Session present: the broker kept the subscriptions of the last session with this id.
    if (ack.sessionPresent && s.cleanStart === false && cid) {
      const prev = previous !== null && effectiveClientId(previous) === cid ? previous : undefined;
      if (prev) {
        for (const sub of prev.subscriptions.values()) {
          // A literal of the same shape as a SUBACK's (suback()), not a spread: one hidden class for every subscription.
          if (!s.subscriptions.has(sub.filter)) {
            this.put(s, rec, {
              filter: sub.filter, topicFilter: sub.topicFilter, shareGroup: sub.shareGroup,
              requestedQos: sub.requestedQos, grantedQos: sub.grantedQos, noLocal: sub.noLocal, retainAsPublished: sub.retainAsPublished,
              retainHandling: sub.retainHandling, subscribeFrame: sub.subscribeFrame, subackFrame: sub.subackFrame,
              grantedAt: this.ctx.now, inherited: true,
            });
          }
        }
        // What the earlier session held beyond what the analysis kept is held by this one too.
        if (prev.subscriptionsIncompleteAt !== null) this.notKept(s, rec, prev.subscriptionsNotKept, 'inherited');
      }
    }
  }

  private suback(s: Session, rec: PacketRecord): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    const req = s.pendingSubscribe.get(id);
    if (!req) return;
    s.pendingSubscribe.delete(id);
    const subs = req.rec.summary.subscriptions ?? [];
    const codes = rec.summary.reasonCodes ?? [];
    const version = s.version ?? rec.version;
    // The summaries list a SUBSCRIBE's first 10,000 filters and a SUBACK's first 10,000
    // codes (PacketSummary.filtersNotListed counts the rest): listed filter i is answered
    // by listed code i; the rest are counted.
    const n = Math.min(subs.length, codes.length);
    for (let i = 0; i < n; i++) {
      const r = subs[i]!;
      const code = codes[i]!;
      if (isFailure(T_SUBACK, code, version)) continue;
      const pf = parseFilter(r.filter);
      this.put(s, rec, {
        filter: r.filter, topicFilter: pf.topicFilter, shareGroup: pf.shareGroup,
        requestedQos: r.qos, grantedQos: code, noLocal: r.noLocal, retainAsPublished: r.retainAsPublished,
        retainHandling: r.retainHandling, subscribeFrame: req.rec.frame, subackFrame: rec.frame,
        grantedAt: this.ctx.now, inherited: false,
      });
    }
    const unlisted = filtersNotListed(req.rec);
    if (unlisted > 0) this.notKept(s, req.rec, unlisted, 'subscribe-not-listed', [rec]);
  }

  /** Subscriptions are dropped at UNSUBSCRIBE time: from then on nothing is expected for them. */
  private unsubscribe(s: Session, rec: PacketRecord): void {
    const list = rec.summary.unsubscriptions ?? [];
    const indexed = this.subscribed_.has(s);
    for (const f of list) {
      const old = s.subscriptions.get(f);
      if (old === undefined) continue;
      s.subscriptions.delete(f);
      this.subscriptionsKept--;
      if (indexed) this.subIndex.remove(old);
    }
    // A client that subscribes and unsubscribes for days keeps only the latest (of
    // a 10,000-filter UNSUBSCRIBE, only the last MAX_UNSUBSCRIBED are looked at).
    const from = Math.max(0, list.length - MAX_UNSUBSCRIBED);
    s.unsubscribedDropped += from;
    for (let i = from; i < list.length; i++) {
      if (s.unsubscribed === NO_UNSUBSCRIBED) s.unsubscribed = [];
      if (s.unsubscribed.length >= MAX_UNSUBSCRIBED) { s.unsubscribed.shift(); s.unsubscribedDropped++; }
      s.unsubscribed.push({ filter: list[i]!, frame: rec.frame, time: this.ctx.now });
    }
    // Filters the summary did not list: unsubscribed, not listed, and which of the kept
    // subscriptions they removed is not known.
    const unlisted = filtersNotListed(rec);
    if (unlisted > 0) {
      s.unsubscribedDropped += unlisted;
      this.notKept(s, rec, 0, 'unsubscribe-not-listed');
    }
  }

  private disconnect(s: Session, rec: PacketRecord): void {
    const version = s.version ?? rec.version;
    const code = rec.summary.reasonCodes?.[0] ?? 0;
    const sei = rec.summary.properties?.['session_expiry_interval'];
    let refused = false;
    if (typeof sei === 'number') {
      if (rec.dir === 's2c') {
        this.violation(s, rec, 'error', 'session-expiry-from-server', 'MQTT-3.14.2-2',
          `The broker sent a Session Expiry Interval (${sei} s) in its DISCONNECT; only the client may [MQTT-3.14.2-2]`, { session_expiry_interval: sei });
      } else if (sei !== 0 && s.connectSessionExpiry === 0) {
        // No numbered statement: MQTT 5 §3.14.2.2.2. The broker answers DISCONNECT 0x82 (Protocol Error) and keeps the session expiry of 0.
        refused = s.disconnect === null;
        this.violation(s, rec, 'error', 'session-expiry-raised', 'MQTT-3.14.2.2.2',
          `The DISCONNECT from ${who(s)} sets a Session Expiry Interval of ${sei} s, but its CONNECT${s.connectFrame !== null ? ` (frame ${s.connectFrame})` : ''} had 0${s.connectRec?.summary.properties?.['session_expiry_interval'] === undefined ? ' (absent)' : ''}; raising it from 0 at DISCONNECT is a protocol error (MQTT 5 §3.14.2.2.2): the session still ends with the connection (mosquitto 2.0.11 answers DISCONNECT 0x82 Protocol Error${s.will !== null ? `, and publishes the will on '${s.will.topic}': this DISCONNECT does not discard it` : ''})`,
          { session_expiry_interval: sei, connect_session_expiry_interval: 0 }, s.connectFrame);
      } else if (s.disconnect === null && s.sessionExpiry !== null) {
        s.sessionExpiry = sei;
      }
    }
    // The first DISCONNECT ends the connection (its sender may send nothing after it, and
    // the broker reads nothing after the client's): a second one, from either side, does
    // not change when it ended, by whom, or whether the will was discarded.
    if (s.disconnect !== null) return;
    s.disconnect = {
      by: rec.dir === 'c2s' ? 'client' : 'server', reasonCode: code,
      reason: version >= 5 ? codeName(14, code, 5) : 'Normal disconnection',
      frame: rec.frame, time: this.ctx.now, refused,
    };
  }

  /**
   * The connection whose CONNECT, not answered yet, takes `s`'s client id over, or null.
   * The broker closes the older connection as it takes the CONNECT, so that close may
   * be seen before the CONNACK.
   */
  takingOver(s: Session): Session | null {
    const cid = effectiveClientId(s);
    const list = cid !== null ? this.byCid.get(cid) : undefined;
    if (list === undefined) return null;
    for (const o of list) if (o !== s && o.state === 'connecting' && o.pendingTakeover.includes(s)) return o;
    return null;
  }

  /** `by`: the side that closed first, when known (the proxy and captures know it). */
  close(conn: ConnMeta, time: number, how: CloseHow, by?: Direction): Session | undefined {
    const s = this.byConn.get(conn.id);
    if (!s || s.closedAt !== null) return undefined;
    this.checkKeepalive(s, time);
    // The broker hung up on a CONNECT it never answered, with its whole direction in view.
    if (s.state === 'connecting' && by === 's2c' && (how === 'fin' || how === 'reset') && s.connectRec !== null && s.packets.s2c === 0 && s.lastGap.s2c === null) {
      this.unanswered(s, how);
    }
    s.closedAt = time;
    s.closeHow = how;
    s.earlyPublishes = null;
    this.open_.delete(s);
    this.unindexSubscriptions(s);
    if (s.subscriptions.size > CLOSED_KEEP) this.closedWithSubs.push(s);
    this.unindex(s);
    this.generation++;
    if (s.state !== 'refused') s.state = 'closed';
    s.pendingSubscribe.clear();
    s.pendingTakeover = NO_TAKEOVER;
    s.previous = null;
    s.lastClientRec = null;
    // Only a CONNACK on this (now closed) session could still use it.
    s.connectRec = null;
    this.closedKept++;
    this.closes++;
    this.trim();
    return s;
  }

  /**
   * A closed session's will has been looked at (WillTracker took what it needs):
   * keep only the start of its payload, for the snapshot's preview. A thousand
   * clients with a 1 MiB will each would otherwise stay in memory with the history.
   */
  settled(s: Session): void {
    const w = s.will;
    if (w !== null && w.payload.length > WILL_KEEP) s.will = { ...w, payload: w.payload.slice(0, WILL_KEEP) };
  }

  /** Keep-alive check of every live session; cheap enough to call on every event. */
  scan(time: number, force = false): void {
    // Awaited refusals are looked at only when a check finished or a wait ran out: scan runs on every event.
    if (this.awaited.length !== 0 && (time >= this.awaitedDeadline || this.opts.credentials!.completed !== this.settledCompleted)) {
      this.settleRefusals(time, false);
    }
    if (!force && time - this.lastScan < KEEPALIVE_SCAN_US) return;
    this.lastScan = time;
    for (const s of this.open_) if (isLive(s)) this.checkKeepalive(s, time);
  }

  /** End of input: refused CONNECTs still waiting for their password check are reported as they stand. */
  end(time: number): void {
    if (this.awaited.length !== 0) this.settleRefusals(time, true);
  }

  /**
   * A connect-refused finding, explained by the password_file when one was given
   * (live --passwd). When its check is a slow hash still running or waiting for a slot,
   * the finding waits for it (at most CREDENTIAL_WAIT_US, and never past end()), looked at
   * again when a check finishes.
   */
  private refused(s: Session, recs: (PacketRecord | null)[], text: string, hint: string, extra: Record<string, unknown>, code: number, version: number): void {
    const creds = this.opts.credentials;
    const c = s.connectRec?.summary.connect;
    // Without the CONNECT (a capture started later) or for a protocol version refused (1, 0x84) there is nothing to check.
    if (creds === undefined || c === undefined || code === 1 || code === 0x84) {
      this.emitRefusal(s, recs, text + hint, extra);
      return;
    }
    // The password_file's word replaces the generic hint, but not the one about a broker without MQTT 5.
    const head = version >= 5 && code >= 1 && code <= 5 ? text + hint : text;
    const file = { passwd_file: creds.path };
    // mosquitto reads an empty user name as none.
    if (!c.username) {
      this.emitRefusal(s, recs, head + credentialText('anonymous', '', c.password, creds), { ...extra, ...file, passwd_check: 'anonymous' });
      return;
    }
    const v = creds.check(c.username, c.password);
    if ((v === 'pending' || v === 'too-many') && this.awaited.length < MAX_AWAITED_REFUSALS) {
      const key = c.password !== null && c.password.length > 0 ? creds.keyOf?.(c.username, c.password) : undefined;
      const deadline = this.ctx.now + CREDENTIAL_WAIT_US;
      if (this.awaited.length === 0) this.settledCompleted = creds.completed;
      this.awaited.push({ s, recs, head, extra, username: c.username, password: c.password, key, deadline });
      if (deadline < this.awaitedDeadline) this.awaitedDeadline = deadline;
      return;
    }
    this.emitCredentialRefusal(s, recs, head, extra, c.username, c.password, v === 'pending' ? 'too-many' : v);
  }

  /**
   * The broker closed the connection after the CONNECT without a CONNACK: a refusal
   * with no reason code. The spec has the server do this for a CONNECT that breaks
   * the protocol [MQTT-3.1.4-1]; mosquitto also does it for what it refuses outright.
   */
  private unanswered(s: Session, how: CloseHow): void {
    const rec = s.connectRec!;
    s.state = 'refused';
    const closed = how === 'reset' ? 'reset the connection (RST)' : 'closed the connection (FIN)';
    const errors = rec.notes.filter((n) => n.severity === 'error');
    const warnings = rec.notes.filter((n) => n.severity === 'warn');
    const list = (ns: readonly Note[]): string => ns.map((n) => `${n.text}${n.spec ? ` [${n.spec}]` : ''}`).join('; ');
    const cause = errors.length > 0
      ? ` The CONNECT breaks the protocol: ${list(errors)}. A server closes the connection without a CONNACK when a CONNECT does not conform [MQTT-3.1.4-1].`
      : `${warnings.length > 0 ? ` The CONNECT has what a broker may refuse: ${list(warnings)}.` : ''} A broker does this to a CONNECT it will not answer [MQTT-3.1.4-1]: mosquitto closes the connection when the client id, user name or will topic has characters it refuses (control characters, U+0000, non-characters), the will has QoS 3 or a wildcard or empty topic, or the bytes are not well-formed UTF-8; its log says which.${willCapabilityHint(s)}${oversizeHint(s, rec, how)}`;
    this.emitRefusal(s, [rec], `The broker ${closed} after the CONNECT of ${who(s)} without sending a CONNACK: the connection was refused with no reason code.${cause}`, {
      no_connack: true, closed_by: 'broker', close: how, ...(errors.length > 0 ? { connect_errors: errors.map((n) => n.code) } : {}),
    });
  }

  private emitRefusal(s: Session, recs: (PacketRecord | null)[], text: string, extra: Record<string, unknown>): void {
    this.ctx.emit({ code: 'connect-refused', severity: 'error', conn: s.connId, clientId: findingClientId(s), username: s.username, recs, text, extra });
  }

  private emitCredentialRefusal(
    s: Session, recs: (PacketRecord | null)[], head: string, extra: Record<string, unknown>,
    username: string, password: Uint8Array | null, v: Exclude<CredentialVerdict, 'pending'> | 'too-slow' | 'unfinished',
  ): void {
    const creds = this.opts.credentials!;
    const line = creds.lineOf(username);
    const check = v === 'ok' ? 'match' : v === 'too-many' || v === 'too-slow' || v === 'unfinished' ? 'not-checked' : v;
    this.emitRefusal(s, recs, head + credentialText(v, username, password, creds), {
      ...extra, passwd_file: creds.path, passwd_check: check,
      ...(line !== null ? { passwd_line: line } : {}),
      ...(check === 'not-checked' ? { passwd_not_checked: v } : {}),
    });
  }

  /** Report the awaited refusals whose verdict came or whose wait ran out (all of them at the end); compacts in place. */
  private settleRefusals(time: number, all: boolean): void {
    const creds = this.opts.credentials!;
    const aw = this.awaited;
    this.settledCompleted = creds.completed;
    let deadline = Infinity;
    let w = 0;
    for (let i = 0; i < aw.length; i++) {
      const a = aw[i]!;
      const v = creds.check(a.username, a.password, a.key);
      const waiting = v === 'pending' || v === 'too-many';
      if (waiting && !all && time < a.deadline) {
        aw[w++] = a;
        if (a.deadline < deadline) deadline = a.deadline;
        continue;
      }
      if (waiting && a.key !== undefined) creds.abandon?.(a.key);
      this.emitCredentialRefusal(a.s, a.recs, a.head, a.extra, a.username, a.password, v === 'too-many' ? 'too-many' : v !== 'pending' ? v : all ? 'unfinished' : 'too-slow');
    }
    aw.length = w;
    this.awaitedDeadline = deadline;
  }

  private violation(
    s: Session, rec: PacketRecord, severity: 'warn' | 'error', violation: string, spec: string, text: string,
    extra: Record<string, unknown>, otherFrame: number | null = null,
  ): void {
    this.ctx.emit({
      code: 'protocol-violation', severity, conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [rec], frames: otherFrame !== null ? [otherFrame] : [], topic: rec.summary.type === 3 ? rec.topic : null,
      text, extra: { violation, dir: rec.dir, ...extra, spec },
    });
  }

  /**
   * A packet larger than the Maximum Packet Size its receiver announced (MQTT 5). The limit
   * counts the whole packet [MQTT-3.2.2-15], but mosquitto 2.0.11 (max_packet_size) compares
   * it with the Remaining Length + 1, leaving out the Remaining Length's own bytes: it takes
   * and routes a client packet up to mosquittoPacketLimit() bytes, and answers DISCONNECT
   * 0x95 only above that (checked on the wire: limit 200 takes 201 and 202 bytes, not 203).
   */
  private tooLarge(s: Session, rec: PacketRecord, limit: number): void {
    const c2s = rec.dir === 'c2s';
    const spec = c2s ? 'MQTT-3.2.2-15' : 'MQTT-3.1.2-24';
    const from = c2s ? 'CONNACK' : 'CONNECT';
    const at = c2s ? s.connackFrame : s.connectFrame;
    const lenient = c2s ? mosquittoPacketLimit(limit) : limit;
    const answer = rec.size <= lenient
      ? `; a broker that keeps to it answers DISCONNECT 0x95 Packet too large, but mosquitto 2.0.11 takes and routes it (it counts its max_packet_size without the ${lenient - limit} Remaining Length byte(s), so it refuses only packets above ${lenient} bytes)`
      : `; the ${c2s ? 'broker' : 'client'} treats it as a protocol error (DISCONNECT 0x95 Packet too large)`;
    this.violation(s, rec, 'error', 'packet-exceeds-maximum-packet-size', spec,
      `A ${packetName(rec.summary.type)} of ${rec.size} bytes from ${c2s ? who(s) : `the broker to ${who(s)}`} is larger than the Maximum Packet Size of ${limit} bytes the ${c2s ? 'broker' : 'client'} announced in its ${from}${at !== null ? ` (frame ${at})` : ''} [${spec}]${answer}`,
      { size: rec.size, maximum_packet_size: limit, packet_type: packetName(rec.summary.type), ...(rec.size <= lenient ? { mosquitto_refuses_above: lenient } : {}) }, at);
  }

  /**
   * A client PUBLISH above the Maximum QoS, or with RETAIN 1 against Retain Available 0, of
   * the broker's CONNACK. mosquitto 2.0.11 (max_qos, retain_available false) answers
   * DISCONNECT 0x9B QoS not supported or 0x9A Retain not supported and routes nothing.
   */
  private publishOverCapability(s: Session, rec: PacketRecord): void {
    const sum = rec.summary;
    const at = s.connackFrame;
    const frame = at !== null ? ` (frame ${at})` : '';
    if (sum.qos > s.serverMaxQos && sum.qos <= 2) {
      this.violation(s, rec, 'error', 'publish-qos-exceeds-maximum', 'MQTT-3.2.2-11',
        `A QoS ${sum.qos} PUBLISH from ${who(s)}, above the Maximum QoS of ${s.serverMaxQos} the broker announced in its CONNACK${frame} [MQTT-3.2.2-11]: the broker does not route it and treats it as a protocol error (mosquitto 2.0.11, max_qos ${s.serverMaxQos}, answers DISCONNECT 0x9B QoS not supported); publish at QoS ${s.serverMaxQos} or less`,
        { qos: sum.qos, maximum_qos: s.serverMaxQos }, at);
    }
    if (sum.retain && !s.retainAvailable) {
      this.violation(s, rec, 'error', 'retain-not-available', 'MQTT-3.2.2-14',
        `A PUBLISH with RETAIN 1 from ${who(s)}, but the broker announced Retain Available 0 in its CONNACK${frame} [MQTT-3.2.2-14]: the broker does not route it and treats it as a protocol error (mosquitto 2.0.11, retain_available false, answers DISCONNECT 0x9A Retain not supported); publish with RETAIN 0`,
        { retain_available: 0 }, at);
    }
  }

  /**
   * A client SUBSCRIBE that uses a subscription feature the broker's CONNACK said it lacks:
   * a wildcard filter at Wildcard Subscription Available 0, a Subscription Identifier at
   * Subscription Identifiers Available 0, a $share/ filter at Shared Subscription Available
   * 0. Each is a protocol error (MQTT 5 §3.2.2.3.11 to §3.2.2.3.13; no numbered statement):
   * the broker refuses the filter in its SUBACK (0xA2, 0xA1, 0x9E) or closes the connection
   * with a DISCONNECT of that code. mosquitto 2.0.11 cannot switch these off (it announces
   * none of them and grants all three); brokers that can (HiveMQ, EMQX, cloud brokers)
   * answer as above. SUBSCRIBE is rare: this costs what it needs.
   */
  private subscribeOverCapability(s: Session, rec: PacketRecord): void {
    const off = s.subscribeUnavailable;
    const subs = rec.summary.subscriptions ?? [];
    const at = s.connackFrame;
    const frame = at !== null ? ` (frame ${at})` : '';
    const check = (bit: number, violation: string, property: string, key: string, spec: string, code: number, test: (f: string) => boolean, what: string, instead: string): void => {
      if ((off & bit) === 0) return;
      const hits: string[] = [];
      let count = 0;
      if (bit === SUB_ID) count = rec.summary.properties?.['subscription_identifier'] !== undefined ? 1 : 0;
      else for (const r of subs) if (test(r.filter) && ++count <= CAP_FILTERS_NAMED) hits.push(r.filter);
      if (count === 0) return;
      const named = bit === SUB_ID ? what
        : `${what}${count === 1 ? '' : 's'} ${hits.map((f) => `'${f}'`).join(', ')}${count > hits.length ? ` and ${(count - hits.length).toLocaleString('en-US')} more` : ''}`;
      const name = codeName(T_SUBACK, code, 5);
      const hex = `0x${code.toString(16).toUpperCase()}`;
      this.violation(s, rec, 'error', violation, spec,
        `A SUBSCRIBE from ${who(s)} uses ${named}, but the broker announced ${property} 0 in its CONNACK${frame}: by MQTT 5 §${spec.slice(5)} that is a protocol error, and the broker refuses ${bit === SUB_ID ? 'its subscriptions' : count === 1 ? 'that filter' : 'those filters'} with SUBACK ${hex} (${name}) or closes the connection with DISCONNECT ${hex}; ${instead}`,
        { [key]: 0, reason_code: code, ...(bit === SUB_ID ? { subscription_identifier: rec.summary.properties?.['subscription_identifier'] } : { filters: hits, filter_count: count }) }, at);
    };
    check(SUB_WILDCARD, 'wildcard-subscription-not-available', 'Wildcard Subscription Available', 'wildcard_subscription_available', 'MQTT-3.2.2.3.11', 0xa2,
      (f) => { const t = parseFilter(f).topicFilter; return t.includes('+') || t.includes('#'); },
      'the wildcard filter', 'subscribe to each topic by its full name');
    check(SUB_ID, 'subscription-identifier-not-available', 'Subscription Identifiers Available', 'subscription_identifier_available', 'MQTT-3.2.2.3.12', 0xa1,
      () => false, 'a Subscription Identifier', 'subscribe without one and tell messages apart by their topic');
    check(SUB_SHARED, 'shared-subscription-not-available', 'Shared Subscription Available', 'shared_subscription_available', 'MQTT-3.2.2.3.13', 0x9e,
      (f) => parseFilter(f).shareGroup !== null, 'the shared subscription filter', 'subscribe without the $share/ prefix (every subscriber then gets every message)');
  }

  /**
   * An AUTH packet on a connection whose CONNECT named no Authentication Method: neither
   * side may send one then (MQTT 5 §4.12, no numbered statement). mosquitto 2.0.11 closes
   * the connection at once, without a DISCONNECT, so the finding is the only explanation.
   */
  private auth(s: Session, rec: PacketRecord): void {
    const connect = s.connectRec;
    if (connect === null || s.version !== 5 || typeof connect.summary.properties?.['authentication_method'] === 'string') return;
    const c2s = rec.dir === 'c2s';
    const code = rec.summary.reasonCodes?.[0] ?? 0;
    this.violation(s, rec, 'error', 'auth-without-method', 'MQTT-4.12',
      `An AUTH packet (reason code 0x${code.toString(16).padStart(2, '0')} ${codeName(15, code, 5)}) from ${c2s ? who(s) : `the broker to ${who(s)}`}, whose CONNECT (frame ${connect.frame}) named no Authentication Method: AUTH belongs to enhanced authentication, which only a CONNECT with an Authentication Method starts (MQTT 5 §4.12), so this is a protocol error${c2s ? ' (mosquitto 2.0.11 closes the connection without a DISCONNECT)' : ''}`,
      { reason_code: code }, connect.frame);
  }

  /** Rules on a PUBLISH's properties that depend on its direction and the session (MQTT 5). */
  private publishProperties(s: Session, rec: PacketRecord, props: Record<string, unknown>): void {
    const c2s = rec.dir === 'c2s';
    if (c2s && props['subscription_identifier'] !== undefined) {
      this.violation(s, rec, 'error', 'subscription-identifier-from-client', 'MQTT-3.3.4-6',
        `A PUBLISH from ${who(s)} carries a Subscription Identifier; only the broker may put one in a PUBLISH [MQTT-3.3.4-6]`,
        { subscription_identifier: props['subscription_identifier'] });
    }
    const alias = rec.summary.topicAlias;
    if (alias === null) return;
    // An empty Topic Name with an alias no PUBLISH of this direction set since the CONNECT
    // (alias maps start empty with each connection [MQTT-3.3.2-7]). Not when the CONNECT
    // was not seen or the direction lost bytes: the PUBLISH that set it may be unseen.
    if (rec.topic === '' && alias !== 0 && s.connectFrame !== null && s.lastGap[rec.dir] === null) {
      this.violation(s, rec, 'error', 'topic-alias-not-set', 'MQTT-3.3.2.3.4',
        `A PUBLISH from ${c2s ? who(s) : `the broker to ${who(s)}`} has an empty Topic Name and Topic Alias ${alias}, which no earlier PUBLISH ${c2s ? 'from the client' : 'from the broker'} on this connection set (MQTT 5 §3.3.2.3.4): the ${c2s ? 'broker' : 'client'} cannot tell its topic and treats it as a protocol error${c2s ? ' (mosquitto 2.0.11 answers DISCONNECT 0x82 Protocol Error and routes nothing)' : ''}`,
        { topic_alias: alias }, s.connectFrame);
    }
    const max = c2s ? s.topicAliasMaxC2s : s.topicAliasMaxS2c;
    if (max === null || alias <= max) return;
    this.aliasOverMaximum(s, rec, alias, max);
  }

  /** A PUBLISH whose Topic Alias is above the Topic Alias Maximum its receiver announced. */
  private aliasOverMaximum(s: Session, rec: PacketRecord, alias: number, max: number): void {
    const c2s = rec.dir === 'c2s';
    const spec = c2s ? 'MQTT-3.3.2-9' : 'MQTT-3.3.2-11';
    const at = c2s ? s.connackFrame : s.connectFrame;
    this.violation(s, rec, 'error', 'topic-alias-exceeds-maximum', spec,
      `A PUBLISH from ${c2s ? who(s) : `the broker to ${who(s)}`} uses Topic Alias ${alias}, more than the Topic Alias Maximum of ${max} the ${c2s ? 'broker' : 'client'} announced in its ${c2s ? 'CONNACK' : 'CONNECT'}${at !== null ? ` (frame ${at})` : ''}${max === 0 ? ' (absent: no aliases at all)' : ''} [${spec}]; the receiver treats it as a protocol error (DISCONNECT 0x94 Topic Alias invalid)`,
      { topic_alias: alias, topic_alias_maximum: max }, at);
  }

  /** [MQTT-3.1.2-24]: the server must disconnect a client silent for 1.5 × keep-alive. */
  private checkKeepalive(s: Session, time: number): void {
    if (s.keepaliveReported || !s.keepAlive || s.connectTime === null || !isLive(s)) return;
    // A client→broker stream never captured (a one-way capture): its silence is not seen.
    if (notInView(s, 'c2s')) return;
    // A client→broker gap since its last packet seen: its packets may be in the lost
    // bytes, which were sent before the gap was reported, so the silence proven starts
    // at the gap. The direction is still captured: a silence after it is seen.
    const g = s.lastGap.c2s;
    const afterGap = g !== null && g > s.lastClientTime;
    const from = afterGap ? g : s.lastClientTime;
    const limit = s.keepAlive * 1.5 * 1e6;
    // After a DISCONNECT (either side) the client sends nothing more [MQTT-3.14.4-2] and the
    // keep-alive no longer runs: only the silence before it counts, however late the close is
    // seen (a capture exported with a display filter has no FIN).
    const d = s.disconnect;
    const silent = (d !== null && d.time < time ? d.time : time) - from;
    if (silent <= limit) return;
    s.keepaliveReported = true;
    const gapFrame = afterGap ? s.c2sGap?.frame ?? 0 : 0;
    const since = afterGap ? ` since the client→broker stream gap${gapFrame ? ` at frame ${gapFrame}` : ''} (its packets may be in the lost bytes, so the silence is counted from there)` : '';
    this.ctx.emit({
      code: 'keepalive-timeout', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [s.lastClientRec], frames: s.lastClientFrame ? [s.lastClientFrame] : [],
      text: `No packet from ${who(s)} for ${seconds(silent)}${since}, more than 1.5 × its keep-alive of ${s.keepAlive} s${serverKeepAliveText(s)}; the broker should close the connection and publish the will, if any [MQTT-3.1.2-24]`,
      extra: {
        keep_alive: s.keepAlive, ...(serverKeepAlive(s) !== null ? { connect_keep_alive: s.connectRec?.summary.connect?.keepAlive ?? null } : {}), silent_us: silent, last_client_frame: s.lastClientFrame || null,
        ...(afterGap ? { after_gap: true, gap_frame: gapFrame || null } : {}), spec: 'MQTT-3.1.2-24',
      },
    });
  }

  /**
   * Forget the oldest closed sessions once twice `maxClosed` are kept, down to
   * `maxClosed`, so memory stays bounded on long captures and long live runs.
   * Counted by closed sessions (not all of them), so that many open sessions
   * do not make every open walk the list: one walk per `maxClosed` closes.
   */
  private trim(): void {
    const max = this.opts.maxClosed ?? DEFAULT_MAX_CLOSED_SESSIONS;
    if (this.closedKept <= max * 2) return;
    let drop = this.closedKept - max;
    let w = 0;
    const all = this.all;
    for (let r = 0; r < all.length; r++) {
      const s = all[r]!;
      if (drop > 0 && s.closedAt !== null) {
        drop--;
        this.closedKept--;
        this.forgotten++;
        this.subscriptionsKept -= s.subscriptions.size;
        s.subscriptions = NO_SUBSCRIPTIONS;
        if (this.byConn.get(s.connId) === s) this.byConn.delete(s.connId);
        const cid = effectiveClientId(s);
        if (cid !== null && this.lastByCid.get(cid) === s) this.lastByCid.delete(cid);
        if (s.clientId !== null && this.lastByCid.get(s.clientId) === s) this.lastByCid.delete(s.clientId);
      } else all[w++] = s;
    }
    all.length = w;
  }
}

/** Filters of a SUBSCRIBE/UNSUBSCRIBE (codes of a SUBACK/UNSUBACK) its summary counted but did not list. */
export function filtersNotListed(rec: PacketRecord): number {
  const n = (rec.summary as { filtersNotListed?: number }).filtersNotListed;
  return typeof n === 'number' && n > 0 ? n : 0;
}

/** How long a refused CONNECT's finding waits for its password check (on the analysis clock). */
export const CREDENTIAL_WAIT_US = 5_000_000;
/** Refused CONNECTs waiting at once; more are reported as not checked (too many). */
const MAX_AWAITED_REFUSALS = 1000;

/** The spec name of a packet type, as the findings spell it (`reserved` for type 0). */
function packetName(type: number): string {
  const name = packetTypeName(type);
  return name === 'RESERVED' ? 'reserved' : name;
}

/** What the password_file says, in a sentence. The password itself is never shown (its length at most). */
function credentialText(
  v: Exclude<CredentialVerdict, 'pending'> | 'anonymous' | 'too-slow' | 'unfinished', username: string, password: Uint8Array | null, creds: CredentialCheck,
): string {
  const file = creds.path;
  const line = username ? creds.lineOf(username) : null;
  const entry = `the entry for '${username}' in ${file}${line !== null ? ` (line ${line})` : ''}`;
  const given = password !== null && password.length > 0 ? `the password given (${password.length} byte${password.length === 1 ? '' : 's'})` : 'no password';
  switch (v) {
    case 'anonymous':
      return ` No user name was given: the client connected anonymously${password !== null && password.length > 0 ? ' (with a password but no user name)' : ''}, which a broker with a password_file refuses unless anonymous access is allowed (mosquitto: allow_anonymous true).`;
    case 'unknown-user':
      return ` User name '${username}' is not in the password file ${file}.`;
    case 'no-password':
      return ` '${username}' is in ${file}${line !== null ? ` (line ${line})` : ''}, but the CONNECT gave ${given}; mosquitto refuses a user with an entry and no password.`;
    case 'bad-password':
      return ` ${capitalize(given)} does not match ${entry}.`;
    case 'ok':
      return ` ${capitalize(given)} matches ${entry}, so the refusal is not about the password: look at the broker's other checks (the client id, an ACL or plugin, anonymous access), or the broker reads another password file than ${file}.`;
    case 'too-many':
      return ` The password was not checked against ${file}: too many slow ($7$) password checks at once; the analysis limits them so that it never holds up the proxy.`;
    case 'too-slow':
      return ` The password was not checked against ${file}: its $7$ hash did not finish within ${CREDENTIAL_WAIT_US / 1e6} s.`;
    case 'unfinished':
      return ` The password was not checked against ${file}: its $7$ hash had not finished when the input ended.`;
  }
}

/**
 * A reset (not a FIN) right after a CONNECT, the only packet the client sent: the broker
 * closed before reading all of it. mosquitto 2.0.11 does so to a CONNECT larger than its
 * max_packet_size, MQTT 3.1.1 or 5, without a CONNACK (checked on the wire: a 300-byte
 * CONNECT against max_packet_size 200; its log says "disconnected due to oversize packet").
 */
function oversizeHint(s: Session, rec: PacketRecord, how: CloseHow): string {
  if (how !== 'reset' || s.packets.c2s !== 1) return '';
  return ` A reset rather than a FIN means the broker closed before it had read all the client sent: mosquitto does that to a CONNECT larger than its max_packet_size (this one is ${rec.size} bytes), and its log then says "disconnected due to oversize packet".`;
}

/** The CONNACK's Server Keep Alive when it replaced a different keep-alive of the CONNECT, else null. */
function serverKeepAlive(s: Session): number | null {
  const ska = s.serverKeepAlive;
  const own = s.connectRec?.summary.connect?.keepAlive;
  return ska !== null && own !== undefined && own !== ska ? ska : null;
}

/** Where the keep-alive came from when the broker set it [MQTT-3.2.2-21] (mosquitto 2.0.11: max_keepalive). */
function serverKeepAliveText(s: Session): string {
  if (serverKeepAlive(s) === null) return '';
  const own = s.connectRec!.summary.connect!.keepAlive;
  return ` (the Server Keep Alive of the broker's CONNACK${s.connackFrame !== null ? `, frame ${s.connackFrame}` : ''}, which the client must use instead of the ${own === 0 ? '0 (none)' : `${own} s`} of its CONNECT [MQTT-3.2.2-21]; mosquitto sets it from max_keepalive)`;
}

/**
 * A will that a broker with fewer capabilities refuses: mosquitto 2.0.11 closes an MQTT 3.1.1
 * connection without a CONNACK when the will has RETAIN 1 and retain_available is false, or
 * a QoS above max_qos (checked on the wire); an MQTT 5 client gets CONNACK 0x9A or 0x9B.
 */
function willCapabilityHint(s: Session): string {
  const w = s.will;
  if (w === null || s.version === 5 || (!w.retain && w.qos === 0)) return '';
  const what = [...(w.retain ? ['RETAIN 1 (refused with retain_available false)'] : []), ...(w.qos > 0 ? [`QoS ${w.qos} (refused when above max_qos)`] : [])];
  return ` The will (topic '${w.topic}') has ${what.join(' and ')}: mosquitto 2.0.11 closes the connection of an MQTT 3.1.1 client this way when its configuration does not allow it (an MQTT 5 client gets CONNACK 0x9A or 0x9B).`;
}

function refusalHint(code: number, version: number, method: string | null, will: WillInfo | null, maxQos: unknown): string {
  // The will breaks a capability of the broker: it refuses the CONNECT [MQTT-3.2.2-12] [MQTT-3.2.2-13].
  if (version >= 5 && code === 0x9a) {
    return will?.retain === true
      ? ` The CONNECT's will (topic '${will.topic}') has RETAIN 1 and the broker does not keep retained messages (mosquitto: retain_available false) [MQTT-3.2.2-13]: connect with Will Retain 0.`
      : ' The broker keeps no retained messages (mosquitto: retain_available false) and refuses a CONNECT whose will has RETAIN 1 [MQTT-3.2.2-13].';
  }
  if (version >= 5 && code === 0x9b) {
    const max = typeof maxQos === 'number' ? `${maxQos}` : null;
    return will !== null
      ? ` The CONNECT's will (topic '${will.topic}') has QoS ${will.qos}, above what the broker supports${max !== null ? ` (its CONNACK says Maximum QoS ${max})` : ''} (mosquitto: max_qos) [MQTT-3.2.2-12]: connect with a will of QoS ${max ?? 'the broker supports'} or less.`
      : ` The broker refuses a CONNECT whose will has a QoS above what it supports${max !== null ? ` (its CONNACK says Maximum QoS ${max})` : ''} (mosquitto: max_qos) [MQTT-3.2.2-12].`;
  }
  if (version >= 5 && code === 0x8c) {
    return method !== null
      ? ` The CONNECT asked for enhanced authentication with the Authentication Method '${method}' (MQTT 5 §4.12), which the broker does not support: mosquitto answers 0x8C to every method unless an auth plugin handles it. Connect without an Authentication Method (a username and password), or give the broker a plugin for '${method}'.`
      : ' The broker does not support the Authentication Method of the CONNECT (MQTT 5 §4.12): mosquitto answers 0x8C to every method unless an auth plugin handles it.';
  }
  if (version >= 5 && code >= 1 && code <= 5) {
    return ` That is an MQTT 3.1.1 return code answering an MQTT 5 CONNECT: the broker does not speak MQTT 5${code === 1 ? ' (1 = unacceptable protocol version; aedes, the bundled broker, is 3.1.1-only: use --broker mosquitto)' : ''}.`;
  }
  const bad = version >= 5 ? code === 0x86 : code === 4;
  const auth = version >= 5 ? code === 0x87 : code === 5;
  if (bad) return ' Check the username and password (mosquitto password_file).';
  if (auth) return ' The client was not authorised: a wrong username or password (mosquitto answers those with this code), or anonymous access not allowed (allow_anonymous false).';
  return '';
}
