// LabContext over MQTT.js: every client speaks MQTT 3.1.1 (protocolVersion 4,
// what aedes speaks) and never reconnects on its own, so the scripts decide.
import type { IClientOptions, MqttClient } from 'mqtt';
import type { LabContext } from './types.js';

type MqttModule = typeof import('mqtt');

/** The longest a step waits for the view to show what the clients wrote. */
export const CATCH_UP_MAX_MS = 3000;

/** Thrown into a lab script's pending wait when the user quits. */
export class LabStopped extends Error {
  constructor() { super('lab stopped'); }
}

export class MqttLabContext implements LabContext {
  private readonly clients = new Set<MqttClient>();
  private readonly inbox = new WeakMap<MqttClient, Array<{ topic: string; payload: Buffer; retain: boolean }>>();
  /** Pending sleeps and how to abort each. */
  private readonly waits = new Map<NodeJS.Timeout, (err: Error) => void>();
  private stopped = false;
  /** Every client socket made, for the bytes the clients have written (closed ones too). */
  private readonly streams: Array<{ bytesWritten: number }> = [];
  /** Bytes written that the proxy never showed (a connection cut with data in flight). */
  private lost = 0;

  /**
   * `shown` (when given) counts the client-to-broker bytes the view has been given, as whole
   * packets: a step waits for it to reach what the clients wrote (at most CATCH_UP_MAX_MS).
   */
  constructor(
    private readonly mqtt: MqttModule,
    readonly url: string,
    readonly pace: number,
    private readonly narrate: (text: string) => void,
    private readonly shown?: () => number,
  ) {}

  say(text: string): void {
    if (!this.stopped) this.narrate(text);
  }

  /** The user quit: every pending and later wait throws LabStopped, clients are dropped. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const [t, abort] of this.waits) { clearTimeout(t); abort(new LabStopped()); }
    this.waits.clear();
    for (const c of this.clients) c.end(true);
    this.clients.clear();
  }

  /**
   * Wait one pace, and until the view has shown every packet the clients wrote (a 2 MB
   * PUBLISH is written by the client long before the proxy has read it all), then narrate:
   * the narration never comes before the packets of the action before it.
   */
  async step(text: string): Promise<void> {
    await this.sleep(this.pace);
    await this.caughtUp();
    this.say(text);
  }

  /** Bytes the clients have written (handed to their sockets). */
  written(): number {
    let n = 0;
    for (const s of this.streams) n += s.bytesWritten;
    return n;
  }

  private async caughtUp(): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const until = Date.now() + CATCH_UP_MAX_MS;
    while (shown() < this.written() - this.lost) {
      if (Date.now() >= until) {
        // Never shown (cut off with data in flight): later steps do not wait for it again.
        this.lost = this.written() - shown();
        return;
      }
      await this.sleep(5);
    }
  }

  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new LabStopped());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waits.delete(t); resolve(); }, ms);
      this.waits.set(t, reject);
    });
  }

  private options(clientId: string, opts: IClientOptions): IClientOptions {
    return { protocolVersion: 4, clientId, reconnectPeriod: 0, connectTimeout: 5000, keepalive: 60, ...opts };
  }

  async connect(clientId: string, opts: IClientOptions = {}): Promise<MqttClient> {
    if (this.stopped) throw new LabStopped();
    // Listen before CONNACK: a resumed session's queued messages follow it at once.
    const c = this.mqtt.connect(this.url, this.options(clientId, opts));
    this.clients.add(c);
    this.track(c);
    const box: Array<{ topic: string; payload: Buffer; retain: boolean }> = [];
    this.inbox.set(c, box);
    c.on('message', (topic, payload, packet) => box.push({ topic, payload, retain: packet.retain }));
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('error', (err) => reject(new Error(`${clientId}: ${err.message}`)));
      c.once('close', () => reject(new Error(`${clientId}: connection closed before CONNACK`)));
    });
    c.on('error', () => { /* reported by the analysis, not here */ });
    return c;
  }

  async connectRefused(clientId: string, opts: IClientOptions = {}): Promise<number> {
    if (this.stopped) throw new LabStopped();
    return new Promise((resolve) => {
      const c = this.mqtt.connect(this.url, this.options(clientId, opts));
      this.clients.add(c);
      this.track(c);
      const done = (code: number): void => { c.end(true); resolve(code); };
      c.once('connect', () => done(0));
      c.once('error', (err: Error & { code?: unknown }) => done(typeof err.code === 'number' ? err.code : -1));
      c.once('close', () => done(-1));
    });
  }

  private track(c: MqttClient): void {
    const stream = (c as unknown as { stream?: { bytesWritten?: number } }).stream;
    if (stream && typeof stream.bytesWritten === 'number') this.streams.push(stream as { bytesWritten: number });
  }

  async received(client: MqttClient, n: number, timeoutMs = 3000): Promise<Array<{ topic: string; payload: Buffer; retain: boolean }>> {
    const box = this.inbox.get(client) ?? [];
    const until = Date.now() + timeoutMs;
    while (box.length < n && Date.now() < until) await this.sleep(10);
    return box.slice();
  }

  /** End every client still connected (DISCONNECT), then drop the rest. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.clients].map(async (c) => {
      if (c.connected) await c.endAsync().catch(() => undefined);
      else c.end(true);
    }));
    this.clients.clear();
  }
}
