// Per-topic statistics: messages published and delivered, last value, retained value.
import type { PacketRecord } from '../model/packet.js';
import { payloadLength, payloadOf, payloadPreview } from './context.js';

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
  /** The last payload seen (a view into its packet's bytes, made when asked for). */
  readonly lastPayload: Uint8Array;
  /** Preview of the last payload, made when asked for (not on every publish). */
  readonly lastPreview: string;
  /** The retained message a new subscriber would get, as far as the capture shows. */
  retained: RetainedValue | null;
}

const EMPTY = new Uint8Array(0);

/**
 * One topic's counters. The hot path only counts and remembers the last record:
 * the payload view and its preview are made when a snapshot asks for them, so a
 * publish never touches `rec.bytes` unless it is retained.
 */
class TopicEntry implements TopicStats {
  published = 0;
  delivered = 0;
  bytes = 0;
  lastTime = 0;
  retained: RetainedValue | null = null;
  /** The record whose payload is the last one seen. */
  lastRec: PacketRecord | null = null;

  constructor(readonly topic: string) {}

  get lastPayload(): Uint8Array {
    return this.lastRec ? payloadOf(this.lastRec) : EMPTY;
  }

  get lastPreview(): string {
    return payloadPreview(this.lastPayload);
  }
}

export class TopicTracker {
  readonly topics = new Map<string, TopicStats>();
  /** Publishes on topics not tracked because the table was full. */
  untracked = 0;
  /** The entry of the previous publish: runs of one topic skip the map lookup. */
  private last: TopicEntry | null = null;

  constructor(private readonly maxTopics = 10_000) {}

  packet(rec: PacketRecord): void {
    const sum = rec.summary;
    const topic = rec.topic;
    if (sum.type !== 3 || topic === null) return;
    let t = this.last;
    if (t === null || t.topic !== topic) {
      t = this.topics.get(topic) as TopicEntry | undefined ?? null;
      if (t === null) {
        if (this.topics.size >= this.maxTopics) { this.untracked++; return; }
        t = new TopicEntry(topic);
        this.topics.set(topic, t);
      }
      this.last = t;
    }
    if (rec.dir === 'c2s') {
      if (sum.dup) return;
      t.published++;
      // [MQTT-3.3.1-6]/[MQTT-3.3.1-10]: a retained PUBLISH replaces the retained message; an empty one removes it.
      if (sum.retain) {
        const payload = payloadOf(rec);
        t.retained = payload.length === 0 ? null : {
          payload: payload.slice(), preview: payloadPreview(payload), time: rec.time, frame: rec.frame, clientId: rec.clientId,
        };
      }
    } else {
      t.delivered++;
    }
    t.bytes += payloadLength(rec);
    t.lastTime = rec.time;
    t.lastRec = rec;
  }

  /** Plain copies for a snapshot (the last payload and its preview made now). */
  snapshot(): TopicStats[] {
    const out: TopicStats[] = [];
    for (const t of this.topics.values()) {
      out.push({
        topic: t.topic, published: t.published, delivered: t.delivered, bytes: t.bytes, lastTime: t.lastTime,
        lastPayload: t.lastPayload, retained: t.retained ? { ...t.retained } : null, lastPreview: t.lastPreview,
      });
    }
    return out;
  }
}
