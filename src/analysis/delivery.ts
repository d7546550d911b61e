// Delivery correlation: for each PUBLISH a client sends, which observed
// subscribers should get it, and whether the broker delivered it to them
// within the window. Catches mosquitto's ACL "silent drops".
import type { PacketRecord } from '../model/packet.js';
import { type AnalysisContext, bytesEqual, payloadOf, who } from './context.js';
import { DeadlineHeap } from './heap.js';
import { isFailure } from './reasons.js';
import { effectiveClientId, type Session, type SessionTracker } from './sessions.js';
import { topicMatches } from './topic.js';

export interface AclVerdict {
  allowed: boolean;
  /** One line: the verdict and the deciding rule. */
  text: string;
  /** The full explanation, every rule considered. */
  full?: string;
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
}

/** A subscriber (or a shared-subscription group) that should receive a message. */
interface Expectation {
  /** `cid:<client id>`, `conn:<id>` or `share:<group>/<filter>`. */
  key: string;
  shareGroup: string | null;
  members: Session[];
  filters: string[];
  delivered: PacketRecord | null;
}

interface Pending {
  rec: PacketRecord;
  time: number;
  topic: string;
  payload: Uint8Array;
  qos: number;
  publisher: Session;
  packetId: number | null;
  ack: { rec: PacketRecord; type: number; code: number } | null;
  /** QoS 2: PUBREL time; mosquitto routes the message on PUBREL. */
  released: boolean;
  /** When the broker could route the message: the PUBLISH, or PUBREL for QoS 2. */
  readyAt: number;
  deadline: number;
  done: boolean;
  expectations: Expectation[];
}

