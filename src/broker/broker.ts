// The bundled broker: aedes on a TCP listener with mosquitto 2.0 security.
import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { loadAclFile, type AclFile } from '../acl/acl-file.js';
import { loadPasswordFile, type PasswordFile } from '../acl/password-file.js';
import { createSecurity, firstSubscription, levelProblem, protocolProblem, type ParsedPacket, type SecurityEvent } from './security.js';
import { ReservedFlags } from './reserved-flags.js';
import { allowEmptySuback } from './empty-suback.js';
import { AnswerOrder } from './answer-order.js';
import { InflightWindow, MAX_INFLIGHT_MESSAGES } from './inflight.js';
import { gateWrites } from './write-hook.js';
import { ReleaseOnPubrel } from './qos2-release.js';
import { SessionPresence } from './session-present.js';
import { parseSharedFilter, SharedSubscriptions } from './shared-subscriptions.js';

export interface BrokerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** A password_file path or a parsed one. */
  passwd?: string | PasswordFile | null;
  /** An acl_file path or a parsed one. */
  acl?: string | AclFile | null;
  /** Default: true without a password file, false with one. */
  allowAnonymous?: boolean;
  /** Security decisions, for logs and tests. */
  onEvent?: (e: SecurityEvent) => void;
  /**
   * mosquitto's `max_queued_messages`: QoS 1/2 messages an offline persistent session may be
   * queued, and deliveries that may wait behind a connected client's in-flight window (default
   * 1000, mosquitto's; 0: no limit).
   */
  maxQueuedMessages?: number;
  /**
   * mosquitto's `max_inflight_messages`: QoS 1/2 deliveries a client may leave unacknowledged
   * before the next ones wait (default 20, mosquitto's; 0: no limit).
   */
  maxInflightMessages?: number;
}

export interface RunningBroker {
  host: string;
  port: number;
  aedes: Aedes;
  close(): Promise<void>;
}

/** mosquitto 2.0's default max_queued_messages: what an offline persistent session may hold. */
export const MAX_QUEUED_MESSAGES = 1000;

