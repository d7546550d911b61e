// Builders of PacketRecords and Findings for filter and view tests.
// `fake()` builds a record by hand (no dissector); `real()` runs the real
// summarize()/dissect() on bytes produced by mqtt-packet.
import mqttPacket from 'mqtt-packet';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { Finding, PacketRecord, PacketSummary } from '../../src/model/packet.js';
import type { ConnMeta, Direction, ProtocolVersion } from '../../src/model/types.js';

export const T0 = Date.UTC(2026, 10, 23, 18, 0, 1) * 1000 + 512_913; // µs

export function conn(clientPort = 52144, host = '127.0.0.1'): ConnMeta {
  return {
    id: `${host}:${clientPort}-127.0.0.1:1883`,
    client: { host, port: clientPort },
    server: { host: '127.0.0.1', port: 1883 },
    transport: 'tcp',
  };
}

export interface RecOpts {
  frame?: number;
  time?: number;
  dir?: Direction;
  clientId?: string | null;
  username?: string | null;
  version?: ProtocolVersion;
  conn?: ConnMeta;
  findings?: string[];
}

let seq = 0;

function base(bytes: Uint8Array, summary: PacketSummary, tree: PacketRecord['tree'], o: RecOpts): PacketRecord {
  seq++;
  return {
    kind: 'packet',
    seq,
    frame: o.frame ?? seq,
    time: o.time ?? T0,
    conn: o.conn ?? conn(),
    dir: o.dir ?? 'c2s',
    clientId: o.clientId === undefined ? 'p1' : o.clientId,
    username: o.username === undefined ? null : o.username,
    version: o.version ?? 4,
    versionInferred: false,
    bytes,
    size: bytes.length,
    summary,
    topic: summary.topic,
    notes: summary.notes,
    findings: o.findings ?? [],
    tree,
  };
}

/** A record built by hand: only the summary fields given (tree() has no fields). */
export function fake(s: Partial<PacketSummary> & { type: number }, o: RecOpts = {}): PacketRecord {
  const summary: PacketSummary = {
    flags: 0, dup: false, qos: 0, retain: false, remainingLength: 0, headerLength: 2,
    packetId: null, topic: null, topicAlias: null, payloadOffset: -1, payloadLength: null,
    reasonCodes: null, properties: null, notes: [], ...s,
  };
  const b0 = (summary.type << 4) | (summary.type === 3 ? (summary.dup ? 8 : 0) | (summary.qos << 1) | (summary.retain ? 1 : 0) : summary.flags);
  const bytes = new Uint8Array([b0, summary.remainingLength & 0x7f]);
  return base(bytes, summary, () => ({ fields: [], notes: summary.notes }), o);
}

/** A record of real bytes, decoded by the project's dissector. */
export function real(bytes: Uint8Array, o: RecOpts = {}): PacketRecord {
  const version = o.version ?? 4;
  const ctx = { version, topicAliases: new Map<number, string>() };
  const summary = summarize(bytes, ctx);
  let tree: ReturnType<PacketRecord['tree']> | null = null;
  const rec = base(bytes, summary, () => (tree ??= dissect(bytes, { version })), o);
  if (summary.connect) {
    if (o.clientId === undefined) rec.clientId = summary.connect.clientId;
    if (o.username === undefined) rec.username = summary.connect.username;
  }
  return rec;
}

/** Encode a packet object with mqtt-packet (the oracle) and decode it with our dissector. */
export function gen(packet: Record<string, unknown>, o: RecOpts = {}): PacketRecord {
  const version = o.version ?? 4;
  const bytes = new Uint8Array(mqttPacket.generate(packet as unknown as mqttPacket.Packet, { protocolVersion: version }));
  return real(bytes, o);
}

export function hex(h: string): Uint8Array {
  return Uint8Array.from(h.replace(/\s+/g, '').match(/../g) ?? [], (x) => parseInt(x, 16));
}

export function finding(f: Partial<Finding> & Pick<Finding, 'code'>): Finding {
  return {
    kind: 'finding', severity: 'warn', time: T0, conn: conn().id, clientId: 'p1', username: null,
    frames: [], topic: null, text: 'something happened', extra: {}, ...f,
  };
}

/** The ACL scenario of the tutorials, as records. */
export function aclScenario(): Array<PacketRecord | Finding> {
  const cw = conn(52150);
  const cs = conn(52148);
  const t = (ms: number): number => T0 + ms * 1000;
  const out: Array<PacketRecord | Finding> = [];
  out.push(gen({ cmd: 'connect', clientId: 'watcher', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 }, { conn: cs, time: t(0), frame: 1 }));
  out.push(gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }, { conn: cs, dir: 's2c', time: t(1), frame: 2, clientId: 'watcher' }));
  out.push(gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] }, { conn: cs, time: t(2), frame: 3, clientId: 'watcher' }));
  out.push(gen({ cmd: 'suback', messageId: 1, granted: [0] }, { conn: cs, dir: 's2c', time: t(3), frame: 4, clientId: 'watcher' }));
  out.push(gen({ cmd: 'connect', clientId: 'p-deny', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, username: 'user1', password: Buffer.from('s3cret-pw') }, { conn: cw, time: t(10), frame: 5 }));
  out.push(gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }, { conn: cw, dir: 's2c', time: t(11), frame: 6, clientId: 'p-deny', username: 'user1' }));
  out.push(gen({ cmd: 'publish', topic: 'panama/colon/user1', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false }, { conn: cw, time: t(12), frame: 7, clientId: 'p-deny', username: 'user1' }));
  out.push(finding({
    code: 'undelivered-publish', conn: cw.id, clientId: 'p-deny', username: 'user1', frames: [7], topic: 'panama/colon/user1', time: t(512),
    text: "The broker accepted this QoS 0 publish from user1 but delivered it to none of the 1 subscriber(s) whose filters match (watcher: '#'). With a mosquitto acl_file this is a denied write.",
    extra: { subscribers: [{ client_id: 'watcher', filter: '#' }] },
  }));
  return out;
}
