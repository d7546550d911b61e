// Session state per connection: identity, CONNECT/CONNACK outcome, keep-alive,
// will, subscriptions, take-over and disconnect. Time-driven by event timestamps.
import type { CloseHow } from '../engine/engine.js';
import type { PacketRecord, WillInfo } from '../model/packet.js';
import type { ConnMeta, Direction, ProtocolVersion } from '../model/types.js';
import { type AnalysisContext, seconds, who } from './context.js';
import { codeName, codeString, isFailure, T_CONNACK, T_SUBACK } from './reasons.js';
import { parseFilter } from './topic.js';

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
}

export type SessionState = 'open' | 'connecting' | 'connected' | 'refused' | 'closed';

export interface DisconnectInfo {
  by: 'client' | 'server';
  reasonCode: number;
  reason: string;
  frame: number;
  time: number;
}

export interface Session {
  conn: ConnMeta;
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
  /** MQTT 5 maximum_packet_size from CONNECT: larger messages are not sent to it [MQTT-3.1.2-25]. */
  maxPacketSize: number | null;
  will: WillInfo | null;
  connectFrame: number | null;
  connectTime: number | null;
  connackFrame: number | null;
  connackTime: number | null;
  connackCode: number | null;
  disconnect: DisconnectInfo | null;
  subscriptions: Map<string, Subscription>;
  unsubscribed: { filter: string; frame: number; time: number }[];
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
  /** Records still useful for findings; dropped at close. */
  connectRec: PacketRecord | null;
  lastClientRec: PacketRecord | null;
  pendingSubscribe: Map<number, { rec: PacketRecord; time: number }>;
  pendingTakeover: Session[];
}

// Most sessions never subscribe (publishers): they share these empty maps until
// their first entry (only subscriptionsOf/pendingOf add entries; delete/clear on
// them are no-ops).
const NO_SUBSCRIPTIONS: Map<string, Subscription> = new Map();
const NO_PENDING: Map<number, { rec: PacketRecord; time: number }> = new Map();

function subscriptionsOf(s: Session): Map<string, Subscription> {
  if (s.subscriptions === NO_SUBSCRIPTIONS) s.subscriptions = new Map();
  return s.subscriptions;
}

function pendingOf(s: Session): Map<number, { rec: PacketRecord; time: number }> {
  if (s.pendingSubscribe === NO_PENDING) s.pendingSubscribe = new Map();
  return s.pendingSubscribe;
}

/** The client id findings and snapshots use: the assigned one if the broker assigned it. */
export function effectiveClientId(s: Session): string | null {
  return s.assignedClientId ?? (s.clientId === '' ? null : s.clientId);
}

export function isLive(s: Session): boolean {
  return s.closedAt === null && s.state !== 'refused';
}

