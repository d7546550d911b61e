// mosquitto 2.0 routes a QoS 2 PUBLISH from a client when the client's PUBREL
// arrives (it keeps the message with the session until then, also across a
// reconnect of a persistent session) and retains it then; aedes routes it at the
// PUBLISH, before its PUBREC. So through aedes alone a subscriber got the message
// before the publisher's PUBREL, and got it even when the publisher went away
// without ever sending PUBREL, which mosquitto never delivers.
//
// ReleaseOnPubrel holds each client QoS 2 message aedes hands to publish() and
// lets it through when aedes handles the PUBREL with the same packet identifier.
// Messages are keyed by the CONNECT's client id (a connection with an empty id
// gets a key of its own), so a persistent session's PUBREL re-sent on a new
// connection releases it; a CleanSession 1 CONNECT drops what its client id held.
import type { AedesPublishPacket, Client } from 'aedes';

interface Held {
  /** The parsed PUBLISH, until aedes hands it to publish(). */
  parsed: object;
  /** The message aedes handed to publish(), held until the PUBREL. */
  packet: AedesPublishPacket | null;
  /** The PUBREL was handled before aedes handed the message over (same read chunk). */
  released: boolean;
  /** The connection that sent the PUBLISH. */
  conn: Client;
}

type Publish = (packet: AedesPublishPacket, client: Client | null, done: (err?: Error | null) => void) => void;

interface AedesLike {
  publish: Publish;
  persistence: { incomingGetPacket: (client: Client, packet: { cmd: string; messageId?: number }) => unknown };
}

export class ReleaseOnPubrel {
  private readonly held = new Map<string, Map<number, Held>>();
  private readonly keyOf = new WeakMap<Client, string>();
  private readonly clean = new WeakMap<Client, boolean>();
  private readonly fromClient = new WeakSet<object>();
  private readonly publish: Publish;
  private anon = 0;

  constructor(aedes: AedesLike) {
    const publish = aedes.publish.bind(aedes) as Publish;
    this.publish = publish;
    aedes.publish = (packet, client, done) => {
      if (typeof client === 'function') return publish(packet, null, client);
      const entry = client && this.fromClient.has(packet) ? this.entry(client, packet.messageId) : undefined;
      if (!entry || entry.parsed !== packet) return publish(packet, client, done);
      this.fromClient.delete(packet);
      if (entry.released) {
        this.drop(client!, packet.messageId!);
        return publish(packet, client, done);
      }
      entry.packet = packet;
      queueMicrotask(() => done?.(null)); // aedes now sends PUBREC
    };
    const persistence = aedes.persistence;
    const get = persistence.incomingGetPacket.bind(persistence);
    persistence.incomingGetPacket = (client, packet) => {
      if (packet.cmd === 'pubrel') this.release(client, packet.messageId);
      return get(client, packet);
    };
  }

  /** A packet parsed from `client`'s connection (call before aedes handles it). */
  parsed(client: Client, packet: { cmd: string; qos?: number; messageId?: number; clientId?: string; clean?: boolean }): void {
    if (packet.cmd === 'connect') {
      const key = packet.clientId ? `id:${packet.clientId}` : `conn:${++this.anon}`;
      this.keyOf.set(client, key);
      this.clean.set(client, packet.clean !== false);
      if (packet.clean !== false) this.held.delete(key);
      return;
    }
    if (packet.cmd !== 'publish' || packet.qos !== 2 || packet.messageId === undefined) return;
    const key = this.keyOf.get(client);
    if (key === undefined) return;
    let m = this.held.get(key);
    if (!m) this.held.set(key, m = new Map());
    // A resent PUBLISH (DUP) of a held message: aedes answers PUBREC and does not publish it again.
    if (m.has(packet.messageId)) return;
    m.set(packet.messageId, { parsed: packet, packet: null, released: false, conn: client });
    this.fromClient.add(packet);
  }

  /** The connection closed: what it never handed over goes, and all it held when its session was clean. */
  closed(client: Client): void {
    const key = this.keyOf.get(client);
    const m = key === undefined ? undefined : this.held.get(key);
    if (!m) return;
    const clean = this.clean.get(client) !== false;
    for (const [id, e] of m) if (e.conn === client && (clean || e.packet === null)) m.delete(id);
    if (m.size === 0) this.held.delete(key!);
  }

  private entry(client: Client, id: number | undefined): Held | undefined {
    const key = this.keyOf.get(client);
    return key === undefined || id === undefined ? undefined : this.held.get(key)?.get(id);
  }

  private drop(client: Client, id: number): void {
    const key = this.keyOf.get(client)!;
    const m = this.held.get(key);
    m?.delete(id);
    if (m?.size === 0) this.held.delete(key);
  }

  private release(client: Client, id: number | undefined): void {
    const e = this.entry(client, id);
    if (!e) return;
    if (e.packet === null) {
      e.released = true;
      return;
    }
    this.drop(client, id!);
    this.publish(e.packet, client, () => {});
  }
}
