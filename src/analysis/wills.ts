// Will messages: after a connection dies without a normal DISCONNECT, a
// broker→client PUBLISH with the will's topic and payload is the will being
// published [MQTT-3.1.2-8].
import { markFinding, type PacketRecord } from '../model/packet.js';
import { aclFields } from './acl-check.js';
import { type AnalysisContext, payloadIs, seconds, who } from './context.js';
import type { AclCheck, AclVerdict } from './delivery.js';
import { DeadlineHeap, type HeapEntry } from './heap.js';
import { effectiveClientId, findingClientId, type Session, usernameUnknown } from './sessions.js';

/** With an acl_file: what a will the file denies is checked against. */
export interface WillAcl {
  check: AclCheck;
  /** The subscribers a publish on `topic` by `s` would be routed to now, described as in findings. */
  route: (topic: string, s: Session) => string[];
}

/** Subscribers a denied will's finding names (text and `subscribers`); the rest are counted (`subscriber_count`), as for other undelivered publishes. */
const ROUTE_LISTED = 20;

interface Candidate extends HeapEntry {
  session: Session;
  topic: string;
  payload: Uint8Array;
  /** Earliest time a delivery counts (the client's last packet). */
  since: number;
  /** When the broker sends it: the close plus its Will Delay Interval (MQTT 5), or the session's end if sooner. */
  dueAt: number;
  /** What delays it, for the finding's text: " (Will Delay Interval 5 s)", or "". */
  delayText: string;
  until: number;
  published: boolean;
  why: string;
  /** With an acl_file: the verdict that denies the will's write (mosquitto then never publishes it), else null. */
  denied: AclVerdict | null;
  /** For a denied will: the subscribers it would have gone to when it fell due (described as in findings). */
  route: string[];
  /** How many subscribers the route had (`route` keeps the first ROUTE_LISTED). */
  routeCount: number;
}

const NO_ROUTE: string[] = [];

/** Taken-over connection ids remembered at most while their close is awaited (WillTracker.resumedOver). */
const MAX_RESUMED_OVER = 10_000;
/** Unmatched broker→client PUBLISHes remembered at most. */
const MAX_RECENT = 1000;
/** Wills awaited at once by default (WillTracker's `maxArmed`). */
export const DEFAULT_MAX_ARMED_WILLS = 10_000;
/** Will payload bytes the armed wills hold at most by default (`maxArmedBytes`). */
export const DEFAULT_MAX_ARMED_WILL_BYTES = 64 * 1024 * 1024;

