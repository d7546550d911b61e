// The json view: NDJSON per the JSON contract (DESIGN.md). Packets come from
// packetToJson; findings and the summary are serialised here.
import type { Finding, PacketRecord, SummaryRecord } from '../model/packet.js';
import { hexByte, hexOf } from '../dissect/utf8.js';
import { escapeRawControls, isoMicros } from './format.js';
import type { View, ViewOptions } from './index.js';
import { packetJsonText, packetToJson, type PacketJsonOptions } from './packet-json.js';

const FINDING_KEYS = new Set(['kind', 'code', 'severity', 'time', 'conn', 'client_id', 'username', 'frames', 'topic', 'text']);

/** The contract's `finding` object: core keys, then the code-specific `extra` keys (which never override them). */
export function findingToJson(f: Finding): Record<string, unknown> {
  const o: Record<string, unknown> = {
    kind: 'finding',
    code: f.code,
    severity: f.severity,
    time: isoMicros(f.time),
    conn: f.conn,
    client_id: f.clientId,
    username: f.username,
    frames: f.frames,
    topic: f.topic,
    text: f.text,
  };
  for (const k of Object.keys(f.extra)) {
    if (!FINDING_KEYS.has(k)) o[k] = jsonSafe(f.extra[k]);
  }
  return o;
}

/** The contract's `summary` object. */
export function summaryToJson(s: SummaryRecord): Record<string, unknown> {
  const o: Record<string, unknown> = {
    kind: 'summary',
    packets: s.packets,
    findings: s.findings,
    connections: s.connections,
    clients: s.clients,
    bytes: s.bytes,
  };
  for (const k of Object.keys(s.extra)) {
    if (k in o) continue;
    const v = s.extra[k];
    // The time span is kept in µs for the text summary; JSON times are ISO 8601 like every record's `time`.
    o[k] = (k === 'first_time' || k === 'last_time') && typeof v === 'number' ? isoMicros(v) : jsonSafe(v);
  }
  return o;
}

/** Binary values as hex, Maps/Sets as objects/arrays, bigint as number; everything else as is. */
export function jsonSafe(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonSafe(x)]));
  if (v instanceof Set) return [...v].map(jsonSafe);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = jsonSafe((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/**
 * Bytes framed as a packet of the reserved type 0 are not an MQTT Control Packet,
 * and the contract's `type` is a spec name, so the json view reports them as a
 * `protocol-violation` finding that keeps what the packet record would have said.
 */
/**
 * The finding a packet of the reserved type 0 is written as. Its `bytes` are its first
 * 64 with --show-secrets, else only the fixed header: what follows is undecodable and
 * may be a CONNECT framed from a wrong boundary, password included.
 */
export function reservedTypeFinding(r: PacketRecord, showSecrets = false): Finding {
  const s = r.summary;
  const shown = showSecrets ? Math.min(r.bytes.length, 64) : Math.min(r.bytes.length, s.headerLength);
  const spec = s.notes.find((n) => n.code === 'reserved-packet-type')?.spec;
  return {
    kind: 'finding', code: 'protocol-violation', severity: 'error', time: r.time, conn: r.conn.id,
    clientId: r.clientId, username: r.username, frames: [r.frame], topic: null,
    text: `${r.dir === 'c2s' ? 'client→broker' : 'broker→client'}: ${r.size} byte(s) framed as a packet of the reserved type 0 (first byte 0x${hexByte(r.bytes[0] ?? 0)}, Remaining Length ${s.remainingLength}); type 0 is forbidden, so this is not an MQTT Control Packet`,
    extra: { dir: r.dir, note: 'reserved-packet-type', ...(spec ? { spec } : {}), packet_type: 0, length: s.remainingLength, bytes: hexOf(r.bytes, 0, shown) },
  };
}

/**
 * JSON.stringify(o), with DEL, the C1 controls and the bidirectional formatting
 * characters written as `\uXXXX` escapes: the same JSON value, but a topic or client
 * id holding U+009B or U+202E cannot drive or reorder the terminal that shows
 * `--format json`. (They can only occur inside strings.)
 */
export function jsonLine(o: unknown): string {
  return escapeRawControls(JSON.stringify(o));
}

/**
 * The JSON object for a packet record: the contract's `packet`, or, for bytes framed as
 * the reserved type 0 (which has no spec name for `type`), the finding that stands for it.
 */
export function packetRecordJson(r: PacketRecord, po: PacketJsonOptions): Record<string, unknown> {
  return r.summary.type === 0 ? findingToJson(reservedTypeFinding(r, po.showSecrets ?? false)) : packetToJson(r, po);
}

export function createJsonView(opts: ViewOptions): View {
  const po = { fields: opts.fields ?? false, showSecrets: opts.showSecrets ?? false };
  return {
    record(r) {
      // Most packets: their JSON text written directly (packetJsonText, which escapes the
      // raw controls in its strings itself), else the object.
      const text = r.kind === 'packet' ? packetJsonText(r, po) : null;
      opts.out.write((text !== null ? text : jsonLine(r.kind === 'finding' ? findingToJson(r) : packetRecordJson(r, po))) + '\n');
    },
    end(summary) {
      if (summary) opts.out.write(jsonLine(summaryToJson(summary)) + '\n');
    },
  };
}
