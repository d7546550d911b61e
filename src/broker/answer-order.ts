// mosquitto 2.0.11 handles a client's packets one after the other, so its answers (SUBACK,
// UNSUBACK, PUBACK, PUBREC, PUBCOMP, PINGRESP) leave in the order the packets arrived. aedes
// handles every packet of one socket read at once, and answers a PINGREQ (or a QoS 1 PUBLISH)
// before a SUBSCRIBE or QoS 2 PUBLISH of the same read, whose answers wait on its hooks and its
// persistence: SUBSCRIBE + PINGREQ in one write got PINGRESP, SUBACK. AnswerOrder notes each
// packet that gets an answer as it is parsed and holds an answer aedes writes early until the
// answers to the packets before it are out (the socket's write gate). Only answers wait, and
// only behind earlier answers: deliveries, CONNACK and everything else go out as aedes writes them.
import type { OutgoingPacket } from './write-hook.js';

interface Slot {
  /** The answer's packet type. */
  answer: string;
  /** Its packet identifier (undefined for PINGRESP). */
  id: number | undefined;
  /** The held write, once aedes has written the answer before its turn. */
  held: (() => boolean) | null;
}

/** The answer `packet` (as mqtt-packet parses it) gets, or null. */
function answerOf(packet: { cmd: string; qos?: number }): string | null {
  switch (packet.cmd) {
    case 'subscribe': return 'suback';
    case 'unsubscribe': return 'unsuback';
    case 'pingreq': return 'pingresp';
    case 'pubrel': return 'pubcomp';
    case 'publish': return packet.qos === 1 ? 'puback' : packet.qos === 2 ? 'pubrec' : null;
    default: return null;
  }
}

const ANSWERS = new Set(['suback', 'unsuback', 'pingresp', 'pubcomp', 'puback', 'pubrec']);

export class AnswerOrder {
  private readonly slots: Slot[] = [];

  constructor(private readonly sock: { destroyed?: boolean }) {}

  /** A packet parsed from the client (call before aedes handles it). */
  arrived(packet: { cmd: string; qos?: number; messageId?: number }): void {
    const answer = answerOf(packet);
    if (answer !== null) this.slots.push({ answer, id: answer === 'pingresp' ? undefined : packet.messageId, held: null });
  }

  /** A packet aedes writes on the socket (write-hook.ts gateWrites): an early answer waits. */
  write(packet: OutgoingPacket, out: () => boolean): boolean {
    if (!ANSWERS.has(packet.cmd)) return out();
    const id = packet.cmd === 'pingresp' ? undefined : packet.messageId;
    const at = this.slots.findIndex((s) => s.held === null && s.answer === packet.cmd && s.id === id);
    // Not an answer to a packet noted here (aedes' own, or one noted wrongly): never held.
    if (at < 0) return out();
    if (at > 0) {
      this.slots[at]!.held = out;
      return true;
    }
    this.slots.shift();
    const r = out();
    while (this.slots[0]?.held) {
      const held = this.slots.shift()!.held!;
      if (!this.sock.destroyed) held();
    }
    return r;
  }
}