export class WillTracker {
  /**
   * Armed wills, three ways: by deadline (they leave when their window ends), by
   * topic (what a delivery is compared with), and in arming order (the oldest
   * goes first when there are `maxArmed`). A will delay of days (MQTT 5 allows
   * 136 years) would otherwise keep every such session for that long.
   */
  private readonly deadlines = new DeadlineHeap<Candidate>();
  private readonly byTopic = new Map<string, Candidate[]>();
  private readonly armed = new Set<Candidate>();
  /** Armed wills still inside their Will Delay Interval, by client id: a new connection of that client id cancels them. */
  private readonly delayed = new Map<string, Candidate>();
  /**
   * Connections taken over by one whose CONNACK said session present, seen before their
   * close: mosquitto 2.0.11 sends no will when the session is resumed so (closed() drops the id).
   */
  private readonly resumedOver = new Set<string>();
  /** Armed wills of connections closed while the CONNECT taking them over awaited its CONNACK, by connection id. */
  private readonly takeoverPending = new Map<string, Candidate>();
  /** Payload bytes of the armed wills. */
  private armedBytes = 0;
  /** Wills no longer watched because `maxArmed` others (or `maxArmedBytes` of payloads) were armed after them. */
  dropped = 0;
  /**
   * Recent unmatched broker→client PUBLISHes, oldest first: the will may go out
   * before we see the close. A ring: `recent[(head + i) % MAX_RECENT]` for i < count.
   */
  private readonly recent: (PacketRecord | null)[] = [];
  /** The analysis clock when each of `recent` was seen (same slots). */
  private readonly recentTime: number[] = [];
  private head = 0;
  private count = 0;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly windowUs: number,
    private readonly maxArmed = DEFAULT_MAX_ARMED_WILLS,
    private readonly maxArmedBytes = DEFAULT_MAX_ARMED_WILL_BYTES,
    private readonly acl: WillAcl | null = null,
  ) {}

  /** Wills awaiting their publication. */
  get armedCount(): number {
    return this.armed.size;
  }

  advance(time: number): void {
    if (this.armed.size !== 0) {
      for (let k = this.deadlines.peekKey(); k !== undefined && k < time; k = this.deadlines.peekKey()) {
        const c = this.deadlines.pop()!;
        if (c.denied !== null && !c.published && this.armed.has(c)) this.notPublished(c);
        this.disarm(c);
      }
    }
    const r = this.recent;
    while (this.count > 0 && this.recentTime[this.head]! < time - this.windowUs) {
      r[this.head] = null;
      this.head = this.head + 1 === MAX_RECENT ? 0 : this.head + 1;
      this.count--;
    }
  }

  private arm(c: Candidate): void {
    while (this.armed.size > 0 && (this.armed.size >= this.maxArmed || this.armedBytes + c.payload.length > this.maxArmedBytes)) {
      const oldest = this.armed.values().next().value as Candidate;
      this.deadlines.remove(oldest);
      this.disarm(oldest);
      this.dropped++;
    }
    this.armed.add(c);
    this.armedBytes += c.payload.length;
    this.deadlines.push(c.until, c);
    const list = this.byTopic.get(c.topic);
    if (list) list.push(c); else this.byTopic.set(c.topic, [c]);
  }

  /** Forget an armed will (already out of the deadline queue). */
  private disarm(c: Candidate): void {
    if (!this.armed.delete(c)) return;
    this.armedBytes -= c.payload.length;
    if (this.takeoverPending.size !== 0 && this.takeoverPending.get(c.session.connId) === c) this.takeoverPending.delete(c.session.connId);
    if (this.delayed.size !== 0) {
      const cid = effectiveClientId(c.session);
      if (cid !== null && this.delayed.get(cid) === c) this.delayed.delete(cid);
    }
    const list = this.byTopic.get(c.topic);
    if (!list) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byTopic.delete(c.topic);
  }

  /**
   * A session ended: arm its will unless a normal DISCONNECT (reason code 0x00, the only
   * one in 3.1.1) discarded it [MQTT-3.1.2-10, MQTT-3.14.4-3], unless the broker refused that
   * DISCONNECT as a protocol error (DisconnectInfo.refused). An MQTT 5 DISCONNECT with
   * any other code leaves the will to the broker: 0x04 asks for it, and the spec discards
   * it only on 0x00, so a broker may publish it after an error code too (mosquitto does
   * not). Arming only lets a matching delivery be recognised as the will.
   */
  closed(s: Session, time: number, takingOver: Session | null = null): void {
    // Taken over by a connection that resumed the session: no will (mosquitto 2.0.11).
    if (this.resumedOver.size !== 0 && this.resumedOver.delete(s.connId)) return;
    const w = s.will;
    if (!w || s.state === 'refused' || s.connackCode === null) return;
    const d = s.disconnect;
    if (d && d.by === 'client' && d.reasonCode === 0x00 && !d.refused) return;
    // Sent after its Will Delay Interval, or when the session ends if sooner [MQTT-3.1.3-9].
    // A session that ends with the connection (Session Expiry Interval 0) would have it sent
    // at the close, but mosquitto 2.0.11 still waits for the Will Delay Interval then: the
    // will is awaited until the later of the two (a delivery from the close on counts).
    const wdi = typeof w.properties?.['will_delay_interval'] === 'number' ? (w.properties['will_delay_interval'] as number) : 0;
    const sei = s.sessionExpiry;
    const delay = (sei !== null && sei > 0 ? Math.min(wdi, sei) : wdi) * 1e6;
    // Taken over by a connection already accepted: that is a new connection of the client id
    // within the delay, so the will is not sent [MQTT-3.1.3-9] (nor by mosquitto 2.0.11, with
    // Clean Start 0 or 1). When the close comes first, connected() cancels it instead.
    if (delay > 0 && s.takenOverBy !== null) return;
    const why = d?.by === 'client'
      ? `sent DISCONNECT 0x${d.reasonCode.toString(16).padStart(2, '0')} (${d.reason})${d.refused ? ', which the broker refused as a protocol error (it raised the Session Expiry Interval from 0), so the will was not discarded' : ''}`
      : s.keepaliveReported
        ? 'went silent past its keep-alive'
        : s.takenOverBy !== null || takingOver !== null
          ? `was taken over by ${s.takenOverBy ?? takingOver!.connId}`
          : d?.by === 'server'
            ? `was disconnected by the broker (${d.reason})`
            : 'closed without a DISCONNECT';
    // mosquitto checks a will against the acl_file as a publish by its client, and drops a denied one silently.
    // After a client DISCONNECT with any code but 0x04 it discards the will before that (2.0.11;
    // the spec discards it only on 0x00): not sent, whatever the file says, so no drop to report.
    const v = this.acl !== null && !usernameUnknown(s) && !(d?.by === 'client' && d.reasonCode !== 0x04 && !d.refused)
      ? this.acl.check({ username: s.username, clientId: effectiveClientId(s), access: 'write', topic: w.topic })
      : null;
    const delayText = wdi > 0 ? ` (Will Delay Interval ${wdi} s${sei !== null && sei > 0 && sei < wdi ? `, Session Expiry Interval ${sei} s` : ''})` : '';
    const c: Candidate = {
      session: s, topic: w.topic, payload: w.payload, since: s.lastClientTime, dueAt: time + delay, delayText, until: time + this.windowUs + delay, published: false, why,
      denied: v !== null && !v.allowed ? v : null,
      // Routed when it falls due (now): those subscribers are the ones that miss it.
      route: NO_ROUTE, routeCount: 0,
      heapKey: 0, heapSeq: 0, heapIndex: -1,
    };
    if (v !== null && !v.allowed) {
      const r = this.acl!.route(w.topic, s);
      c.route = r.length > ROUTE_LISTED ? r.slice(0, ROUTE_LISTED) : r;
      c.routeCount = r.length;
    }
    this.arm(c);
    if (takingOver !== null && s.takenOverBy === null) this.takeoverPending.set(s.connId, c);
    const cid = effectiveClientId(s);
    if (delay > 0 && cid !== null) this.delayed.set(cid, c);
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) % MAX_RECENT;
      const rec = this.recent[at]!;
      const t = this.recentTime[at]!;
      if (this.matches(c, rec, t)) this.publish(c, rec, t);
    }
  }

  /**
   * A connection of `s`'s client id was accepted: a will still inside its Will Delay
   * Interval is not sent [MQTT-3.1.3-9] (mosquitto 2.0.11 sends it neither when the
   * session resumes nor when Clean Start 1 starts a new one), so it is no longer awaited,
   * and a will the acl_file denies is not reported as dropped.
   */
  connected(s: Session): void {
    // A take-over that resumes the session (CONNACK session present): mosquitto 2.0.11 sends
    // the old connection's will neither then nor later (with Clean Start 1, or a session
    // that was not kept, it does). Checked with MQTT 3.1.1 and 5.
    if (s.tookOver.length !== 0 && s.sessionPresent === true) {
      for (const id of s.tookOver) {
        const c = this.takeoverPending.get(id);
        if (c === undefined) {
          // Also the ids of old connections already closed with no will armed: bounded, the oldest go.
          if (this.resumedOver.size >= MAX_RESUMED_OVER) this.resumedOver.delete(this.resumedOver.values().next().value as string);
          this.resumedOver.add(id);
        }
        else if (!c.published) { this.deadlines.remove(c); this.disarm(c); }
      }
    }
    if (this.delayed.size === 0) return;
    const cid = effectiveClientId(s);
    const c = cid !== null ? this.delayed.get(cid) : undefined;
    if (c === undefined || c.session === s || this.ctx.now >= c.dueAt) return;
    this.deadlines.remove(c);
    this.disarm(c);
  }

  /** A broker→client PUBLISH that no client publish explains (at the analysis clock's time, ctx.now). */
  delivery(rec: PacketRecord): void {
    const now = this.ctx.now;
    const list = rec.topic !== null ? this.byTopic.get(rec.topic) : undefined;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!;
        if (this.matches(c, rec, now)) this.publish(c, rec, now);
      }
    }
    // The record itself (its payload is compared in place when a will is armed): record bytes are never reused.
    const r = this.recent;
    if (this.count === MAX_RECENT) {
      r[this.head] = rec; // the oldest goes
      this.recentTime[this.head] = now;
      this.head = this.head + 1 === MAX_RECENT ? 0 : this.head + 1;
    } else {
      const at = (this.head + this.count) % MAX_RECENT;
      if (at === r.length) { r.push(rec); this.recentTime.push(now); } else { r[at] = rec; this.recentTime[at] = now; }
      this.count++;
    }
  }

  /** Whether `rec`, seen at `time` (analysis clock), is the will of `c`. */
  private matches(c: Candidate, rec: PacketRecord, time: number): boolean {
    return rec.conn.id !== c.session.connId && time >= c.since && rec.topic === c.topic && payloadIs(rec, c.payload);
  }

  /**
   * The window of a will the acl_file denies ended and nobody got it: mosquitto dropped
   * it, and no client is told. An undelivered-publish (will: true) when subscribers
   * match its topic; nothing when nobody would have got it anyway.
   */
  private notPublished(c: Candidate): void {
    const s = c.session;
    const route = c.route;
    if (route.length === 0) return;
    const v = c.denied!;
    this.ctx.emit({
      code: 'undelivered-publish', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      frames: s.connectFrame !== null ? [s.connectFrame] : [], topic: c.topic,
      text: `The will of ${who(s)} on '${c.topic}' (${c.payload.length} byte(s)) was due when the client ${c.why}, but the broker delivered it to none of the ${c.routeCount} subscriber(s) whose filters match (${route.join('; ')}${c.routeCount > route.length ? ` and ${c.routeCount - route.length} more` : ''}). `
        + `The acl_file denies the will's write: ${v.text}. mosquitto checks a will as a publish by its client and drops a denied one without telling anyone.`,
      extra: { will: true, will_topic: c.topic, cause: c.why, subscribers: route, ...(c.routeCount > route.length ? { subscriber_count: c.routeCount } : {}), acl_confirmed: true, acl_write_allowed: false, ...aclFields(v) },
    });
  }

  private publish(c: Candidate, rec: PacketRecord, time: number): void {
    if (c.published) {
      markFinding(rec, 'will-published');
      return;
    }
    c.published = true;
    const s = c.session;
    const to = rec.clientId ?? rec.conn.id;
    // The broker publishes the will when it sees the connection drop, which can come before
    // the close is recorded (the proxy records it once both sides are closed; a client FIN
    // is answered by the will first): then there is no delay to give.
    const afterUs = s.closedAt !== null && time >= s.closedAt ? time - s.closedAt : null;
    const when = afterUs !== null ? ` ${seconds(afterUs)} after the connection ended` : ' as the connection ended, before its close was complete';
    this.ctx.emit({
      code: 'will-published', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [rec], frames: s.connectFrame !== null ? [s.connectFrame] : [], topic: c.topic,
      text: `The broker published the will of ${who(s)} on '${c.topic}' (${c.payload.length} byte(s)) to ${to}${when}${c.delayText}: the client ${c.why} [MQTT-3.1.2-8].`,
      extra: { will_topic: c.topic, delivered_to: [{ client_id: rec.clientId, conn: rec.conn.id }], cause: c.why, delay_us: afterUs, spec: 'MQTT-3.1.2-8' },
    });
  }
}
