// Event-in / record-out test helper: builds PacketRecords straight from
// summaries (no dissector) and feeds them to an Analyzer.
import { Analyzer, type AnalyzerOptions } from '../../src/analysis/index.js';
import type { CloseHow, GapReason } from '../../src/engine/engine.js';
import type { Finding, PacketRecord, PacketSummary, SubscriptionRequest, WillInfo } from '../../src/model/packet.js';
import type { ConnMeta, Direction, ProtocolVersion } from '../../src/model/types.js';

export const T0 = 1_790_000_000_000_000; // µs since the epoch
const enc = new TextEncoder();

export function summary(type: number, p: Partial<PacketSummary> = {}): PacketSummary {
  return {
    type, flags: 0, dup: false, qos: 0, retain: false, remainingLength: 0, headerLength: 2, packetId: null,
    topic: null, topicAlias: null, payloadOffset: -1, payloadLength: null, reasonCodes: null, properties: null,
    notes: [], ...p,
  };
}

export type SubArg = string | { filter: string; qos?: number; nl?: boolean; rap?: boolean; rh?: number };

export interface PublishArg {
  topic: string;
  payload?: string | Uint8Array;
  qos?: number;
  id?: number;
  retain?: boolean;
  dup?: boolean;
}

export class Scenario {
  time = T0;
  private seq = 0;
  private port = 50000;
  readonly findings: Finding[] = [];
  readonly records: PacketRecord[] = [];
  readonly analyzer: Analyzer;

  constructor(opts: AnalyzerOptions = {}) {
    this.analyzer = new Analyzer((f) => this.findings.push(f), opts);
  }

  /** Move the clock forward by `ms` milliseconds. */
  wait(ms: number): this {
    this.time += Math.round(ms * 1000);
    return this;
  }

  client(name: string, opts: { version?: ProtocolVersion; open?: boolean } = {}): Client {
    const c = new Client(this, name, ++this.port, opts.version ?? 4);
    if (opts.open !== false) this.analyzer.open(c.meta, this.time);
    return c;
  }

  tick(): void {
    this.analyzer.tick(this.time);
  }

  /** End of input after `ms` more milliseconds (default: well past the delivery window). */
  end(ms = 10_000): Finding[] {
    this.wait(ms);
    this.analyzer.end(this.time);
    return this.findings;
  }

  codes(): string[] {
    return this.findings.map((f) => f.code);
  }

  byCode(code: string): Finding[] {
    return this.findings.filter((f) => f.code === code);
  }

  feed(c: Client, dir: Direction, s: PacketSummary, bytes?: Uint8Array, topic?: string | null): PacketRecord {
    const seq = ++this.seq;
    const raw = bytes ?? new Uint8Array([s.type << 4, 0]);
    const rec: PacketRecord = {
      kind: 'packet', seq, frame: seq, time: this.time, conn: c.meta, dir,
      clientId: c.clientId, username: c.username, version: c.version, versionInferred: false,
      bytes: raw, size: raw.length, summary: s, topic: topic !== undefined ? topic : s.topic,
      notes: [], findings: [], tree: () => ({ fields: [], notes: [] }),
    };
    this.records.push(rec);
    this.analyzer.packet(rec);
    return rec;
  }
}

export class Client {
  readonly meta: ConnMeta;
  clientId: string | null = null;
  username: string | null = null;

  constructor(private readonly sc: Scenario, readonly name: string, port: number, public version: ProtocolVersion) {
    this.meta = {
      id: `127.0.0.1:${port}-127.0.0.1:1883`, client: { host: '127.0.0.1', port }, server: { host: '127.0.0.1', port: 1883 },
      transport: 'tcp',
    };
  }

  connect(o: {
    clientId?: string; username?: string | null; clean?: boolean; keepAlive?: number; properties?: Record<string, unknown>;
    will?: { topic: string; payload: string; qos?: number; retain?: boolean; properties?: Record<string, unknown> };
  } = {}): PacketRecord {
    this.clientId = o.clientId ?? this.name;
    this.username = o.username === undefined ? this.name : o.username;
    const will: WillInfo | null = o.will
      ? { topic: o.will.topic, payload: enc.encode(o.will.payload), qos: o.will.qos ?? 0, retain: o.will.retain ?? false, properties: o.will.properties ?? null }
      : null;
    return this.sc.feed(this, 'c2s', summary(1, {
      properties: o.properties ?? null,
      connect: {
        protocolName: this.version === 3 ? 'MQIsdp' : 'MQTT', protocolLevel: this.version, cleanSession: o.clean ?? true,
        keepAlive: o.keepAlive ?? 60, clientId: this.clientId, username: this.username, password: null, will,
      },
    }));
  }

