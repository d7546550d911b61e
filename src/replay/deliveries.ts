// Packet ids of the broker's own deliveries. A broker picks the id of every
// QoS 1/2 PUBLISH it sends to a client [MQTT-2.2.1-3], so a replayed client
// must acknowledge the id the live broker used, not the captured one. A
// delivery is identified across runs by its topic, QoS and its position among
// the deliveries with that topic and QoS on the connection. A retained message the
// broker sends on a new subscription (retain flag 1) is another delivery than a
// live one on the same topic (retain 0): it is counted apart, so that a retained
// message left on the broker by an earlier run is not taken for the first live
// delivery (and acknowledged in its place).

import { decodeVarint } from '../protocol/varint.js';

export interface Delivery {
  /** `topic|qos` (`topic|qos|retained` for retain 1): deliveries with equal keys are told apart by `ordinal`. */
  key: string;
  ordinal: number;
  topic: string;
  qos: number;
  packetId: number;
  /** Captured frame (0 for a live delivery). */
  frame: number;
  /** The broker's PUBREL for this QoS 2 delivery was seen. */
  pubrel: boolean;
}

export function deliveryKey(topic: string, qos: number, retain = false): string {
  return retain ? `${topic}|${qos}|retained` : `${topic}|${qos}`;
}

/** The deliveries of one connection, in the order the broker sent them. */
export class DeliveryTracker {
  /** With `keepAll`: the deliveries not yet done, per key, by ordinal. */
  private readonly byKey = new Map<string, Map<number, Delivery>>();
  private keptCount = 0;
  /** Deliveries so far per key (all that is kept without `keepAll`). */
  private readonly counts = new Map<string, number>();
  /** Latest delivery per packet id (ids are reused once a flow completes). */
  private readonly byId = new Map<number, Delivery>();

  /**
   * @param keepAll keep every delivery, for `counterpart`. Without it only the
   * latest delivery per packet id is kept (at most 65,535) and a count per
   * topic and QoS, which is all that naming a delivery by its id needs.
   */
  constructor(private readonly keepAll = true) {}

  /** A broker → client PUBLISH with QoS 1 or 2. */
  publish(topic: string, qos: number, packetId: number, frame = 0, retain = false): Delivery {
    const key = deliveryKey(topic, qos, retain);
    const ordinal = this.counts.get(key) ?? 0;
    this.counts.set(key, ordinal + 1);
    const d: Delivery = { key, ordinal, topic, qos, packetId, frame, pubrel: false };
    if (this.keepAll) {
      let m = this.byKey.get(key);
      if (!m) this.byKey.set(key, (m = new Map()));
      m.set(ordinal, d);
      this.keptCount++;
    }
    this.byId.set(packetId, d);
    return d;
  }

  /** A broker → client PUBREL: marks the QoS 2 delivery it releases. */
  pubrel(packetId: number): Delivery | undefined {
    const d = this.byId.get(packetId);
    if (d) d.pubrel = true;
    return d;
  }

  /** The delivery a packet id currently refers to. */
  ofId(packetId: number): Delivery | undefined {
    return this.byId.get(packetId);
  }

  /** The delivery in the same position as `d` (from another run), if it happened (needs `keepAll`). */
  counterpart(d: Pick<Delivery, 'key' | 'ordinal'>): Delivery | undefined {
    return this.byKey.get(d.key)?.get(d.ordinal);
  }

  /**
   * The client has completed this delivery (its PUBACK, or its PUBCOMP for QoS 2
   * was sent): no later ack can name it, so it is let go. Without this a
   * subscriber receiving a million QoS 1 messages kept a record of each.
   */
  done(d: Delivery): void {
    const m = this.byKey.get(d.key);
    if (!m || m.get(d.ordinal) !== d) return;
    m.delete(d.ordinal);
    this.keptCount--;
    if (m.size === 0) this.byKey.delete(d.key);
  }

  /** Deliveries kept for `counterpart` (those not done yet). */
  get kept(): number {
    return this.keptCount;
  }
}

/**
 * A copy of an ack (PUBACK, PUBREC, PUBREL, PUBCOMP) carrying `packetId`. The
 * id follows the fixed header in all of them [MQTT-3.4.2], so the length is unchanged.
 */
export function withPacketId(ack: Uint8Array, packetId: number): Uint8Array {
  const rl = decodeVarint(ack, 1);
  if (typeof rl !== 'object' || rl.next + 2 > ack.length) return ack;
  const out = new Uint8Array(ack); // a copy (Buffer#slice would share memory)
  out[rl.next] = packetId >> 8;
  out[rl.next + 1] = packetId & 0xff;
  return out;
}
