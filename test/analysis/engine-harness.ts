// The real Engine, the real dissector and real packet bytes (mqtt-packet's
// generate) driving an Analyzer: what the ACL findings' tests and the engine
// integration tests feed.
import mqtt from 'mqtt-packet';
import { expect } from 'vitest';
import { Analyzer, type AnalyzerOptions } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';

export const T0 = 1_790_000_000_000_000;

export class Harness {
  time = T0;
  frame = 0;
  private port = 40000;
  readonly records: PacketRecord[] = [];
  readonly findings: Finding[] = [];
  readonly engine: Engine;
  readonly analyzer: Analyzer;

  constructor(opts: AnalyzerOptions = {}) {
    this.analyzer = new Analyzer((f) => this.findings.push(f), opts);
    this.engine = new Engine({
      onRecord: (r: OutputRecord) => { if (r.kind === 'packet') this.records.push(r); else this.findings.push(r); },
      observers: [this.analyzer],
    });
  }

  conn(version: 3 | 4 | 5 = 4): Conn {
    const port = ++this.port;
    const meta: ConnMeta = { id: `10.0.0.2:${port}-10.0.0.1:1883`, client: { host: '10.0.0.2', port }, server: { host: '10.0.0.1', port: 1883 }, transport: 'tcp' };
    this.engine.open(meta, this.time);
    return new Conn(this, meta, version);
  }

  wait(ms: number): this {
    this.time += ms * 1000;
    return this;
  }

  tick(): void {
    this.engine.tick(this.time);
  }

  /** End of input after `ms` more milliseconds (default: well past the delivery window). */
  end(ms = 10_000): Finding[] {
    this.wait(ms);
    this.engine.end(this.time);
    return this.findings;
  }

  byCode(code: string): Finding[] {
    return this.findings.filter((f) => f.code === code);
  }
}

export interface Pub {
  topic: string;
  payload?: string;
  qos?: 0 | 1 | 2;
  id?: number;
  retain?: boolean;
  properties?: Record<string, unknown>;
}

export class Conn {
  constructor(private readonly h: Harness, readonly meta: ConnMeta, readonly version: 3 | 4 | 5) {}

  private send(dir: 'c2s' | 's2c', p: Record<string, unknown>): PacketRecord {
    const bytes = mqtt.generate(p as unknown as mqtt.Packet, { protocolVersion: this.version });
    const before = this.h.records.length;
    this.h.engine.data(this.meta.id, dir, new Uint8Array(bytes), this.h.time, ++this.h.frame);
    expect(this.h.records.length).toBe(before + 1);
    return this.h.records[before]!;
  }

  c(p: Record<string, unknown>): PacketRecord { return this.send('c2s', p); }
  s(p: Record<string, unknown>): PacketRecord { return this.send('s2c', p); }

  login(clientId: string, username: string | undefined, rc = 0, connackProperties?: Record<string, unknown>): this {
    this.c({
      cmd: 'connect', protocolId: this.version === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: this.version, clean: true, clientId, keepalive: 60,
      ...(username !== undefined ? { username, password: Buffer.from('pw') } : {}),
    });
    this.s({
      cmd: 'connack', sessionPresent: false, ...(this.version === 5 ? { reasonCode: rc } : { returnCode: rc }),
      ...(connackProperties ? { properties: connackProperties } : {}),
    });
    return this;
  }

  subscribe(id: number, topic: string, o: { qos?: number; rh?: number; nl?: boolean } = {}): PacketRecord {
    return this.c({ cmd: 'subscribe', messageId: id, subscriptions: [{ topic, qos: o.qos ?? 0, ...(this.version === 5 ? { rh: o.rh ?? 0, nl: o.nl ?? false, rap: false } : {}) }] });
  }

  suback(id: number, code = 0): PacketRecord {
    return this.s({ cmd: 'suback', messageId: id, granted: [code] });
  }

  sub(id: number, topic: string, o: { qos?: number; rh?: number; nl?: boolean } = {}): this {
    this.subscribe(id, topic, o);
    this.suback(id, o.qos ?? 0);
    return this;
  }

  private pub(dir: 'c2s' | 's2c', a: Pub): PacketRecord {
    const qos = a.qos ?? 0;
    return this.send(dir, {
      cmd: 'publish', topic: a.topic, payload: Buffer.from(a.payload ?? ''), qos, retain: a.retain ?? false, dup: false,
      ...(qos > 0 ? { messageId: a.id ?? 1 } : {}), ...(a.properties ? { properties: a.properties } : {}),
    });
  }

  /** Client → broker PUBLISH. */
  publish(a: Pub): PacketRecord { return this.pub('c2s', a); }
  /** Broker → client PUBLISH. */
  deliver(a: Pub): PacketRecord { return this.pub('s2c', a); }

  puback(id: number, rc?: number): PacketRecord {
    return this.s({ cmd: 'puback', messageId: id, ...(rc !== undefined && this.version === 5 ? { reasonCode: rc } : {}) });
  }

  pubrec(id: number, rc?: number): PacketRecord {
    return this.s({ cmd: 'pubrec', messageId: id, ...(rc !== undefined && this.version === 5 ? { reasonCode: rc } : {}) });
  }

  disconnect(): PacketRecord {
    return this.c({ cmd: 'disconnect', ...(this.version === 5 ? { reasonCode: 0 } : {}) });
  }

  /** Raw bytes in one direction (a hand-written byte vector), as the next frame. */
  raw(dir: 'c2s' | 's2c', bytes: Uint8Array): void {
    this.h.engine.data(this.meta.id, dir, bytes, this.h.time, ++this.h.frame);
  }

  /** `by`: the side that closed first, as the proxy and captures tell the engine. */
  close(how: 'fin' | 'reset' = 'fin', by?: 'c2s' | 's2c'): void {
    this.h.engine.close(this.meta.id, this.h.time, how, by);
  }
}

/** Bytes from hex text (whitespace ignored), for hand-written byte vectors. */
export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** An MQTT 5 CONNECT of client "c", clean start, keep alive 60 s, no properties. */
export const CONNECT_V5 = hex([
  '10 0e', // CONNECT, remaining length 14
  '00 04 4d 51 54 54', // protocol name "MQTT"
  '05', // protocol level 5
  '02', // connect flags: Clean Start
  '00 3c', // keep alive 60 s
  '00', // property length 0
  '00 01 63', // client id "c"
].join(''));