  connack(code = 0, o: { sessionPresent?: boolean; properties?: Record<string, unknown> } = {}): PacketRecord {
    if (typeof o.properties?.['assigned_client_identifier'] === 'string') this.clientId = o.properties['assigned_client_identifier'] as string;
    return this.sc.feed(this, 's2c', summary(2, {
      connack: { sessionPresent: o.sessionPresent ?? false, returnCode: code }, reasonCodes: [code], properties: o.properties ?? null,
    }));
  }

  /** CONNECT + CONNACK 0. */
  login(o: Parameters<Client['connect']>[0] = {}): this {
    this.connect(o);
    this.connack(0);
    return this;
  }

  subscribe(id: number, subs: SubArg[]): PacketRecord {
    const list: SubscriptionRequest[] = subs.map((x) => typeof x === 'string'
      ? { filter: x, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }
      : { filter: x.filter, qos: x.qos ?? 0, noLocal: x.nl ?? false, retainAsPublished: x.rap ?? false, retainHandling: x.rh ?? 0 });
    return this.sc.feed(this, 'c2s', summary(8, { flags: 2, packetId: id, subscriptions: list }));
  }

  suback(id: number, codes: number[]): PacketRecord {
    return this.sc.feed(this, 's2c', summary(9, { packetId: id, reasonCodes: codes }));
  }

  /** SUBSCRIBE + SUBACK granting the requested QoS. */
  sub(id: number, subs: SubArg[]): this {
    this.subscribe(id, subs);
    this.suback(id, subs.map((x) => (typeof x === 'string' ? 0 : x.qos ?? 0)));
    return this;
  }

  unsubscribe(id: number, filters: string[]): PacketRecord {
    return this.sc.feed(this, 'c2s', summary(10, { flags: 2, packetId: id, unsubscriptions: filters }));
  }

  unsuback(id: number, codes: number[] | null = null): PacketRecord {
    return this.sc.feed(this, 's2c', summary(11, { packetId: id, reasonCodes: codes }));
  }

  private pub(dir: Direction, a: PublishArg): PacketRecord {
    const payload = typeof a.payload === 'string' ? enc.encode(a.payload) : a.payload ?? new Uint8Array(0);
    const qos = a.qos ?? 0;
    const head = new Uint8Array([0x30 | (a.dup ? 8 : 0) | (qos << 1) | (a.retain ? 1 : 0), 0]);
    const bytes = new Uint8Array(head.length + payload.length);
    bytes.set(head);
    bytes.set(payload, head.length);
    return this.sc.feed(this, dir, summary(3, {
      flags: bytes[0]! & 15, dup: a.dup ?? false, qos, retain: a.retain ?? false, packetId: qos > 0 ? a.id ?? 1 : null,
      topic: a.topic, payloadOffset: head.length, payloadLength: payload.length, remainingLength: bytes.length - 2,
    }), bytes);
  }

  /** Client → broker PUBLISH. */
  publish(a: PublishArg): PacketRecord {
    return this.pub('c2s', a);
  }

  /** Broker → client PUBLISH (a delivery). */
  deliver(a: PublishArg): PacketRecord {
    return this.pub('s2c', a);
  }

  ack(type: 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP', id: number, dir: Direction, rc?: number): PacketRecord {
    const t = { PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7 }[type];
    return this.sc.feed(this, dir, summary(t, { flags: t === 6 ? 2 : 0, packetId: id, reasonCodes: rc === undefined ? null : [rc] }));
  }

  /** Broker → client PUBACK for a client publish. */
  puback(id: number, rc?: number): PacketRecord {
    return this.ack('PUBACK', id, 's2c', rc);
  }

  pingreq(): PacketRecord {
    return this.sc.feed(this, 'c2s', summary(12));
  }

  pingresp(): PacketRecord {
    return this.sc.feed(this, 's2c', summary(13));
  }

  disconnect(rc?: number, dir: Direction = 'c2s'): PacketRecord {
    return this.sc.feed(this, dir, summary(14, { reasonCodes: rc === undefined ? null : [rc] }));
  }

  close(how: CloseHow = 'fin'): void {
    this.sc.analyzer.close(this.meta, this.sc.time, how);
  }

  /**
   * A stream gap in one direction, reported at capture frame `frame` (0: live):
   * `lost` bytes of a captured direction by default, `not-captured` for the one gap
   * of a direction not one segment of which was captured (a one-way capture).
   */
  gap(dir: Direction, frame = 0, reason: GapReason = 'lost'): void {
    this.sc.analyzer.gap(this.meta, dir, this.sc.time, frame, reason);
  }
}