export async function startBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  const host = opts.host ?? '127.0.0.1';
  const passwd = typeof opts.passwd === 'string' ? await loadPasswordFile(opts.passwd) : opts.passwd ?? null;
  const acl = typeof opts.acl === 'string' ? await loadAclFile(opts.acl) : opts.acl ?? null;
  const allowAnonymous = opts.allowAnonymous ?? passwd === null;
  const security = createSecurity({ passwd, acl, allowAnonymous }, opts.onEvent);
  let shared: SharedSubscriptions | null = null;
  // aedes drops a client whose packets pile up while its CONNECT is being
  // authenticated (queueLimit, default 42): a client that sends CONNECT and a burst
  // of PUBLISHes without waiting for CONNACK is valid MQTT, and mosquitto takes it.
  const aedes = await Aedes.createBroker({
    ...security.hooks,
    // A granted (or, for a persistent session, restored) $share subscription joins its group.
    authorizeSubscribe(client, sub, done) {
      security.hooks.authorizeSubscribe(client, sub, (err, granted) => {
        const s = !err && granted ? parseSharedFilter(granted.topic) : null;
        if (s && client) shared?.join(client, s, granted!.qos);
        done(err, granted);
      });
    },
    queueLimit: 65_536,
    // aedes refuses an MQTT 3.1 client id over 23 characters with CONNACK 2; mosquitto 2.0.11 takes it.
    maxClientsIdLength: 65_535,
  });
  const aedesMaxLevels = (aedes as unknown as { maxTopicLevels?: number }).maxTopicLevels ?? 100;
  shared = new SharedSubscriptions(aedes, { isDenied: security.isDenied, mayQueue: security.mayQueue });
  // mosquitto checks read access when it queues a message for an offline persistent
  // session (as the session's last username), not only when it sends it: filter what
  // aedes queues for sessions that are not connected (its persistence API).
  const persistence = (aedes as unknown as { persistence: { outgoingEnqueueCombi: (subs: Array<{ clientId: string; topic?: string; qos?: number }>, ...rest: unknown[]) => unknown; outgoingClearMessageId(client: Client, packet: { messageId: number }): Promise<unknown> } }).persistence;
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
  // mosquitto 2.0 queues at most max_queued_messages (default 1000) for a session that is not
  // connected and drops the rest; aedes queues without limit. Counted from the
  // disconnect (what an earlier connection left unacknowledged is not counted).
  const maxQueued = opts.maxQueuedMessages ?? MAX_QUEUED_MESSAGES;
  // As mosquitto: 0, a negative value and 65535 are no limit.
  const inflightOpt = opts.maxInflightMessages ?? MAX_INFLIGHT_MESSAGES;
  const maxInflight = inflightOpt >= 65535 ? 0 : Math.max(0, Math.trunc(inflightOpt));
  const queued = new Map<string, { n: number; full: boolean }>();
  aedes.on('client', (c) => queued.delete(c.id));
  persistence.outgoingEnqueueCombi = (subs, ...rest) => {
    const packet = rest[0] as AedesPublishPacket;
    // One copy per offline session, as for a connected client (firstSubscription): aedes
    // queued one for each of the session's QoS 1/2 subscriptions that match.
    const filtersOf = new Map<string, string[]>();
    for (const sub of subs) {
      if (clients[sub.clientId] === undefined && typeof sub.topic === 'string') {
        filtersOf.set(sub.clientId, [...filtersOf.get(sub.clientId) ?? [], sub.topic]);
      }
    }
    const first = new Map([...filtersOf].map(([id, filters]) => [id, filters.length > 1 ? firstSubscription(filters, packet.topic) : filters[0]]));
    const kept = subs.filter((sub) => {
      if (clients[sub.clientId] !== undefined) return true;
      if (first.has(sub.clientId) && first.get(sub.clientId) !== sub.topic) return false;
      if (!security.mayQueue(sub.clientId, packet)) return false;
      let q = queued.get(sub.clientId);
      if (!q) queued.set(sub.clientId, q = { n: 0, full: false });
      if (maxQueued <= 0 || q.n < maxQueued) {
        q.n++;
        return true;
      }
      if (!q.full) {
        q.full = true;
        security.report({ kind: 'queue-full', clientId: sub.clientId, username: security.sessionUsername(sub.clientId), topic: packet.topic, limit: maxQueued });
      }
      return false;
    });
    // Queued at no more than the subscription's QoS (aedes queued the publish's QoS and
    // sent it so after the reconnect: z/# QoS 2 next to z/+ QoS 1 got a QoS 2 z/1; mosquitto 1).
    const sameQos = kept.filter((sub) => typeof sub.qos !== 'number' || sub.qos >= packet.qos);
    const lower = kept.filter((sub) => !sameQos.includes(sub));
    return Promise.all([
      enqueue(sameQos, ...rest),
      ...lower.map((sub) => enqueue([sub], { ...packet, qos: sub.qos } as AedesPublishPacket, ...rest.slice(1))),
    ]).then(() => undefined);
  };
  // aedes sends a new subscriber the retained messages its filters match with its own
  // matcher, which lets '#' and '+/...' match topics starting with '$' ('$foo/x'):
  // mosquitto does not [MQTT-4.7.2-1]. Each filter gets only what it matches under
  // that rule (live messages are already routed that way).
  // Each filter's retained messages go at no more than the QoS granted to that filter,
  // as mosquitto sends them: aedes capped them only by the highest QoS of all the
  // client's matching subscriptions, so re-subscribing 'r/#' at QoS 0 next to 'r/+' at
  // QoS 1 sent r/1 at QoS 1 (mosquitto: 0). aedes emits 'subscribe' with the granted
  // QoS of each filter just before it looks the retained messages up, in the same tick.
  let grants = new Map<string, number>();
  aedes.on('subscribe', (subs) => { grants = new Map(subs.map((s) => [s.topic, s.qos])); });
  const retained = persistence as unknown as { createRetainedStream(pattern: string): AsyncIterable<AedesPublishPacket>; createRetainedStreamCombi(patterns: string[]): Readable };
  retained.createRetainedStreamCombi = (patterns) => {
    const granted = grants;
    grants = new Map();
    return Readable.from((async function* () {
      for (const pattern of patterns) {
        const wild = pattern.startsWith('+') || pattern.startsWith('#');
        const qos = granted.get(pattern) ?? 2;
        for await (const packet of retained.createRetainedStream(pattern)) {
          if (wild && packet.topic.startsWith('$')) continue;
          yield packet.qos > qos ? { ...packet, qos } as AedesPublishPacket : packet;
        }
      }
    })());
  };
  // A message several subscriptions of one client match: mosquitto sends one copy,
  // through the subscription firstSubscription() names, at its QoS; aedes sent it through
  // whichever its matcher called first ('x/#' at QoS 0 before 'x/+' at QoS 2 gave QoS 0,
  // mosquitto 2). Each client subscription's handler lets only that one through, before
  // aedes' per-client de-duplication sees the message.
  const live = new Set<Client>();
  type Deliver = (packet: AedesPublishPacket, cb: () => void) => void;
  const wrapped = new WeakMap<Deliver, Deliver>();
  const mq = aedes as unknown as { subscribe(topic: string, func: Deliver, done: () => void): void; unsubscribe(topic: string, func: Deliver, done?: () => void): void };
  const subscribe = mq.subscribe.bind(aedes);
  const unsubscribe = mq.unsubscribe.bind(aedes);
  mq.subscribe = (topic, func, done) => {
    const owner = [...live].find((c) => (c as unknown as { subscriptions: Record<string, { func?: Deliver }> }).subscriptions?.[topic]?.func === func);
    if (!owner) return subscribe(topic, func, done);
    const subs = (owner as unknown as { subscriptions: Record<string, unknown> }).subscriptions;
    const only: Deliver = (packet, cb) => (firstSubscription(Object.keys(subs), packet.topic) === topic ? func(packet, cb) : cb());
    wrapped.set(func, only);
    return subscribe(topic, only, done);
  };
  mq.unsubscribe = (topic, func, done) => unsubscribe(topic, wrapped.get(func) ?? func, done);
  // mosquitto routes a client's QoS 2 message at its PUBREL; aedes at the PUBLISH.
  const release = new ReleaseOnPubrel(aedes as unknown as ConstructorParameters<typeof ReleaseOnPubrel>[0]);
  // mosquitto: Session Present 1 for any stored session, with or without subscriptions.
  const sessions = new SessionPresence();
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    // Nagle's algorithm held a packet written right after another (two deliveries in a row) until the
    // client's delayed TCP ACK, about 40 ms later on Linux; as mosquitto with set_tcp_nodelay true.
    sock.setNoDelay(true);
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    const client = aedes.handle(sock) as unknown as Client & { _parser?: EventEmitter & { parse?: (buf: Buffer) => unknown } };
    live.add(client);
    // Reserved flag bits mosquitto does not check, and the client SUBACK/UNSUBACK/PINGRESP
    // packets it ignores (src/broker/reserved-flags.ts).
    const parser = client._parser;
    if (parser?.parse) {
      const parse = parser.parse.bind(parser);
      const flags = new ReservedFlags();
      const timed = client as unknown as { _keepaliveTimer?: { refresh(): void } | null; _keepaliveInterval?: number };
      parser.parse = (buf: Buffer) => {
        const dropped = flags.dropped;
        const fed = flags.feed(buf);
        // A client SUBACK/UNSUBACK/PINGRESP mosquitto ignores was dropped: it still counts
        // as activity for the keep alive there, as every packet aedes handles does here.
        if (flags.dropped !== dropped && (timed._keepaliveInterval ?? -1) > 0) timed._keepaliveTimer?.refresh();
        const r = parse(fed);
        if (flags.done) delete parser.parse; // framing lost: mqtt-packet's own, which closes the connection
        return r;
      };
    }
    sock.on('close', () => live.delete(client));
    // mosquitto closes the connection on an UNSUBSCRIBE with an invalid filter, and
    // on packets aedes takes (packet identifier 0, a control character in a topic, ...;
    // see packetProblem). aedes has no hook for UNSUBSCRIBE, and an error from its
    // PUBLISH hook comes too late for QoS 0, so the packet is rewritten as it is
    // parsed into one aedes does not know, which makes aedes close the connection
    // in turn (after the packets before it).
    sock.on('close', () => release.closed(client));
    let connects = 0;
    // Answers leave in the order their packets arrived, as from mosquitto (src/broker/answer-order.ts),
    // and QoS 1/2 deliveries past max_inflight_messages wait for an acknowledgement (src/broker/inflight.ts).
    const order = new AnswerOrder(sock);
    // A delivery dropped because max_queued_messages already wait is not resent after a reconnect either.
    const window = new InflightWindow(maxInflight, sock, maxQueued, (packet) => {
      if (!(client as unknown as { clean?: boolean }).clean) persistence.outgoingClearMessageId(client, packet).then(() => {}, () => {});
    });
    gateWrites(sock, (packet, out) => window.write(packet, () => order.write(packet, out)));
    /** The protocol level of the client's CONNECT (3: MQTT 3.1). */
    let level = 4;
    client._parser?.prependListener('packet', (packet: ParsedPacket & { clientId?: string; clean?: boolean; protocolId?: string; protocolVersion?: number }) => {
      const cmd = packet.cmd;
      order.arrived(packet);
      window.arrived(packet);
      if (cmd === 'connect' && ++connects > 1) {
        // A second CONNECT [MQTT-3.1.0-2]: aedes closes the connection and would publish
        // the will, as for any protocol error; mosquitto 2.0.11 drops the will then.
        (client as unknown as { _disconnected: boolean })._disconnected = true;
        return;
      }
      // A CONNECT answered CONNACK 1 (see protocolProblem) must not touch the session its client id names.
      if (cmd === 'connect' && protocolProblem(packet) !== null) return;
      if (cmd === 'connect') {
        release.parsed(client, packet);
        sessions.connect(sock, packet);
        level = packet.protocolVersion ?? 4;
        if (level === 3) allowEmptySuback(sock);
      }
      if (cmd !== 'publish' && cmd !== 'subscribe' && cmd !== 'unsubscribe') return;
      const reason = security.packetProblem(packet, level)
        ?? (cmd === 'unsubscribe' ? security.invalidUnsubscribe(packet.unsubscriptions ?? []) : null);
      if (reason === null) {
        // aedes closes the connection on a topic deeper than it can match, silently: say why.
        const deep = levelProblem(packet, aedesMaxLevels);
        if (deep !== null) {
          sock.once('close', () => security.closedConnection(client, deep));
          return;
        }
        release.parsed(client, packet);
        return;
      }
      packet.cmd = `mqttscope:invalid-${cmd}`;
      sock.once('close', () => security.closedConnection(client, reason));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing listens: stop the broker too, or its timers keep the process alive.
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    aedes,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
      })();
      // server.close waits for open connections; destroy them right away.
      for (const s of sockets) s.destroy();
      return closing;
    },
  };
}
