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
// - A message queued for an offline persistent session is checked for read
//   access as it is queued, with the username the session last logged in with,
//   and again when it is sent (mayQueue).
import type { AedesOptions, AedesPublishPacket, AuthenticateError, Client } from 'aedes';
import { filterProblem, type AclFile } from '../acl/acl-file.js';
import type { PasswordFile } from '../acl/password-file.js';
import { authenticate as checkPassword } from '../acl/password-file.js';
import { isAllowed } from '../acl/explain.js';
import { topicMatches } from '../protocol/topic-match.js';

export interface SecurityOptions {
  passwd?: PasswordFile | null;
  acl?: AclFile | null;
  allowAnonymous: boolean;
}

export type SecurityEvent =
  | { kind: 'connect-refused'; clientId: string; username: string | null; reason: string }
  | { kind: 'connection-closed'; clientId: string; username: string | null; reason: string }
  | { kind: 'publish-denied'; clientId: string; username: string | null; topic: string; qos: number }
  | { kind: 'delivery-withheld'; clientId: string; username: string | null; topic: string; offline?: boolean };

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
  /** Report a connection the broker closed on its own (for invalidUnsubscribe). */
  closedConnection(client: Client, reason: string): void;
}

/** Why mosquitto closes the connection on a SUBSCRIBE or UNSUBSCRIBE of `filter`, or null. */
export function invalidFilter(filter: string): string | null {
  return filter === '$share' ? `'$share' needs a group name and a filter` : filterProblem(filter);
}

/** The aedes hooks alone (see createSecurity for the session checks that go with them). */
export function createSecurityHooks(opts: SecurityOptions, onEvent: (e: SecurityEvent) => void = () => {}): Hooks {
  return createSecurity(opts, onEvent).hooks;
}

export function createSecurity(opts: SecurityOptions, onEvent: (e: SecurityEvent) => void = () => {}): Security {
  const usernames = new WeakMap<Client, string | null>();
  /** Client id → username of the last successful login with it (what mosquitto keeps with the session). */
  const sessionUser = new Map<string, string | null>();
  let deniedCounter = 0;
  const userOf = (client: Client | null): string | null => (client ? usernames.get(client) ?? null : null);
  const isDenied = (packet: { brokerId?: string }): boolean => packet.brokerId === DENIED_BROKER_ID;

  const refuse = (client: Client, username: string | null, reason: string, done: (e: AuthenticateError | null, ok: boolean | null) => void): void => {
    onEvent({ kind: 'connect-refused', clientId: client.id, username, reason });
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
      // [MQTT-3.1.2-22]: in 3.1/3.1.1 a password needs the username flag; mosquitto closes the connection.
      if (packet.password !== undefined && packet.username === undefined && (packet.protocolVersion ?? 4) <= 4) {
        const reason = 'password flag set without the username flag [MQTT-3.1.2-22]';
        onEvent({ kind: 'connection-closed', clientId: packet.clientId ?? '', username: null, reason });
        return done(new Error(reason), false);
      }
      done(null, true);
    },

    authenticate(client, username, password, done) {
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
 * A delivery at no more than the QoS granted to the client's subscriptions that
 * match the topic [MQTT-3.8.4-7]. aedes downgrades only for a subscription to the
 * exact topic: through a wildcard filter granted QoS 1 it sent a QoS 2 publish at
 * QoS 2 (mosquitto sends QoS 1). Shared subscriptions deliver their own copies.
 */
function grantedQos(client: Client, packet: AedesPublishPacket): AedesPublishPacket {
  if (packet.qos < 2) return packet;
  const subs = (client as unknown as { subscriptions?: Record<string, { qos: number }> }).subscriptions;
  if (!subs || subs[packet.topic] !== undefined) return packet;
  let max = -1;
  for (const filter of Object.keys(subs)) {
    if (!filter.startsWith('$share/') && topicMatches(filter, packet.topic)) max = Math.max(max, subs[filter]!.qos);
  }
  // QoS 0 subscriptions deliver through aedes' QoS 0 path already; only lower 2 to 1 here.
  return max === 1 ? { ...packet, qos: 1 } as AedesPublishPacket : packet;
}