export class DeliveryCorrelator {
  private readonly byTopic = new Map<string, Pending[]>();
  private readonly byId = new Map<string, Pending>();
  private readonly heap = new DeadlineHeap<Pending>();

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly sessions: SessionTracker,
    private readonly opts: DeliveryOptions,
  ) {}

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
  }

  /** Returns true when an s2c PUBLISH was matched to a client's publish. */
  packet(rec: PacketRecord, s: Session): boolean {
    const sum = rec.summary;
    switch (sum.type) {
      case 3: if (rec.dir === 'c2s') this.publish(rec, s); else return this.delivery(rec, s); break;
      case 4: case 5: if (rec.dir === 's2c') this.ack(rec, s); break;
      case 6: if (rec.dir === 'c2s') this.release(rec, s); break;
    }
    return false;
  }

  private publish(rec: PacketRecord, pub: Session): void {
    const sum = rec.summary;
    const topic = rec.topic;
    if (topic === null || topic === '') return;
    // The broker only routes publishes of an accepted connection (or one whose CONNECT we missed).
    if (pub.state !== 'connected' && !(pub.state === 'open' && pub.connectFrame === null)) return;
    const idKey = sum.qos > 0 && sum.packetId !== null ? `${pub.connId}|${sum.packetId}` : null;
    if (idKey && sum.dup && this.byId.has(idKey)) return; // re-send of a message already tracked
    const expectations = this.expected(topic, pub, rec.time, rec.bytes.length);
    if (expectations.length === 0) return;
    const p: Pending = {
      rec, time: rec.time, topic, payload: payloadOf(rec), qos: sum.qos, publisher: pub,
      packetId: sum.packetId, ack: null, released: sum.qos < 2, readyAt: rec.time, deadline: rec.time + this.opts.windowUs,
      done: false, expectations,
    };
    if (idKey) this.byId.set(idKey, p);
    const list = this.byTopic.get(topic);
    if (list) list.push(p); else this.byTopic.set(topic, [p]);
    this.heap.push(p.deadline, p);
  }

  /** Subscribers of live connections whose granted subscriptions match `topic` now. */
  private expected(topic: string, pub: Session, time: number, size: number): Expectation[] {
    const out = new Map<string, Expectation>();
    const pubCid = effectiveClientId(pub);
    for (const s of this.sessions.live()) {
      if (s.state !== 'connected' && !(s.state === 'open' && s.connectFrame === null)) continue;
      // [MQTT-3.1.2-25]: a message larger than the client's Maximum Packet Size is discarded for it.
      if (s.maxPacketSize !== null && size > s.maxPacketSize) continue;
      const cid = effectiveClientId(s);
      for (const sub of s.subscriptions.values()) {
        if (sub.grantedAt > time || !topicMatches(sub.topicFilter, topic)) continue;
        let key: string;
        if (sub.shareGroup !== null) key = `share:${sub.shareGroup}/${sub.topicFilter}`;
        else {
          // [MQTT-3.8.3-3] no-local: not sent back to the connection that published it.
          if (sub.noLocal && (s === pub || (cid !== null && cid === pubCid))) continue;
          key = cid !== null ? `cid:${cid}` : `conn:${s.connId}`;
        }
        let e = out.get(key);
        if (!e) { e = { key, shareGroup: sub.shareGroup, members: [], filters: [], delivered: null }; out.set(key, e); }
        if (!e.members.includes(s)) e.members.push(s);
        if (!e.filters.includes(sub.filter)) e.filters.push(sub.filter);
      }
    }
    return [...out.values()];
  }

  private ack(rec: PacketRecord, s: Session): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    const p = this.byId.get(`${s.connId}|${id}`);
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
    if (type === 4) this.byId.delete(`${s.connId}|${id}`);
  }

  private release(rec: PacketRecord, s: Session): void {
    const id = rec.summary.packetId;
    if (id === null) return;
    const k = `${s.connId}|${id}`;
    const p = this.byId.get(k);
    if (!p || p.qos !== 2 || !p.ack) return;
    this.byId.delete(k);
    p.released = true;
    p.readyAt = rec.time;
    p.deadline = Math.max(p.deadline, rec.time + this.opts.windowUs);
  }

  private delivery(rec: PacketRecord, sub: Session): boolean {
    const topic = rec.topic;
    if (topic === null) return false;
    const list = this.byTopic.get(topic);
    if (!list) return false;
    const payload = payloadOf(rec);
    const cid = effectiveClientId(sub);
    for (const p of list) {
      if (p.done || p.time > rec.time || !bytesEqual(p.payload, payload)) continue;
      for (const e of p.expectations) {
        if (e.delivered) continue;
        if (e.members.includes(sub) || (cid !== null && e.key === `cid:${cid}`) || this.inGroup(e, sub)) {
          e.delivered = rec;
          // Every expected subscriber got it: nothing left to decide, so retire it now
          // (keeps the per-topic list short; it was O(n²) while the window was open).
          if (p.expectations.every((x) => x.delivered !== null)) this.drop(p);
          return true;
        }
      }
    }
    return false;
  }

  private inGroup(e: Expectation, s: Session): boolean {
    if (e.shareGroup === null) return false;
    const tf = e.key.slice(`share:${e.shareGroup}/`.length);
    for (const sub of s.subscriptions.values()) if (sub.shareGroup === e.shareGroup && sub.topicFilter === tf) return true;
    return false;
  }

  private drop(p: Pending): void {
    p.done = true;
    const list = this.byTopic.get(p.topic);
    if (list) {
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byTopic.delete(p.topic);
    }
    if (p.packetId !== null) {
      const k = `${p.publisher.connId}|${p.packetId}`;
      if (this.byId.get(k) === p) this.byId.delete(k);
    }
  }

  /** The window is over: was the message accepted, and who did not get it? */
  private evaluate(p: Pending): void {
    if (p.qos > 0 && (!p.ack || !p.released)) return; // never accepted (or rejected)
    const delivered: Expectation[] = [];
    const missing: Expectation[] = [];
    for (const e of p.expectations) {
      if (e.delivered) { delivered.push(e); continue; }
      if (this.excused(e, p)) continue;
      missing.push(e);
    }
    if (missing.length === 0) return;
    if (delivered.length === 0) this.undelivered(p, missing);
    else for (const e of missing) this.withheld(p, e, delivered);
  }

  /**
   * No false positives: the subscriber left before the broker could reasonably
   * deliver (within the settle time), was taken over, or the capture lost part of
   * its stream. A subscriber that stayed connected past the settle time and got
   * nothing is not excused, even if it disconnects before the window ends.
   */
  private excused(e: Expectation, p: Pending): boolean {
    const settled = p.readyAt + this.settleUs;
    return e.members.every((m) =>
      (m.closedAt !== null && m.closedAt < settled)
      || (m.lastGap.s2c !== null && m.lastGap.s2c >= p.time)
      || m.takenOverBy !== null,
    );
  }

  private get broker(): string {
    return this.opts.brokerKind === 'mosquitto' ? 'mosquitto' : 'The broker';
  }

  private undelivered(p: Pending, missing: Expectation[]): void {
    const pub = p.publisher;
    const pubName = who(pub);
    const ackPart = p.ack ? ` (${p.ack.type === 4 ? 'PUBACK' : 'PUBREC'} rc ${p.ack.code})` : '';
    const list = missing.map(describe).join(', ');
    const aclHint = this.opts.brokerKind === 'mosquitto'
      ? `With an acl_file this is a denied write for ${pubName}.`
      : 'With a mosquitto acl_file this is a denied write.';
    let text = `${this.broker} ${p.qos === 0 ? 'accepted' : 'acknowledged'} this QoS ${p.qos} publish from ${pubName}${ackPart} on '${p.topic}' but delivered it to none of the ${missing.length} subscriber(s) whose filters match (${list}). ${aclHint}`;
    const extra: Record<string, unknown> = {
      publisher: { client_id: effectiveClientId(pub), username: pub.username },
      subscribers: missing.map(subscriberJson),
      qos: p.qos,
      packet_id: p.packetId,
      payload_length: p.payload.length,
      window_us: this.opts.windowUs,
    };
    if (p.ack) extra['ack_reason_code'] = p.ack.code;
    if (this.opts.acl) {
      const w = this.opts.acl({ username: pub.username, clientId: effectiveClientId(pub), access: 'write', topic: p.topic });
      const reads = missing.map((e) => ({ e, v: this.readVerdict(e, p.topic) }));
      const allReadsDenied = reads.every((r) => r.v && !r.v.allowed);
      const confirmed = !w.allowed || allReadsDenied;
      const parts = [`write by ${pubName}: ${w.text}`, ...reads.filter((r) => r.v).map((r) => `read by ${subName(r.e)}: ${r.v!.text}`)];
      extra['acl_explanation'] = [w.full ?? w.text, ...reads.filter((r) => r.v).map((r) => r.v!.full ?? r.v!.text)].join('\n\n');
      extra['acl_confirmed'] = confirmed;
      extra['acl_write_allowed'] = w.allowed;
      text = text.slice(0, text.length - aclHint.length).trimEnd();
      text += !w.allowed
        ? ` The acl_file confirms a denied write: ${w.text}.`
        : allReadsDenied
          ? ` The acl_file allows the write but denies the read of every matching subscriber: ${parts.slice(1).join('; ')}.`
          : ` The acl_file allows this write (${w.text}), so the drop is not explained by the ACL.`;
    }
    this.ctx.emit({
      code: 'undelivered-publish', severity: 'warn', conn: pub.connId, clientId: effectiveClientId(pub), username: pub.username,
      recs: [p.rec, p.ack?.rec], topic: p.topic, text, extra,
    });
  }

  private withheld(p: Pending, e: Expectation, delivered: Expectation[]): void {
    const pub = p.publisher;
    const sub = e.members[0]!;
    const got = delivered.map(subName).join(', ');
    const filters = e.filters.map((f) => `'${f}'`).join(', ');
    const subUser = e.shareGroup !== null ? `the group's members` : who(sub);
    const aclHint = this.opts.brokerKind === 'mosquitto'
      ? `with an acl_file this is a denied read for ${subUser}.`
      : 'with a mosquitto acl_file this is a denied read.';
    let text = `${this.broker} delivered this QoS ${p.qos} publish from ${who(pub)} on '${p.topic}' to ${got} but not to ${subName(e)} (filter ${filters}); ${aclHint}`;
    const extra: Record<string, unknown> = {
      publisher: { client_id: effectiveClientId(pub), username: pub.username },
      subscriber: subscriberJson(e),
      subscribers: [subscriberJson(e)],
      delivered_to: delivered.map(subscriberJson),
      qos: p.qos,
      packet_id: p.packetId,
      window_us: this.opts.windowUs,
    };
    if (this.opts.acl) {
      const v = this.readVerdict(e, p.topic);
      if (v) {
        extra['acl_explanation'] = v.full ?? v.text;
        extra['acl_confirmed'] = !v.allowed;
        text = text.slice(0, text.length - aclHint.length).trimEnd().replace(/;$/, '.');
        text += !v.allowed
          ? ` The acl_file confirms a denied read: ${v.text}.`
          : ` The acl_file allows this read (${v.text}), so the drop is not explained by the ACL.`;
      }
    }
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'warn', conn: sub.connId, clientId: effectiveClientId(sub), username: sub.username,
      recs: [p.rec, p.ack?.rec, ...delivered.map((d) => d.delivered)], topic: p.topic, text, extra,
    });
  }

  private readVerdict(e: Expectation, topic: string): AclVerdict | null {
    const m = e.members[0];
    if (!m || !this.opts.acl) return null;
    return this.opts.acl({ username: m.username, clientId: effectiveClientId(m), access: 'read', topic });
  }
}

function subName(e: Expectation): string {
  if (e.shareGroup !== null) return `shared group '${e.shareGroup}'`;
  const m = e.members[0];
  return m ? (effectiveClientId(m) ?? m.connId) : e.key;
}

function describe(e: Expectation): string {
  return `${subName(e)}: ${e.filters.map((f) => `'${f}'`).join(', ')}`;
}

function subscriberJson(e: Expectation): Record<string, unknown> {
  const m = e.members[0];
  const o: Record<string, unknown> = {
    client_id: m ? effectiveClientId(m) : null,
    username: m?.username ?? null,
    filter: e.filters[0] ?? null,
    conn: m?.connId ?? null,
  };
  if (e.filters.length > 1) o['filters'] = e.filters;
  if (e.shareGroup !== null) {
    o['share_group'] = e.shareGroup;
    o['members'] = e.members.map((x) => effectiveClientId(x));
  }
  return o;
}
