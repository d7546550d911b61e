// Will messages: after a connection dies without a normal DISCONNECT, a
// broker→client PUBLISH with the will's topic and payload is the will being
// published [MQTT-3.1.2-8].
import type { PacketRecord } from '../model/packet.js';
import { type AnalysisContext, bytesEqual, payloadOf, seconds, who } from './context.js';
import { effectiveClientId, type Session } from './sessions.js';

interface Candidate {
  session: Session;
  topic: string;
  payload: Uint8Array;
  /** Earliest time a delivery counts (the client's last packet). */
  since: number;
  until: number;
  published: boolean;
  why: string;
}

interface Recent {
  rec: PacketRecord;
  payload: Uint8Array;
}

export class WillTracker {
  private candidates: Candidate[] = [];
  /** Recent unmatched broker→client PUBLISHes: the will may go out before we see the close. */
  private recent: Recent[] = [];

  constructor(private readonly ctx: AnalysisContext, private readonly windowUs: number) {}

  advance(time: number): void {
    if (this.candidates.length) this.candidates = this.candidates.filter((c) => c.until >= time);
    let i = 0;
    while (i < this.recent.length && this.recent[i]!.rec.time < time - this.windowUs) i++;
    if (i) this.recent.splice(0, i);
  }

  /** A session ended: arm its will unless a normal DISCONNECT discarded it [MQTT-3.1.2-10]. */
  closed(s: Session, time: number): void {
    const w = s.will;
    if (!w || s.state === 'refused' || s.connackCode === null) return;
    const d = s.disconnect;
    if (d && d.by === 'client' && d.reasonCode !== 0x04) return;
    const delay = typeof w.properties?.['will_delay_interval'] === 'number' ? (w.properties['will_delay_interval'] as number) * 1e6 : 0;
    const why = d?.by === 'client'
      ? 'sent DISCONNECT 0x04 (Disconnect with Will Message)'
      : s.keepaliveReported
        ? 'went silent past its keep-alive'
        : s.takenOverBy
          ? `was taken over by ${s.takenOverBy}`
          : d?.by === 'server'
            ? `was disconnected by the broker (${d.reason})`
            : 'closed without a DISCONNECT';
    const c: Candidate = { session: s, topic: w.topic, payload: w.payload, since: s.lastClientTime, until: time + this.windowUs + delay, published: false, why };
    this.candidates.push(c);
    for (const r of this.recent) if (this.matches(c, r.rec, r.payload)) this.publish(c, r.rec);
  }

  /** A broker→client PUBLISH that no client publish explains. */
  delivery(rec: PacketRecord): void {
    const payload = payloadOf(rec);
    for (const c of this.candidates) if (this.matches(c, rec, payload)) this.publish(c, rec);
    // A view: record bytes are never reused (see payloadOf).
    this.recent.push({ rec, payload });
    if (this.recent.length > 1000) this.recent.shift();
  }

  private matches(c: Candidate, rec: PacketRecord, payload: Uint8Array): boolean {
    return rec.conn.id !== c.session.connId && rec.time >= c.since && rec.topic === c.topic && bytesEqual(c.payload, payload);
  }

  private publish(c: Candidate, rec: PacketRecord): void {
    if (c.published) {
      if (!rec.findings.includes('will-published')) rec.findings.push('will-published');
      return;
    }
    c.published = true;
    const s = c.session;
    const to = rec.clientId ?? rec.conn.id;
    const after = s.closedAt !== null ? seconds(Math.max(0, rec.time - s.closedAt)) : null;
    this.ctx.emit({
      code: 'will-published', severity: 'info', conn: s.connId, clientId: effectiveClientId(s), username: s.username,
      recs: [rec], frames: s.connectFrame !== null ? [s.connectFrame] : [], topic: c.topic,
      text: `The broker published the will of ${who(s)} on '${c.topic}' (${c.payload.length} byte(s)) to ${to}${after && rec.time >= (s.closedAt ?? 0) ? ` ${after} after the connection ended` : ''}: the client ${c.why} [MQTT-3.1.2-8].`,
      extra: { will_topic: c.topic, delivered_to: [{ client_id: rec.clientId, conn: rec.conn.id }], cause: c.why, spec: 'MQTT-3.1.2-8' },
    });
  }
}
