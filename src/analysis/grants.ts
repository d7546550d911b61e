// What a granted subscription is owed from the moment of its SUBACK:
//  - with an acl_file, a subscription it never lets deliver anything on is said
//    to be one at once (withheld-delivery, at_subscribe), before a message is lost;
//  - the retained messages its filter matches [MQTT-3.3.1-6]: one that does not
//    arrive within the delivery window is a withheld-delivery (retained), with the
//    acl_file's read verdict when one was given. mosquitto checks a retained
//    message for read access when it queues it for the new subscriber and silently
//    leaves it out when denied, the SUBACK granted all the same.
import type { PacketRecord } from '../model/packet.js';
import { type AclFile } from '../acl/index.js';
import { aclFields, type SubscribeCheck, subscribeCheck } from './acl-check.js';
import { type AnalysisContext, capitalize, seconds, who } from './context.js';
import type { AclCheck, AclVerdict } from './delivery.js';
import { effectiveClientId, findingClientId, goneBy, type Session, type SessionTracker, type Subscription, usernameUnknown } from './sessions.js';
import { topicMatches } from './topic.js';
import type { RetainedValue, TopicTracker } from './topics.js';

export interface GrantOptions {
  windowUs: number;
  settleUs?: number;
  brokerKind: 'mosquitto' | 'aedes' | 'unknown';
  acl?: AclFile;
  aclCheck?: AclCheck;
}

/** The subscriptions of a SUBSCRIBE as they were before its SUBACK (Analyzer: taken before SessionTracker sees the SUBACK). */
export interface BeforeSuback {
  subscribe: PacketRecord;
  /** Per requested filter: the subscription it replaced, or undefined. */
  before: Map<string, Subscription | undefined>;
}

/** A retained message a new subscription should be sent. */
interface Owed {
  value: RetainedValue;
  topic: string;
  /** The subscriber's read verdict (with an acl_file). */
  read: AclVerdict | null;
  /** With an acl_file: the publisher's write was not asked (its username is unknown), so the message may never have been retained. */
  writeUnknown: boolean;
  got: boolean;
}

interface Wait {
  sub: Session;
  subscription: Subscription;
  subscribe: PacketRecord;
  suback: PacketRecord;
  grantedAt: number;
  deadline: number;
  owed: Owed[];
  done: boolean;
}

/**
 * A retained message a withheld-delivery (retained) finding said the subscriber was not
 * sent: a copy that comes after all is late, not withheld (GrantWatch.late).
 */
interface Reported {
  topic: string;
  value: RetainedValue;
  subscription: Subscription;
  /** When the subscription was granted (the SUBACK). */
  grantedAt: number;
}

/** Reported retained messages looked for late, all sessions together (the oldest sessions' are let go first). */
const MAX_REPORTED = 4096;

/** Retained messages looked at per granted subscription (a '#' subscriber on a broker with 100,000 of them). */
const MAX_OWED = 256;
/** Windows open at once, all sessions together, and per session (each delivery to it looks at its windows). */
const MAX_WAITS = 10_000;
const MAX_WAITS_PER_SESSION = 16;
/**
 * Distinct topics of retained copies remembered per session between a SUBSCRIBE and its
 * SUBACK. Past it (a SUBACK that never comes while the broker keeps sending retained
 * copies), the set is let go and marked full: a subscription it granted is not watched
 * (any retained message may have been sent before the SUBACK), counted in `untracked`.
 */
export const MAX_EARLY_TOPICS = 1024;
/** A session's early set past MAX_EARLY_TOPICS. */
const EARLY_FULL: ReadonlySet<string> = new Set();

