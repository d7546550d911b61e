// Will messages: after a connection dies without a normal DISCONNECT, a
// broker→client PUBLISH with the will's topic and payload is the will being
// published [MQTT-3.1.2-8].
import { markFinding, type PacketRecord } from '../model/packet.js';
import { type AnalysisContext, payloadIs, seconds, who } from './context.js';
import { DeadlineHeap, type HeapEntry } from './heap.js';
import { effectiveClientId, findingClientId, type Session } from './sessions.js';

interface Candidate extends HeapEntry {
  session: Session;
  topic: string;
  payload: Uint8Array;
  /** Earliest time a delivery counts (the client's last packet). */
  since: number;
  until: number;
  published: boolean;
  why: string;
}

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
  ) {}

  /** Wills awaiting their publication. */
  get armedCount(): number {
    return this.armed.size;
  }

  advance(time: number): void {
    if (this.armed.size !== 0) {
      for (let k = this.deadlines.peekKey(); k !== undefined && k < time; k = this.deadlines.peekKey()) {
        this.disarm(this.deadlines.pop()!);
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
    const list = this.byTopic.get(c.topic);
    if (!list) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byTopic.delete(c.topic);
  }

  /**
   * A session ended: arm its will unless a normal DISCONNECT (reason code 0x00, the only
   * one in 3.1.1) discarded it [MQTT-3.1.2-10, MQTT-3.14.4-3]. An MQTT 5 DISCONNECT with
   * any other code leaves the will to the broker: 0x04 asks for it, and the spec discards
   * it only on 0x00, so a broker may publish it after an error code too (mosquitto does
   * not). Arming only lets a matching delivery be recognised as the will.
   */
  closed(s: Session, time: number): void {
    const w = s.will;
    if (!w || s.state === 'refused' || s.connackCode === null) return;
    const d = s.disconnect;
    if (d && d.by === 'client' && d.reasonCode === 0x00) return;
    const delay = typeof w.properties?.['will_delay_interval'] === 'number' ? (w.properties['will_delay_interval'] as number) * 1e6 : 0;
    const why = d?.by === 'client'
      ? `sent DISCONNECT 0x${d.reasonCode.toString(16).padStart(2, '0')} (${d.reason})`
      : s.keepaliveReported
        ? 'went silent past its keep-alive'
        : s.takenOverBy
          ? `was taken over by ${s.takenOverBy}`
          : d?.by === 'server'
            ? `was disconnected by the broker (${d.reason})`
            : 'closed without a DISCONNECT';
    const c: Candidate = {
      session: s, topic: w.topic, payload: w.payload, since: s.lastClientTime, until: time + this.windowUs + delay, published: false, why,
      heapKey: 0, heapSeq: 0, heapIndex: -1,
    };
    this.arm(c);
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) % MAX_RECENT;
      const rec = this.recent[at]!;
      const t = this.recentTime[at]!;
      if (this.matches(c, rec, t)) this.publish(c, rec, t);
    }
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

  private publish(c: Candidate, rec: PacketRecord, time: number): void {
    if (c.published) {
      markFinding(rec, 'will-published');
      return;
    }
    c.published = true;
    const s = c.session;
    const to = rec.clientId ?? rec.conn.id;
    const after = s.closedAt !== null ? seconds(Math.max(0, time - s.closedAt)) : null;
    this.ctx.emit({
      code: 'will-published', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [rec], frames: s.connectFrame !== null ? [s.connectFrame] : [], topic: c.topic,
      text: `The broker published the will of ${who(s)} on '${c.topic}' (${c.payload.length} byte(s)) to ${to}${after && time >= (s.closedAt ?? 0) ? ` ${after} after the connection ended` : ''}: the client ${c.why} [MQTT-3.1.2-8].`,
      extra: { will_topic: c.topic, delivered_to: [{ client_id: rec.clientId, conn: rec.conn.id }], cause: c.why, spec: 'MQTT-3.1.2-8' },
    });
  }
}
