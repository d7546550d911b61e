// aedes hooks that reproduce mosquitto 2.0's password_file / acl_file behaviour
// for MQTT 3.1.1 (checked against the real mosquitto 2.0.11):
// - CONNECT: any refusal (unknown user, bad or missing password, anonymous
//   when not allowed) is CONNACK 5 "not authorized", never 4.
// - PUBLISH denied by the write ACL: acknowledged normally (PUBACK, or
//   PUBREC then PUBCOMP), not retained, delivered to nobody. aedes would
//   disconnect on an authorizePublish error, so the packet is marked instead
//   and dropped in authorizeForward.
// - SUBSCRIBE: always granted; each message (including retained ones) is
//   checked for read access on delivery (authorizeForward returning null).
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { AclFile } from '../acl/acl-file.js';
import type { PasswordFile } from '../acl/password-file.js';
import { authenticate as checkPassword } from '../acl/password-file.js';
import { isAllowed } from '../acl/explain.js';

export interface SecurityOptions {
  passwd?: PasswordFile | null;
  acl?: AclFile | null;
  allowAnonymous: boolean;
}

export type SecurityEvent =
  | { kind: 'connect-refused'; clientId: string; username: string | null; reason: string }
  | { kind: 'publish-denied'; clientId: string; username: string | null; topic: string; qos: number }
  | { kind: 'delivery-withheld'; clientId: string; username: string | null; topic: string };

/** Marks a PUBLISH denied by the write ACL; aedes keeps brokerId through Packet copies. */
export const DENIED_BROKER_ID = 'mqttscope:acl-denied';

type Hooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>;

export function createSecurityHooks(opts: SecurityOptions, onEvent: (e: SecurityEvent) => void = () => {}): Hooks {
  const usernames = new WeakMap<Client, string | null>();
  let deniedCounter = 0;
  const userOf = (client: Client | null): string | null => (client ? usernames.get(client) ?? null : null);

  const refuse = (client: Client, username: string | null, reason: string, done: (e: AuthenticateError | null, ok: boolean | null) => void): void => {
    onEvent({ kind: 'connect-refused', clientId: client.id, username, reason });
    const err = new Error(`not authorized: ${reason}`) as AuthenticateError;
    (err as { returnCode: number }).returnCode = 5; // mosquitto 2.0 uses 5 for every refusal
    done(err, false);
  };

  return {
    authenticate(client, username, password, done) {
      const user = username ?? null;
      if (user === null || !opts.passwd) {
        // Without a password_file mosquitto 2.0 lets anyone in only when allow_anonymous is true.
        if (!opts.allowAnonymous) {
          return refuse(client, user, user === null ? 'anonymous clients are not allowed' : 'no password_file and allow_anonymous is false', done);
        }
        usernames.set(client, user);
        return done(null, true);
      }
      const result = checkPassword(opts.passwd, user, password);
      if (result !== 'ok') return refuse(client, user, result, done);
      usernames.set(client, user);
      done(null, true);
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

    authorizeSubscribe(_client, subscription, done) {
      // mosquitto 2.0's acl_file plugin does not check SUBSCRIBE.
      done(null, subscription);
    },

    authorizeForward(client, packet) {
      if ((packet as { brokerId?: string }).brokerId === DENIED_BROKER_ID) return null;
      if (!opts.acl) return packet;
      const username = userOf(client);
      if (isAllowed(opts.acl, { username, clientId: client.id, access: 'read', topic: packet.topic })) return packet;
      onEvent({ kind: 'delivery-withheld', clientId: client.id, username, topic: packet.topic });
      return null;
    },
  };
}
