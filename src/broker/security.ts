// aedes hooks that reproduce mosquitto 2.0's password_file / acl_file behaviour
// for MQTT 3.1.1 (checked against the real mosquitto 2.0.11):
// - CONNECT: any refusal (unknown user, bad or missing password, anonymous
//   when not allowed) is CONNACK 5 "not authorized", never 4. An empty username
//   (or password) is read as none, as mosquitto does: "-u ''" is anonymous.
//   A password without a username closes the connection [MQTT-3.1.2-22].
// - PUBLISH denied by the write ACL: acknowledged normally (PUBACK, or
//   PUBREC then PUBCOMP), not retained, delivered to nobody. aedes would
//   disconnect on an authorizePublish error, so the packet is marked instead
//   and dropped in authorizeForward.
// - SUBSCRIBE: an invalid filter closes the connection; otherwise always
//   granted, and each message (including retained ones) is checked for read
//   access on delivery (authorizeForward returning null).
// - UNSUBSCRIBE: an invalid filter ('a+', '#/x', '$share' alone) closes the
//   connection without an UNSUBACK, as for SUBSCRIBE (aedes alone answers
//   UNSUBACK for 'a+'); see invalidUnsubscribe and startBroker.
// - Strings: mosquitto closes the connection on a topic, filter, client id,
//   username or will topic holding a control character (U+0000-U+001F,
//   U+007F-U+009F) or a non-character (U+FDD0-U+FDEF, U+xFFFE/xFFFF), on a
//   packet identifier 0, on a SUBSCRIBE or UNSUBSCRIBE without filters (MQTT 3.1.1; MQTT 3.1
//   gets SUBACK / UNSUBACK), and on a will with
//   QoS 3, an empty topic or a wildcard; aedes takes them all (packetProblem, preConnect).
// - CONNECT with protocol name "MQIsdp" and a level other than 3, or "MQTT" and
//   level 3: CONNACK 1 before anything else is checked (protocolProblem).
// - An empty client id with CleanSession 0 (or any empty id in MQTT 3.1) is
//   CONNACK 2 "identifier rejected", before the password is looked at.
// - A message queued for an offline persistent session is checked for read
//   access as it is queued, with the username the session last logged in with,
//   and again when it is sent (mayQueue).
import type { AedesOptions, AedesPublishPacket, AuthenticateError, Client } from 'aedes';
import { filterProblem, type AclFile } from '../acl/acl-file.js';
import { refusedCharacter } from '../acl/mosquitto-text.js';
import type { PasswordFile } from '../acl/password-file.js';
import { authenticate as checkPassword } from '../acl/password-file.js';
import { isAllowed } from '../acl/explain.js';
import { topicMatches } from '../protocol/topic-match.js';
import { MOSQUITTO_MAX_TOPIC_LEVELS } from '../acl/topic.js';

export interface SecurityOptions {
  passwd?: PasswordFile | null;
  acl?: AclFile | null;
  allowAnonymous: boolean;
}

export type SecurityEvent =
  | { kind: 'connect-refused'; clientId: string; username: string | null; reason: string; /** The CONNACK return code: 5, 2 for a rejected client id, 1 for an unacceptable protocol name and level. */ returnCode: number }
  | { kind: 'connection-closed'; clientId: string; username: string | null; reason: string }
  | { kind: 'publish-denied'; clientId: string; username: string | null; topic: string; qos: number }
  | { kind: 'delivery-withheld'; clientId: string; username: string | null; topic: string; offline?: boolean }
  /** An offline persistent session already holds `limit` queued messages: this one and the next are dropped (logged once per offline period). */
  | { kind: 'queue-full'; clientId: string; username: string | null; topic: string; limit: number };

/** Marks a PUBLISH denied by the write ACL; aedes keeps brokerId through Packet copies. */
export const DENIED_BROKER_ID = 'mqttscope:acl-denied';

type Hooks = Required<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>;

