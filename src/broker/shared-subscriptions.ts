// Shared subscriptions ($share/GROUP/FILTER) for the bundled aedes broker, which
// has none of its own: aedes grants the SUBACK and then matches the literal
// "$share/..." filter, which no publish can reach. Done here as mosquitto 2.0 does it
// (checked against mosquitto 2.0.11):
// - a group is one (GROUP, FILTER) pair; members join in subscription order;
// - each matching message goes to the member at the head of the group, which then
//   moves to the tail (round robin), whether or not that member may read it: a member
//   without read access loses the message for the whole group;
// - a member whose persistent session is offline keeps its turn: a QoS 1/2 copy is
//   queued for it (read access checked as it is queued), a QoS 0 copy is lost;
// - a clean session leaves its groups when it disconnects, an UNSUBSCRIBE leaves one;
// - a publish denied by the write ACL is routed nowhere, so no turn is used;
// - a SUBSCRIBE to a shared filter gets the retained messages its filter matches,
//   to that member alone: mosquitto 2.0.11 sends them, although MQTT 5 §4.8.2 says a
//   new shared subscription gets none; the goal here is mosquitto's behaviour. A
//   restored session gets none.
import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes';

export interface SharedFilter {
  group: string;
  filter: string;
}

/** `$share/GROUP/FILTER` → its parts; null for any other filter (including `$share/GROUP`, which matches nothing). */
export function parseSharedFilter(topic: string): SharedFilter | null {
  const m = /^\$share\/([^/]*)\/(.+)$/s.exec(topic);
  return m ? { group: m[1]!, filter: m[2]! } : null;
}

export interface SharedOptions {
  /** True for a publish that the write ACL denied (delivered to nobody). */
  isDenied(packet: AedesPublishPacket): boolean;
  /** May this offline session have the message queued (mosquitto's read check at queue time)? */
  mayQueue(clientId: string, packet: AedesPublishPacket): boolean;
}

interface Member {
  clientId: string;
  /** The connected client, or null while its persistent session is offline. */
  client: Client | null;
  qos: number;
}

interface Group {
  filter: string;
  members: Member[];
  listener: (packet: AedesPublishPacket, cb: () => void) => void;
}

const startsWithWildcard = (filter: string): boolean => filter.startsWith('+') || filter.startsWith('#');

/** The persistence method aedes uses to queue a copy for a client (its documented persistence API). */
interface Enqueuer {
  outgoingEnqueueCombi(subs: Array<{ clientId: string; topic: string; qos: number }>, packet: AedesPublishPacket): Promise<void>;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly aedes: Aedes, private readonly opts: SharedOptions) {
    aedes.on('unsubscribe', (topics: string[], client: Client) => {
      for (const t of topics) {
        const s = parseSharedFilter(t);
        if (s) this.leave(s, client.id);
      }
    });
    aedes.on('clientDisconnect', (client: Client) => {
      for (const [key, g] of this.groups) {
        for (const m of g.members.filter((x) => x.client === client)) {
          if (client.clean) this.remove(key, g, m);
          else m.client = null; // the persistent session keeps its turn
        }
      }
    });
    // aedes looks retained messages up by the literal "$share/..." filter, which matches
    // none: send the ones the group's filter matches, as mosquitto does, on SUBSCRIBE only.
    aedes.on('subscribe', (subs: Array<{ topic: string; qos: number }>, client: Client) => {
      for (const sub of subs) {
        const s = sub.qos === 128 ? null : parseSharedFilter(sub.topic);
        if (s) this.sendRetained(client, s.filter, sub.qos);
      }
    });
    aedes.on('client', (client: Client) => {
      for (const [key, g] of this.groups) {
        for (const m of g.members.filter((x) => x.clientId === client.id)) {
          // A clean start discards the old session and its subscriptions.
          if (client.clean) { if (m.client !== client) this.remove(key, g, m); }
          else m.client = client;
        }
      }
    });
  }

  /** A granted SUBSCRIBE (or a restored one) to $share/GROUP/FILTER. */
  join(client: Client, s: SharedFilter, qos: number): void {
    const key = `${s.group}\u0000${s.filter}`;
    let g = this.groups.get(key);
    if (!g) {
      const group: Group = { filter: s.filter, members: [], listener: (packet, cb) => this.deliver(group, packet, cb) };
      g = group;
      this.groups.set(key, g);
      this.aedes.subscribe(s.filter, g.listener, () => {});
    }
    const m = g.members.find((x) => x.clientId === client.id);
    if (m) {
      m.client = client;
      m.qos = qos;
    } else {
      g.members.push({ clientId: client.id, client, qos });
    }
  }

  /** The retained messages `filter` matches, to `client`, at the lower QoS, flagged retained (read access checked by Client.publish). */
  private sendRetained(client: Client, filter: string, qos: number): void {
    const persistence = (this.aedes as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<AedesPublishPacket> } }).persistence;
    void (async () => {
      for await (const r of persistence.createRetainedStream(filter)) {
        // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match '$' topics.
        if (client.closed || (r.topic.startsWith('$') && startsWithWildcard(filter))) continue;
        const copy = { cmd: 'publish', topic: r.topic, payload: r.payload, qos: Math.min(r.qos, qos) as 0 | 1 | 2, retain: true, dup: false };
        await new Promise<void>((resolve) => client.publish(copy as unknown as PublishPacket, () => resolve()));
      }
    })().catch(() => undefined);
  }

  private leave(s: SharedFilter, clientId: string): void {
    const key = `${s.group}\u0000${s.filter}`;
    const g = this.groups.get(key);
    const m = g?.members.find((x) => x.clientId === clientId);
    if (g && m) this.remove(key, g, m);
  }

  private remove(key: string, g: Group, m: Member): void {
    g.members.splice(g.members.indexOf(m), 1);
    if (g.members.length === 0) {
      this.groups.delete(key);
      this.aedes.unsubscribe(g.filter, g.listener, () => {});
    }
  }

  private deliver(g: Group, packet: AedesPublishPacket, cb: () => void): void {
    // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match '$' topics.
    if (g.members.length === 0 || this.opts.isDenied(packet)
      || (packet.topic.startsWith('$') && startsWithWildcard(g.filter))) {
      cb();
      return;
    }
    const m = g.members.shift()!;
    g.members.push(m);
    // The same message (brokerId and counter kept, so aedes' persistence can find it),
    // at the lower of the two QoS, never flagged retained.
    const copy = {
      cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: Math.min(packet.qos, m.qos) as 0 | 1 | 2,
      retain: false, dup: false, brokerId: packet.brokerId, brokerCounter: packet.brokerCounter,
    } as AedesPublishPacket;
    // The publisher's id travels with the message (aedes' no-local check uses it).
    const from = (packet as { clientId?: string }).clientId;
    if (from !== undefined) (copy as { clientId?: string }).clientId = from;
    const done = (): void => cb();
    if (m.client && !m.client.closed) {
      // Client.publish checks read access (authorizeForward) and, for a persistent
      // session, queues the copy before sending it, as aedes does for its own subscriptions.
      m.client.publish(copy as unknown as PublishPacket, done);
      return;
    }
    if (copy.qos > 0 && this.opts.mayQueue(m.clientId, copy)) {
      (this.aedes as unknown as { persistence: Enqueuer }).persistence.outgoingEnqueueCombi([{ clientId: m.clientId, topic: g.filter, qos: copy.qos }], copy)
        .then(done, done);
      return;
    }
    cb();
  }
}
