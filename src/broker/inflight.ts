// mosquitto 2.0.11 keeps at most max_inflight_messages (20 by default) QoS 1/2 deliveries
// unacknowledged per client: the rest wait, in order, until a PUBACK (QoS 1) or PUBCOMP (QoS 2)
// frees a place; QoS 0 deliveries are not counted and are not held. aedes wrote every delivery
// at once (100 QoS 1 messages to a subscriber that does not acknowledge: mosquitto 20, aedes 100).
// InflightWindow sits on the client socket's write gate (write-hook.ts gateWrites) and holds the
// QoS 1/2 PUBLISHes past the window; aedes has already given them their packet identifiers
// and, for a persistent session, stored them, so what it resends after a reconnect is unchanged.

/** mosquitto 2.0's default max_inflight_messages. */
export const MAX_INFLIGHT_MESSAGES = 20;

export class InflightWindow {
  /** Packet identifiers of the QoS 1/2 deliveries sent and not yet completed, with their QoS. */
  private readonly inflight = new Map<number, number>();
  private readonly waiting: Array<{ id: number; qos: number; out: () => boolean }> = [];
  /** mosquitto's send quota: a delivery goes out at once while it is above 0. */
  private quota: number;

  /**
   * `max` <= 0: no limit (as mosquitto's 0). `maxQueued` (max_queued_messages, <= 0: no limit):
   * mosquitto drops a delivery to a connected client when that many already wait;
   * `drop` is told of each one dropped so.
   */
  constructor(private readonly max: number, private readonly sock: { destroyed?: boolean },
    private readonly maxQueued = 0, private readonly drop: (packet: { messageId: number }) => void = () => {}) {
    this.quota = max;
  }

  /** A packet aedes writes on the socket: a QoS 1/2 PUBLISH past the window waits. */
  write(packet: { cmd: string; qos?: unknown; messageId?: unknown }, out: () => boolean): boolean {
    if (this.max <= 0 || packet.cmd !== 'publish' || typeof packet.qos !== 'number' || packet.qos === 0 || typeof packet.messageId !== 'number') return out();
    // A resend of a delivery already in flight (DUP) takes no new place.
    if (this.inflight.has(packet.messageId)) return out();
    if (this.quota <= 0) {
      if (this.maxQueued > 0 && this.waiting.length >= this.maxQueued) {
        this.drop({ messageId: packet.messageId });
        return true;
      }
      this.waiting.push({ id: packet.messageId, qos: packet.qos, out });
      return true;
    }
    this.quota--;
    this.inflight.set(packet.messageId, packet.qos);
    return out();
  }

  /**
   * A packet from the client: the PUBACK (QoS 1) or PUBCOMP (QoS 2) of a delivery in flight
   * gives one place back. mosquitto 2.0.11 then sends up to max_inflight_messages waiting
   * deliveries at once, not one (checked with 3: 6 published, 3 sent; one PUBACK, 6 sent; the
   * next delivery then waits for the next PUBACK), and so does the window here.
   */
  arrived(packet: { cmd: string; messageId?: number }): void {
    if (packet.cmd !== 'puback' && packet.cmd !== 'pubcomp') return;
    const id = packet.messageId;
    if (id === undefined || this.inflight.get(id) !== (packet.cmd === 'puback' ? 1 : 2)) return;
    this.inflight.delete(id);
    this.quota = Math.min(this.quota + 1, this.max);
    for (let n = 0; n < this.max && this.waiting.length > 0 && !this.sock.destroyed; n++) {
      const next = this.waiting.shift()!;
      this.quota = Math.max(0, this.quota - 1);
      this.inflight.set(next.id, next.qos);
      next.out();
    }
  }
}