export interface Security {
  hooks: Hooks;
  /** True for a publish the write ACL denied. */
  isDenied(packet: { brokerId?: string }): boolean;
  /**
   * May a message be queued for the offline session `clientId`? mosquitto checks
   * read access when it queues, as the username the session last logged in with.
   */
  mayQueue(clientId: string, packet: AedesPublishPacket): boolean;
  /**
   * Why mosquitto would close the connection on this UNSUBSCRIBE (an invalid
   * filter), or null. aedes has no UNSUBSCRIBE hook: startBroker asks this
   * as the packet is parsed and has aedes close the connection instead of answering.
   */
  invalidUnsubscribe(filters: readonly string[]): string | null;
  /**
   * Why mosquitto would close the connection on this PUBLISH, SUBSCRIBE or
   * UNSUBSCRIBE from a client, or null (see packetProblem). startBroker asks this
   * as each packet is parsed, with the protocol level of the client's CONNECT.
   */
  packetProblem(packet: ParsedPacket, level?: number): string | null;
  /** Report a connection the broker closed on its own (for invalidUnsubscribe). */
  closedConnection(client: Client, reason: string): void;
  /** The username the session `clientId` last logged in with (null: none, or no such session). */
  sessionUsername(clientId: string): string | null;
  /** Report an event found outside the hooks (the offline queue limit). */
  report(e: SecurityEvent): void;
}

/** Why mosquitto closes the connection on a SUBSCRIBE or UNSUBSCRIBE of `filter`, or null. */
export function invalidFilter(filter: string): string | null {
  return filter === '$share' ? `'$share' needs a group name and a filter` : filterProblem(filter);
}

/**
 * Why mosquitto 2.0.11 refuses `what` (a UTF-8 string of a packet), or null.
 * U+0000 is forbidden by [MQTT-1.5.3-2]; for the other control characters and the
 * non-characters MQTT 3.1.1 §1.5.3 lets a receiver close the connection, and mosquitto does.
 */
export function stringProblem(what: string, value: string): string | null {
  const bad = refusedCharacter(value);
  if (bad === null) return null;
  if (bad.cp === 0) return `${what} holds U+0000 [MQTT-1.5.3-2]`;
  return `${what} holds ${bad.name} (MQTT 3.1.1 §1.5.3 lets a receiver close the connection; mosquitto does)`;
}

/** The fields of a parsed client packet that packetProblem looks at. */
export interface ParsedPacket {
  cmd: string;
  qos?: number;
  messageId?: number;
  topic?: string;
  subscriptions?: Array<{ topic: string }>;
  unsubscriptions?: string[];
}

/**
 * Why mosquitto closes the connection on this PUBLISH, SUBSCRIBE or UNSUBSCRIBE
 * (beyond what aedes itself refuses), or null.
 */