const KEEPALIVE_SCAN_US = 1_000_000;

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

  constructor(private readonly ctx: AnalysisContext, private readonly opts: { maxClosed?: number } = {}) {}

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

  open(conn: ConnMeta, time: number): Session {
    const s: Session = {
      conn, connId: conn.id, openedAt: time, closedAt: null, closeHow: null, state: 'open',
      version: null, clientId: null, assignedClientId: null, username: null, cleanStart: null,
      sessionPresent: null, keepAlive: null, maxPacketSize: null, will: null, connectFrame: null, connectTime: null,
      connackFrame: null, connackTime: null, connackCode: null, disconnect: null,
      subscriptions: NO_SUBSCRIPTIONS, unsubscribed: [], lastClientTime: time, lastClientFrame: 0,
      keepaliveReported: false, takenOverBy: null, tookOver: [], packets: { c2s: 0, s2c: 0 },
      lastGap: { c2s: null, s2c: null }, connectRec: null, lastClientRec: null,
      pendingSubscribe: NO_PENDING, pendingTakeover: [],
    };
    const prev = this.byConn.get(conn.id);
    if (prev) this.open_.delete(prev);
    this.generation++;
    this.lastSession = null;
    this.byConn.set(conn.id, s);
    this.open_.add(s);
    this.all.push(s);
    this.trim();
    return s;
  }

  /** The session of a record's connection, created when the open was not seen. */
  ensure(rec: PacketRecord): Session {
    const last = this.lastSession;
    if (last !== null && last.connId === rec.conn.id && last.closedAt === null) return last;
    const s = this.byConn.get(rec.conn.id);
    if (s && s.closedAt === null) { this.lastSession = s; return s; }
    const n = this.open(rec.conn, rec.time);
    n.clientId = rec.clientId;
    n.username = rec.username;
    n.version = rec.version;
    this.lastSession = n;
    return n;
  }

  gap(conn: ConnMeta, dir: Direction, time: number): void {
    const s = this.byConn.get(conn.id);
    if (s) s.lastGap[dir] = time;
    this.generation++;
  }

  packet(rec: PacketRecord): Session {
    const s = this.ensure(rec);
    const sum = rec.summary;
    if (rec.dir === 'c2s') {
      s.packets.c2s++;
      // checkKeepalive's test, first: most packets come well within the keep-alive.
      const ka = s.keepAlive;
      if (ka && !s.keepaliveReported && rec.time - s.lastClientTime > ka * 1.5 * 1e6) this.checkKeepalive(s, rec.time);
      s.lastClientTime = rec.time;
      s.lastClientFrame = rec.frame;
      s.lastClientRec = rec;
      s.keepaliveReported = false;
    } else {
      s.packets.s2c++;
    }
    if (s.clientId === null && rec.clientId !== null) { s.clientId = rec.clientId; this.generation++; }
    if (s.username === null && rec.username !== null) s.username = rec.username;
    if (((ROUTING_NEUTRAL >> sum.type) & 1) === 0) this.generation++;
    switch (sum.type) {
      case 1: if (rec.dir === 'c2s') this.connect(s, rec); break;
      case 2: if (rec.dir === 's2c') this.connack(s, rec); break;
      case 8: if (rec.dir === 'c2s' && sum.packetId !== null) pendingOf(s).set(sum.packetId, { rec, time: rec.time }); break;
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
        code: 'protocol-violation', severity: 'error', conn: s.connId, clientId: effectiveClientId(s), username: s.username,
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
    const mps = rec.summary.properties?.['maximum_packet_size'];
    s.maxPacketSize = typeof mps === 'number' ? mps : null;
    s.will = c.will ? { ...c.will, payload: c.will.payload.slice() } : null;
    s.connectFrame = rec.frame;
    s.connectTime = rec.time;
    s.connectRec = rec;
    s.pendingTakeover = c.clientId === ''
      ? []
      : [...this.live()].filter((o) => o !== s && o.connectFrame !== null && effectiveClientId(o) === c.clientId);
  }

  private connack(s: Session, rec: PacketRecord): void {
    const ack = rec.summary.connack;
    if (!ack) return;
    const version = s.version ?? rec.version;
    s.connackFrame = rec.frame;
    s.connackTime = rec.time;
    s.connackCode = ack.returnCode;
    s.sessionPresent = ack.sessionPresent;
    const props = rec.summary.properties;
    if (props) {
      if (typeof props['assigned_client_identifier'] === 'string') s.assignedClientId = props['assigned_client_identifier'];
      if (typeof props['server_keep_alive'] === 'number') s.keepAlive = props['server_keep_alive'];
    }
    // Any non-zero CONNACK refuses the connection [MQTT-3.2.2-5] [MQTT-3.2.2-7], even a code
    // that is not valid for this version (e.g. a 3.1.1-style "1" sent to an MQTT 5 client).
    if (ack.returnCode !== 0 || isFailure(T_CONNACK, ack.returnCode, version)) {
      s.state = 'refused';
      s.pendingTakeover = [];
      const name = codeName(T_CONNACK, ack.returnCode, version);
      const rs = typeof props?.['reason_string'] === 'string' ? ` ("${props['reason_string']}")` : '';
      this.ctx.emit({
        code: 'connect-refused', severity: 'error', conn: s.connId, clientId: effectiveClientId(s), username: s.username,
        recs: [s.connectRec, rec],
        text: `The broker refused the connection of ${who(s)}: CONNACK ${codeString(T_CONNACK, ack.returnCode, version)} (${name})${rs}.${refusalHint(ack.returnCode, version)}`,
        extra: { reason_code: ack.returnCode, reason: name },
      });
      return;
    }
    s.state = 'connected';
    const cid = effectiveClientId(s);
    for (const old of s.pendingTakeover) {
      old.takenOverBy = s.connId;
      s.tookOver.push(old.connId);
      this.ctx.emit({
        code: 'session-takeover', severity: 'warn', conn: s.connId, clientId: cid, username: s.username,
        recs: [s.connectRec, rec], frames: old.connectFrame !== null ? [old.connectFrame] : [],
        text: `Client id '${cid}' connected again on ${s.connId} while ${old.connId} was still connected; the broker closes the older connection and hands the session over [MQTT-3.1.4-3]. Two clients sharing one client id keep kicking each other off.`,
        extra: { previous_conn: old.connId, previous_username: old.username, spec: 'MQTT-3.1.4-3' },
      });
    }
    s.pendingTakeover = [];
    // Session present: the broker kept the subscriptions of the last session with this id.
    if (ack.sessionPresent && s.cleanStart === false && cid) {
      const prev = this.all.filter((o) => o !== s && effectiveClientId(o) === cid && o.connectFrame !== null).pop();
      if (prev) {
        for (const sub of prev.subscriptions.values()) {
          if (!s.subscriptions.has(sub.filter)) subscriptionsOf(s).set(sub.filter, { ...sub, grantedAt: rec.time, inherited: true });
        }
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
    subs.forEach((r, i) => {
      const code = codes[i];
      if (code === undefined || isFailure(T_SUBACK, code, version)) return;
      const pf = parseFilter(r.filter);
      subscriptionsOf(s).set(r.filter, {
        filter: r.filter, topicFilter: pf.topicFilter, shareGroup: pf.shareGroup,
        requestedQos: r.qos, grantedQos: code, noLocal: r.noLocal, retainAsPublished: r.retainAsPublished,
        retainHandling: r.retainHandling, subscribeFrame: req.rec.frame, subackFrame: rec.frame,
        grantedAt: rec.time, inherited: false,
      });
    });
  }

  /** Subscriptions are dropped at UNSUBSCRIBE time: from then on nothing is expected for them. */
  private unsubscribe(s: Session, rec: PacketRecord): void {
    for (const f of rec.summary.unsubscriptions ?? []) {
      s.subscriptions.delete(f);
      s.unsubscribed.push({ filter: f, frame: rec.frame, time: rec.time });
    }
  }

  private disconnect(s: Session, rec: PacketRecord): void {
    const version = s.version ?? rec.version;
    const code = rec.summary.reasonCodes?.[0] ?? 0;
    s.disconnect = {
      by: rec.dir === 'c2s' ? 'client' : 'server', reasonCode: code,
      reason: version >= 5 ? codeName(14, code, 5) : 'Normal disconnection',
      frame: rec.frame, time: rec.time,
    };
  }

  close(conn: ConnMeta, time: number, how: CloseHow): Session | undefined {
    const s = this.byConn.get(conn.id);
    if (!s || s.closedAt !== null) return undefined;
    this.checkKeepalive(s, time);
    s.closedAt = time;
    s.closeHow = how;
    this.open_.delete(s);
    this.generation++;
    if (s.state !== 'refused') s.state = 'closed';
    s.pendingSubscribe.clear();
    s.pendingTakeover = [];
    s.lastClientRec = null;
    // Only a CONNACK on this (now closed) session could still use it.
    s.connectRec = null;
    return s;
  }

  /** Keep-alive check of every live session; cheap enough to call on every event. */
  scan(time: number, force = false): void {
    if (!force && time - this.lastScan < KEEPALIVE_SCAN_US) return;
    this.lastScan = time;
    for (const s of this.open_) if (isLive(s)) this.checkKeepalive(s, time);
  }

  /** [MQTT-3.1.2-24]: the server must disconnect a client silent for 1.5 × keep-alive. */
  private checkKeepalive(s: Session, time: number): void {
    if (s.keepaliveReported || !s.keepAlive || s.connectTime === null || !isLive(s)) return;
    const limit = s.keepAlive * 1.5 * 1e6;
    const silent = time - s.lastClientTime;
    if (silent <= limit) return;
    s.keepaliveReported = true;
    this.ctx.emit({
      code: 'keepalive-timeout', severity: 'warn', conn: s.connId, clientId: effectiveClientId(s), username: s.username,
      recs: [s.lastClientRec], frames: s.lastClientFrame ? [s.lastClientFrame] : [],
      text: `No packet from ${who(s)} for ${seconds(silent)}, more than 1.5 × its keep-alive of ${s.keepAlive} s; the broker should close the connection and publish the will, if any [MQTT-3.1.2-24]`,
      extra: { keep_alive: s.keepAlive, silent_us: silent, last_client_frame: s.lastClientFrame || null, spec: 'MQTT-3.1.2-24' },
    });
  }

  /** Keep the history bounded: forget the oldest closed sessions. */
  /** Forget the oldest closed sessions beyond `maxClosed`, so memory stays bounded on long captures. */
  private trim(): void {
    const max = this.opts.maxClosed ?? 10_000;
    if (this.all.length <= max * 2) return;
    let drop = this.all.length - max;
    const keep: Session[] = [];
    for (const s of this.all) {
      if (drop > 0 && s.closedAt !== null) {
        drop--;
        if (this.byConn.get(s.connId) === s) this.byConn.delete(s.connId);
      } else keep.push(s);
    }
    this.all.length = 0;
    this.all.push(...keep);
  }
}

function refusalHint(code: number, version: number): string {
  if (version >= 5 && code >= 1 && code <= 5) {
    return ` That is an MQTT 3.1.1 return code answering an MQTT 5 CONNECT: the broker does not speak MQTT 5${code === 1 ? ' (1 = unacceptable protocol version; aedes, the bundled broker, is 3.1.1-only: use --broker mosquitto)' : ''}.`;
  }
  const bad = version >= 5 ? code === 0x86 : code === 4;
  const auth = version >= 5 ? code === 0x87 : code === 5;
  if (bad) return ' Check the username and password (mosquitto password_file).';
  if (auth) return ' The client was not authorised: a wrong username or password (mosquitto answers those with this code), or anonymous access not allowed (allow_anonymous false).';
  return '';
}
