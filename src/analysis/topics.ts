// Per-topic statistics: messages published and delivered, last value, retained value.
import type { PacketRecord } from '../model/packet.js';
import { payloadOf, payloadPreview } from './context.js';

export interface RetainedValue {
  payload: Uint8Array;
  preview: string;
  time: number;
  frame: number;
  clientId: string | null;
}

export interface TopicStats {
  topic: string;
  /** PUBLISH packets sent by clients (DUP re-sends excluded). */
  published: number;
  /** PUBLISH packets the broker delivered to clients. */
  delivered: number;
  bytes: number;
  lastTime: number;
  /** The last payload seen (a view into its packet's bytes). */
  lastPayload: Uint8Array;
  /** Preview of the last payload, made when asked for (not on every publish). */
  readonly lastPreview: string;
  /** The retained message a new subscriber would get, as far as the capture shows. */
  retained: RetainedValue | null;
}

const EMPTY = new Uint8Array(0);

export class TopicTracker {
  readonly topics = new Map<string, TopicStats>();
  /** Publishes on topics not tracked because the table was full. */
  untracked = 0;

  constructor(private readonly maxTopics = 10_000) {}

  packet(rec: PacketRecord): void {
    if (rec.summary.type !== 3 || rec.topic === null) return;
    let t = this.topics.get(rec.topic);
    if (!t) {
      if (this.topics.size >= this.maxTopics) { this.untracked++; return; }
      t = {
        topic: rec.topic, published: 0, delivered: 0, bytes: 0, lastTime: 0, lastPayload: EMPTY, retained: null,
        get lastPreview(): string { return payloadPreview(this.lastPayload); },
      };
      this.topics.set(rec.topic, t);
    }
    const payload = payloadOf(rec);
    if (rec.dir === 'c2s') {
      if (rec.summary.dup) return;
      t.published++;
      // [MQTT-3.3.1-6]/[MQTT-3.3.1-10]: a retained PUBLISH replaces the retained message; an empty one removes it.
      if (rec.summary.retain) {
        t.retained = payload.length === 0 ? null : {
          payload: payload.slice(), preview: payloadPreview(payload), time: rec.time, frame: rec.frame, clientId: rec.clientId,
        };
      }
    } else {
      t.delivered++;
    }
    t.bytes += payload.length;
    t.lastTime = rec.time;
    t.lastPayload = payload;
  }
}