export function packetProblem(packet: ParsedPacket, level = 4): string | null {
  const name = packet.cmd.toUpperCase();
  const idZero = `${name} with packet identifier 0 [MQTT-2.3.1-1]`;
  switch (packet.cmd) {
    case 'publish':
      if ((packet.qos ?? 0) > 0 && packet.messageId === 0) return idZero;
      return stringProblem(`PUBLISH topic '${packet.topic ?? ''}'`, packet.topic ?? '');
    case 'subscribe':
      if (packet.messageId === 0) return idZero;
      // MQTT 3.1 allows a SUBSCRIBE without filters: mosquitto answers a SUBACK without return codes.
      if ((packet.subscriptions ?? []).length === 0 && level !== 3) return 'SUBSCRIBE without a topic filter [MQTT-3.8.3-3]';
      for (const s of packet.subscriptions ?? []) {
        const p = stringProblem(`SUBSCRIBE filter '${s.topic}'`, s.topic);
        if (p) return p;
      }
      return null;
    case 'unsubscribe': {
      if (packet.messageId === 0) return idZero;
      const filters = packet.unsubscriptions ?? [];
      // MQTT 3.1 allows an UNSUBSCRIBE without filters: mosquitto answers UNSUBACK.
      if (filters.length === 0 && level !== 3) return 'UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]';
      for (const f of filters) {
        const p = stringProblem(`UNSUBSCRIBE filter '${f}'`, f);
        if (p) return p;
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * Why mosquitto 2.0.11 answers this CONNECT with CONNACK 1 (unacceptable protocol
 * version) and closes the connection, or null. It reads the level with the protocol
 * name: "MQIsdp" (MQTT 3.1) goes only with level 3, "MQTT" only with 4 or 5 [MQTT-3.1.2-2].
 * aedes alone looks at the level only, so it took "MQIsdp" level 4 and "MQTT" level 3.
 * (mqtt-packet has already stripped the bridge bit 0x80 from the level, as mosquitto does.)
 */
export function protocolProblem(packet: { cmd?: string; protocolId?: string; protocolVersion?: number }): string | null {
  const name = packet.protocolId;
  const level = packet.protocolVersion;
  if (name === undefined || level === undefined) return null;
  if (name === 'MQIsdp' && level !== 3) return `unacceptable protocol version: protocol name MQIsdp (MQTT 3.1) with level ${level} (MQIsdp needs level 3)`;
  if (name === 'MQTT' && level === 3) return 'unacceptable protocol version: protocol name MQTT with level 3 (MQTT 3.1 is MQIsdp level 3; MQTT needs level 4 or 5)';
  return null;
}

/**
 * Why aedes will close the connection on this PUBLISH, SUBSCRIBE or UNSUBSCRIBE because
 * a topic or filter has more than `aedesMax` levels (its matcher cannot hold more), or
 * null. aedes closes such a connection without saying why; this is the reason to log.
 */
export function levelProblem(packet: ParsedPacket, aedesMax: number): string | null {
  const topics = packet.cmd === 'publish' ? [packet.topic ?? '']
    : packet.cmd === 'subscribe' ? (packet.subscriptions ?? []).map((s) => s.topic)
    : packet.cmd === 'unsubscribe' ? packet.unsubscriptions ?? [] : [];
  for (const t of topics) {
    const levels = t.split('/').length;
    if (levels <= aedesMax) continue;
    const what = `${packet.cmd === 'publish' ? 'PUBLISH topic' : `${packet.cmd.toUpperCase()} filter`} '${t.length > 40 ? `${t.slice(0, 40)}...` : t}' has ${levels} levels`;
    return levels > MOSQUITTO_MAX_TOPIC_LEVELS
      ? `${what}; mosquitto takes at most ${MOSQUITTO_MAX_TOPIC_LEVELS}`
      : `${what}; the bundled broker (aedes) takes at most ${aedesMax} (mosquitto 2.0.11 takes up to ${MOSQUITTO_MAX_TOPIC_LEVELS}: use --broker mosquitto)`;
  }
  return null;
}

/** Why mosquitto closes the connection on this CONNECT without a CONNACK (a protocol error), or null. */
function connectProblem(packet: { clientId?: string; username?: string; will?: { topic?: string; qos?: number } | null }): string | null {
  const will = packet.will ?? null;
  if (will && will.qos === 3) return 'will QoS 3 [MQTT-3.1.2-14]';
  const id = stringProblem(`client id '${packet.clientId ?? ''}'`, packet.clientId ?? '');
  if (id) return id;
  return null;
}

function willProblem(packet: { username?: string; will?: { topic?: string } | null }): string | null {
  const topic = packet.will?.topic;
  if (packet.will && topic !== undefined) {
    if (topic === '') return 'empty will topic [MQTT-4.7.3-1]';
    if (topic.includes('+') || topic.includes('#')) return `will topic '${topic}' holds a wildcard [MQTT-3.3.2-2]`;
    const p = stringProblem(`will topic '${topic}'`, topic);
    if (p) return p;
  }
  if (packet.username !== undefined) return stringProblem(`username '${packet.username}'`, packet.username);
  return null;
}

/** The aedes hooks alone (see createSecurity for the session checks that go with them). */
export function createSecurityHooks(opts: SecurityOptions, onEvent: (e: SecurityEvent) => void = () => {}): Hooks {
  return createSecurity(opts, onEvent).hooks;
}

export function createSecurity(opts: SecurityOptions, onEvent: (e: SecurityEvent) => void = () => {}): Security {
  const usernames = new WeakMap<Client, string | null>();
  /** Clients whose CONNECT gets CONNACK 2 (an empty client id mosquitto does not take). */
  const idRejected = new WeakSet<Client>();
  /** Client id → username of the last successful login with it (what mosquitto keeps with the session). */
  const sessionUser = new Map<string, string | null>();
  let deniedCounter = 0;
  const userOf = (client: Client | null): string | null => (client ? usernames.get(client) ?? null : null);
  const isDenied = (packet: { brokerId?: string }): boolean => packet.brokerId === DENIED_BROKER_ID;

  const refuse = (client: Client, username: string | null, reason: string, done: (e: AuthenticateError | null, ok: boolean | null) => void): void => {
    onEvent({ kind: 'connect-refused', clientId: client.id, username, reason, returnCode: 5 });
    const err = new Error(`not authorized: ${reason}`) as AuthenticateError;
    (err as { returnCode: number }).returnCode = 5; // mosquitto 2.0 uses 5 for every refusal
    done(err, false);
  };
  const accept = (client: Client, user: string | null, done: (e: AuthenticateError | null, ok: boolean | null) => void): void => {
    usernames.set(client, user);
    sessionUser.set(client.id, user);
    done(null, true);
  };

  const hooks: Hooks = {
    preConnect(client, packet, done) {
      const close = (reason: string): void => {
        onEvent({ kind: 'connection-closed', clientId: packet.clientId ?? '', username: packet.username ?? null, reason });
        done(new Error(reason), false);
      };
      // mosquitto looks at the protocol name and level first: CONNACK 1, nothing else checked.
      const protocol = protocolProblem(packet);
      if (protocol) {
        onEvent({ kind: 'connect-refused', clientId: packet.clientId ?? '', username: packet.username ? packet.username : null, reason: protocol, returnCode: 1 });
        // aedes answers CONNACK 1 (and closes the connection) for a level it does not take.
        (packet as { protocolVersion: number }).protocolVersion = 0;
        return done(null, true);
      }
      // In mosquitto's order: will flags, client id, then (unless the id is
      // rejected with CONNACK 2) will topic, username and password.
      const early = connectProblem(packet);
      if (early) return close(early);
      const level = packet.protocolVersion ?? 4;
      if (packet.clientId === '' && (level === 3 || (level === 4 && !packet.clean))) {
        // CONNACK 2, sent from authenticate (aedes sends only 2-5 from there).
        idRejected.add(client);
        return done(null, true);
      }
      const late = willProblem(packet);
      if (late) return close(late);
      // [MQTT-3.1.2-22]: in 3.1/3.1.1 a password needs the username flag; mosquitto closes the connection.
      if (packet.password !== undefined && packet.username === undefined && level <= 4) {
        return close('password flag set without the username flag [MQTT-3.1.2-22]');
      }
      done(null, true);
    },

    authenticate(client, username, password, done) {
      if (idRejected.has(client)) {
        const reason = client.version === 3
          ? 'identifier rejected: an empty client id (MQTT 3.1 needs 1-23 characters)'
          : 'identifier rejected: an empty client id needs CleanSession 1 [MQTT-3.1.3-8]';
        onEvent({ kind: 'connect-refused', clientId: '', username: username ? username : null, reason, returnCode: 2 });
        const err = new Error(reason) as AuthenticateError;
        (err as { returnCode: number }).returnCode = 2;
        return done(err, false);
      }
      // mosquitto reads a zero-length username or password as absent.
      const user = username ? username : null;
      const pw = password && password.length > 0 ? password : undefined;
      if (user === null || !opts.passwd) {
        // Without a password_file (or without a username) mosquitto 2.0 lets the client in only when allow_anonymous is true.
        if (!opts.allowAnonymous) {
          return refuse(client, user, user === null ? 'anonymous clients are not allowed' : 'no password_file and allow_anonymous is false', done);
        }
        return accept(client, user, done);
      }
      const result = checkPassword(opts.passwd, user, pw);
      if (result !== 'ok') return refuse(client, user, result, done);
      accept(client, user, done);
    },

    authorizePublish(client, packet, done) {
      const username = userOf(client);
      const ok = isAllowed(opts.acl ?? null, { username, clientId: client?.id, access: 'write', topic: packet.topic });
      if (!ok) {
        onEvent({ kind: 'publish-denied', clientId: client?.id ?? '', username, topic: packet.topic, qos: packet.qos });
        // Acknowledge as usual but deliver to nobody and do not touch retained messages.
        packet.retain = false;
        const p = packet as typeof packet & { brokerId?: string; brokerCounter?: number };
        p.brokerId = DENIED_BROKER_ID;
        p.brokerCounter = ++deniedCounter;
      }
      done(null);
    },

    authorizeSubscribe(client, subscription, done) {
      // An invalid filter is a protocol violation: mosquitto closes the connection
      // (aedes' own check lets 'a+' and the like through and grants them).
      const topic = subscription.topic;
      const problem = invalidFilter(topic);
      if (problem) {
        const reason = `invalid SUBSCRIBE filter '${topic}': ${problem}`;
        onEvent({ kind: 'connection-closed', clientId: client?.id ?? '', username: userOf(client), reason });
        return done(new Error(reason), null);
      }
      // mosquitto 2.0's acl_file plugin does not check SUBSCRIBE.
      done(null, subscription);
    },

    authorizeForward(client, packet) {
      if (isDenied(packet)) return null;
      if (!opts.acl) return grantedQos(client, packet);
      const username = userOf(client);
      if (isAllowed(opts.acl, { username, clientId: client.id, access: 'read', topic: packet.topic })) return grantedQos(client, packet);
      onEvent({ kind: 'delivery-withheld', clientId: client.id, username, topic: packet.topic });
      return null;
    },
  };

  return {
    hooks,
    isDenied,
    packetProblem,
    invalidUnsubscribe(filters) {
      for (const f of filters) {
        const problem = invalidFilter(f);
        if (problem) return `invalid UNSUBSCRIBE filter '${f}': ${problem}`;
      }
      return null;
    },
    closedConnection(client, reason) {
      onEvent({ kind: 'connection-closed', clientId: client.id, username: userOf(client), reason });
    },
    sessionUsername: (clientId) => sessionUser.get(clientId) ?? null,
    report: (e) => onEvent(e),
    mayQueue(clientId, packet) {
      if (isDenied(packet)) return false;
      if (!opts.acl) return true;
      const username = sessionUser.get(clientId) ?? null;
      if (isAllowed(opts.acl, { username, clientId, access: 'read', topic: packet.topic })) return true;
      onEvent({ kind: 'delivery-withheld', clientId, username, topic: packet.topic, offline: true });
      return false;
    },
  };
}

/**
 * Of a client's subscriptions (filter → granted QoS), the one mosquitto 2.0.11 delivers
 * `topic` through when several match: it sends an MQTT 3.1/3.1.1 client one copy, through
 * the first match of its walk of the subscription tree, which at each level visits the
 * literal level, then '+', then '#', and, after the topic's last level, a trailing '#'
 * before the filter that ends there. Shared subscriptions ($share/...) are not counted
 * (they deliver their own copies). null when none matches.
 */
export function firstSubscription(filters: Iterable<string>, topic: string): string | null {
  const n = topic.split('/').length;
  const key = (filter: string): number[] => {
    const levels = filter.split('/');
    const k = levels.map((l, i) => (i >= n ? 0 : l === '#' ? 2 : l === '+' ? 1 : 0));
    if (levels.length === n) k.push(1);
    return k;
  };
  let best: string | null = null;
  let bestKey: number[] = [];
  for (const f of filters) {
    if (f.startsWith('$share/') || !topicMatches(f, topic)) continue;
    const k = key(f);
    let cmp = 0;
    for (let i = 0; cmp === 0 && i < Math.max(k.length, bestKey.length); i++) cmp = (k[i] ?? -1) - (bestKey[i] ?? -1);
    if (best === null || cmp < 0) { best = f; bestKey = k; }
  }
  return best;
}

/**
 * A delivery at no more than the QoS granted to the subscription mosquitto delivers it
 * through (firstSubscription) [MQTT-3.8.4-7]. aedes downgrades only for a subscription to
 * the exact topic: through a wildcard filter granted QoS 1 it sent a QoS 2 publish at
 * QoS 2 (mosquitto sends QoS 1). Shared subscriptions deliver their own copies.
 */
function grantedQos(client: Client, packet: AedesPublishPacket): AedesPublishPacket {
  if (packet.qos === 0) return packet;
  const subs = (client as unknown as { subscriptions?: Record<string, { qos: number }> }).subscriptions;
  if (!subs || subs[packet.topic] !== undefined) return packet;
  // The retained messages aedes sends a new subscriber (retain set, brokerId null: no
  // shared copy looks like that) are capped per filter as they are looked up (startBroker).
  if (packet.retain && packet.brokerId === null) return packet;
  const first = firstSubscription(Object.keys(subs), packet.topic);
  if (first === null) return packet;
  const qos = subs[first]!.qos;
  // A QoS 0 subscription delivers through aedes' QoS 0 path already.
  if (qos === 0 || qos >= packet.qos) return packet;
  return { ...packet, qos } as AedesPublishPacket;
}