export class GrantWatch {
  /** Windows in the order they close (grant time plus a constant window: FIFO). */
  private queue: Wait[] = [];
  private head = 0;
  private readonly bySession = new Map<Session, Wait[]>();
  /**
   * Retained copies sent to a session between its SUBSCRIBE and the SUBACK (brokers may
   * send them first). Weak: a session whose SUBACK never came (closed first, or lost in
   * a gap) must not be kept by it.
   */
  private readonly early = new WeakMap<Session, Set<string> | typeof EARLY_FULL>();
  /** Filters already reported as never delivering, per connection. */
  private readonly neverSaid = new WeakMap<Session, Set<string>>();
  private readonly subscribeCheck: SubscribeCheck | null;
  /** When the first open window closes (Infinity: none), compared on every event. */
  nextDeadline = Infinity;
  /** Open windows: deliveries are looked at only while there are some (or `reported`). */
  waiting = 0;
  /** Retained messages reported withheld, by subscriber, that a late copy would correct. */
  private readonly reportedBy = new Map<Session, Reported[]>();
  /** Entries in reportedBy: deliveries are also looked at while there are some. */
  reported = 0;
  /** Granted subscriptions owed retained messages that were not watched because MAX_WAITS (or the session's share) were open. */
  untracked = 0;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly sessions: SessionTracker,
    private readonly topics: TopicTracker,
    private readonly opts: GrantOptions,
  ) {
    this.subscribeCheck = opts.acl ? subscribeCheck(opts.acl) : null;
  }

  private get settleUs(): number {
    return Math.min(this.opts.windowUs, this.opts.settleUs ?? 250_000);
  }

  private get broker(): string {
    return this.opts.brokerKind === 'mosquitto' ? 'mosquitto' : 'The broker';
  }

  /** A SUBACK is about to be handled: what its SUBSCRIBE asked for, and what it replaces. */
  before(rec: PacketRecord): BeforeSuback | null {
    const id = rec.summary.packetId;
    if (id === null) return null;
    const s = this.sessions.get(rec.conn.id);
    const req = s?.pendingSubscribe.get(id);
    if (!s || !req) return null;
    const before = new Map<string, Subscription | undefined>();
    for (const r of req.rec.summary.subscriptions ?? []) before.set(r.filter, s.subscriptions.get(r.filter));
    return { subscribe: req.rec, before };
  }

  /** The SUBACK was handled: look at each subscription it granted. */
  suback(rec: PacketRecord, s: Session, b: BeforeSuback): void {
    const early = this.early.get(s);
    if (s.pendingSubscribe.size === 0) this.early.delete(s);
    for (const [filter, old] of b.before) {
      const sub = s.subscriptions.get(filter);
      if (sub === undefined || sub === old) continue; // refused, or not this SUBACK's
      this.never(rec, s, sub, b.subscribe);
      this.retained(rec, s, sub, b.subscribe, old !== undefined, early);
    }
  }

  /** A broker→client PUBLISH (call only while `waiting` > 0 or a SUBSCRIBE is pending): a copy of a retained message owed? */
  delivery(rec: PacketRecord, s: Session): void {
    const topic = rec.topic;
    if (topic === null) return;
    if (s.pendingSubscribe.size > 0 && rec.summary.retain) {
      const set = this.early.get(s);
      if (set === undefined) this.early.set(s, new Set([topic]));
      else if (set !== EARLY_FULL) {
        (set as Set<string>).add(topic);
        if (set.size > MAX_EARLY_TOPICS) this.early.set(s, EARLY_FULL);
      }
    }
    const waits = this.bySession.get(s);
    if (waits) for (const w of waits) for (const o of w.owed) if (!o.got && o.topic === topic) o.got = true;
    if (this.reported !== 0 && rec.summary.retain) this.late(rec, s, topic);
  }

  /**
   * A retained copy on a topic whose retained message a finding said this subscriber was
   * not sent: it was late, not withheld. A follow-up with the same code, severity info,
   * `late: true` (as delivery.ts gives a late routed copy) corrects it: a read the ACL
   * denies is never sent at all, so that finding's ACL reading does not hold.
   */
  private late(rec: PacketRecord, s: Session, topic: string): void {
    const list = this.reportedBy.get(s);
    if (list === undefined) return;
    const i = list.findIndex((r) => r.topic === topic);
    if (i < 0) return;
    const r = list[i]!;
    list.splice(i, 1);
    this.reported--;
    if (list.length === 0) this.reportedBy.delete(s);
    const name = effectiveClientId(s) ?? s.connId;
    const delay = this.ctx.now - r.grantedAt;
    const window = this.opts.windowUs;
    const ms = (us: number): string => `${Math.round(us / 1000)} ms`;
    const frame = r.value.frame;
    const newer = this.topics.retainedOf(topic) !== r.value;
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [rec], frames: frame > 0 ? [frame] : [], topic,
      text: `Late, not withheld: ${this.broker} sent ${name} ${newer ? `a retained message on '${topic}' (not the one reported: it has been replaced since)` : `the retained message on '${topic}'${frame > 0 ? ` (published in frame ${frame})` : ''}`} after all, in frame ${rec.frame}, for the subscription '${r.subscription.filter}'. `
        + `The withheld-delivery reported for it counted the copy missing because it had not come ${ms(window)} after the SUBACK (the delivery window); it came ${ms(Math.max(0, delay - window))} after that, ${ms(delay)} in all. `
        + `A read the ACL denies is never sent, so that finding's ACL reading does not hold for ${name}: the broker was slow, or --delivery-window is too short for it.`,
      extra: {
        late: true, retained: true, reported_frame: frame > 0 ? frame : null, delay_us: delay, window_us: window,
        filter: r.subscription.filter, subscriber: subscriberOf(s, r.subscription), ...(newer ? { replaced: true } : {}),
      },
    });
  }

  /** Remember what a withheld-delivery (retained) reported, for late(). */
  private remember(s: Session, subscription: Subscription, grantedAt: number, missing: Owed[]): void {
    let list = this.reportedBy.get(s);
    if (list === undefined) this.reportedBy.set(s, (list = []));
    for (const o of missing) {
      list.push({ topic: o.topic, value: o.value, subscription, grantedAt });
      this.reported++;
    }
    // Bounded: the sessions reported longest ago go first (a Map keeps insertion order).
    while (this.reported > MAX_REPORTED) {
      const [oldest, l] = this.reportedBy.entries().next().value as [Session, Reported[]];
      this.reportedBy.delete(oldest);
      this.reported -= l.length;
    }
  }

  /** A session closed: a copy can no longer come, so its reported messages are let go. */
  closed(s: Session): void {
    const list = this.reportedBy.get(s);
    if (list === undefined) return;
    this.reportedBy.delete(s);
    this.reported -= list.length;
  }

  /** Close the windows that ended before `time`. */
  advance(time: number): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.deadline < time) this.decide(q[this.head++]!, false);
    this.compact();
  }

  /** End of input: windows still open are decided if the subscriber had the settle time. */
  end(time: number): void {
    this.advance(time);
    const q = this.queue;
    while (this.head < q.length) {
      const w = q[this.head++]!;
      this.decide(w, time < w.grantedAt + this.settleUs);
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.queue.length) { this.queue = []; this.head = 0; }
    else if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
    this.nextDeadline = this.head < this.queue.length ? this.queue[this.head]!.deadline : Infinity;
  }

  /** With an acl_file: a subscription that can never deliver anything is said to be one, once per connection and filter. */
  private never(suback: PacketRecord, s: Session, sub: Subscription, subscribe: PacketRecord): void {
    const check = this.subscribeCheck;
    // Without its CONNECT the username is unknown: the file is not asked (it would be the anonymous verdict).
    if (check === null || usernameUnknown(s)) return;
    let said = this.neverSaid.get(s);
    if (said?.has(sub.filter)) return;
    const v = check({ username: s.username, clientId: effectiveClientId(s), filter: sub.filter });
    if (v === null) return;
    if (!said) this.neverSaid.set(s, (said = new Set()));
    said.add(sub.filter);
    const name = effectiveClientId(s) ?? s.connId;
    const reader = who(s);
    const loss = sub.shareGroup !== null
      ? `each message of the shared group '${sub.shareGroup}' whose turn falls on ${name} will be lost for the whole group`
      : `nothing will ever be delivered on it, and ${this.opts.brokerKind === 'mosquitto' ? 'mosquitto' : 'the broker'} will not say so`;
    const text = `${this.broker} granted ${name} the subscription '${sub.filter}' (granted QoS ${sub.grantedQos}), but the acl_file lets ${reader} read no topic that matches it: ${loss}. ${capitalize(v.text)}.`;
    const subscriber = subscriberOf(s, sub);
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'info', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [subscribe, suback], topic: sub.filter, text,
      extra: {
        at_subscribe: true, filter: sub.filter, granted_qos: sub.grantedQos, subscriber, subscribers: [subscriber],
        ...(sub.shareGroup !== null ? { share_group: sub.shareGroup } : {}),
        acl_explanation: v.full ?? v.text, acl_confirmed: true, ...aclFields(v),
      },
    });
  }

  /** The retained messages a new subscription is owed: awaited for the delivery window. */
  private retained(suback: PacketRecord, s: Session, sub: Subscription, subscribe: PacketRecord, existed: boolean, early: ReadonlySet<string> | undefined): void {
    // MQTT 5 Retain Handling: 2 = never sent, 1 = only for a new subscription. A shared
    // subscription is never sent retained messages (MQTT 5 §4.8.2, Shared Subscriptions).
    if (sub.shareGroup !== null || sub.retainHandling === 2 || (sub.retainHandling === 1 && existed)) return;
    // The analysis does not know every subscription of the session (Session.subscriptionsIncompleteAt):
    // whether the filter existed (Retain Handling 1), or was granted again with other options
    // by filters its summary did not list, is not known.
    if (s.subscriptionsIncompleteAt !== null) return;
    // More retained copies came before the SUBACK than were remembered: which it was sent is not known.
    if (early === EARLY_FULL) { this.untracked++; return; }
    if (this.waiting >= MAX_WAITS || (this.bySession.get(s)?.length ?? 0) >= MAX_WAITS_PER_SESSION) { this.untracked++; return; }
    const now = this.ctx.now;
    const cid = effectiveClientId(s);
    const owed: Owed[] = [];
    for (const value of this.topics.retainedCandidates(sub.topicFilter)) {
      if (owed.length >= MAX_OWED) break;
      const topic = value.topic;
      if (!topicMatches(sub.topicFilter, topic)) continue;
      if (value.at > now) continue;
      // [MQTT-3.1.2-25] too large for the subscriber; expired [MQTT-3.3.2-5]; no-local [MQTT-3.8.3-3].
      if (s.maxPacketSize !== null && value.size > s.maxPacketSize) continue;
      if (value.expiry !== null && now - value.at >= value.expiry * 1e6) continue;
      if (sub.noLocal && cid !== null && value.clientId === cid) continue;
      let read: AclVerdict | null = null;
      let writeUnknown = false;
      const check = this.opts.aclCheck;
      if (check) {
        // A write the acl_file denies was never retained (mosquitto drops it before storing it).
        // Without the publisher's CONNECT its username is unknown: the file is not asked (the
        // anonymous verdict would stand in for it), and only a routed copy shows it was kept.
        if (value.usernameUnknown) writeUnknown = true;
        else if (!check({ username: value.username, clientId: value.clientId, access: 'write', topic }).allowed) continue;
        if (!usernameUnknown(s)) read = check({ username: s.username, clientId: cid, access: 'read', topic });
      }
      owed.push({ value, topic, read, writeUnknown, got: early?.has(topic) ?? false });
    }
    if (owed.length === 0 || owed.every((o) => o.got)) return;
    const w: Wait = { sub: s, subscription: sub, subscribe, suback, grantedAt: now, deadline: now + this.opts.windowUs, owed, done: false };
    if (this.head === this.queue.length) this.nextDeadline = w.deadline;
    this.queue.push(w);
    let list = this.bySession.get(s);
    if (!list) this.bySession.set(s, (list = []));
    list.push(w);
    this.waiting++;
  }

  private decide(w: Wait, undecided: boolean): void {
    if (w.done) return;
    w.done = true;
    this.waiting--;
    const list = this.bySession.get(w.sub)!;
    list.splice(list.indexOf(w), 1);
    if (list.length === 0) this.bySession.delete(w.sub);
    if (undecided) return;
    const s = w.sub;
    // Excused as for live deliveries: closed or disconnected within the settle time, taken over, or a stream gap.
    if (goneBy(s, w.grantedAt, w.grantedAt + this.settleUs)) return;
    // A packet within the settle time may have removed or changed this subscription unseen (an
    // UNSUBSCRIBE whose filters were not all listed): not known to be owed. Crossing the cap
    // then (a new filter not kept) leaves this one as it was, so it does not excuse.
    if (s.subscriptionsUnseenChangeAt !== null && s.subscriptionsUnseenChangeAt < w.grantedAt + this.settleUs) return;
    // Unsubscribed within the settle time: a copy may not have been due any more.
    const f = w.subscription.filter;
    if (s.unsubscribed.some((u) => u.filter === f && u.time >= w.grantedAt && u.time < w.grantedAt + this.settleUs)) return;
    const missing = w.owed.filter((o) => {
      if (o.got) return false;
      // Replaced or cleared since (the broker may have sent the newer one): not this message's loss.
      if (this.topics.retainedOf(o.topic) !== o.value) return false;
      // Known to be held by the broker: routed to a subscriber since it was published, or
      // (with an acl_file) a write the file allows that the subscriber may not read.
      return o.value.confirmed || (!o.writeUnknown && o.read !== null && !o.read.allowed);
    });
    if (missing.length > 0) this.report(w, missing);
  }

  private report(w: Wait, missing: Owed[]): void {
    const s = w.sub;
    const sub = w.subscription;
    const name = effectiveClientId(s) ?? s.connId;
    const first = missing[0]!;
    const one = missing.length === 1;
    const what = one
      ? `the retained message on '${first.topic}' (published by ${first.value.clientId ?? first.value.conn}${first.value.frame > 0 ? `, frame ${first.value.frame}` : ''})`
      : `the retained messages on ${missing.length} topics (${missing.slice(0, 5).map((o) => `'${o.topic}'`).join(', ')}${missing.length > 5 ? ', …' : ''})`;
    let text = `${this.broker} granted ${name} the subscription '${sub.filter}' but did not send it ${what} within ${seconds(this.opts.windowUs)} of the SUBACK.`;
    const reads = missing.filter((o) => o.read !== null);
    const denied = reads.filter((o) => !o.read!.allowed);
    if (reads.length === 0) {
      text += ` It ${one ? 'was' : 'were'} delivered to other subscribers, so the broker holds ${one ? 'it' : 'them'}; ${this.opts.brokerKind === 'mosquitto' ? `with an acl_file this is a denied read for ${who(s)}` : 'with a mosquitto acl_file this is a denied read'} (mosquitto checks a retained message for read access when it sends it to a new subscriber, after granting the SUBSCRIBE).`;
    } else if (denied.length === reads.length) {
      text += ` The acl_file confirms a denied read: ${denied.slice(0, 5).map((o) => o.read!.text).join('; ')}.`;
    } else {
      const allowed = reads.filter((o) => o.read!.allowed);
      text += ` The acl_file allows ${allowed.length === reads.length ? 'this read' : `the read of ${allowed.map((o) => `'${o.topic}'`).join(', ')}`} (${allowed[0]!.read!.text}), so the ACL does not explain ${allowed.length === reads.length ? 'it' : 'those'}.`;
    }
    const subscriber = subscriberOf(s, sub);
    const extra: Record<string, unknown> = {
      retained: true, filter: sub.filter, subscriber, subscribers: [subscriber],
      publisher: { client_id: first.value.clientId, username: first.value.username },
      retained_topics: missing.map((o) => ({
        topic: o.topic, frame: o.value.frame || null, publisher: { client_id: o.value.clientId, username: o.value.username },
        payload_length: o.value.length, ...(o.read ? aclFields(o.read) : {}),
      })),
      window_us: this.opts.windowUs,
    };
    if (reads.length > 0) {
      const main = denied[0] ?? reads[0]!;
      extra['acl_explanation'] = reads.map((o) => o.read!.full ?? o.read!.text).join('\n\n');
      extra['acl_confirmed'] = denied.length === reads.length;
      Object.assign(extra, aclFields(main.read!));
    }
    this.ctx.emit({
      code: 'withheld-delivery', severity: 'warn', conn: s.connId, clientId: findingClientId(s), username: s.username,
      recs: [w.subscribe, w.suback], frames: missing.map((o) => o.value.frame), topic: one ? first.topic : sub.filter, text, extra,
    });
    if (s.closedAt === null) this.remember(s, sub, w.grantedAt, missing);
  }
}

/** A finding's `subscriber` (and `subscribers` entry): who holds the subscription. */
function subscriberOf(s: Session, sub: Subscription): Record<string, unknown> {
  return { client_id: findingClientId(s), username: s.username, filter: sub.filter, conn: s.connId };
}
