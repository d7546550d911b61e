// The --summary output. `SummaryCounter` counts what passes through a view
// (packets per type/client/topic, findings per code, connections, bytes) and
// produces the contract's SummaryRecord; `renderSummary` prints it, plus the
// QoS flows and sessions when an analysis snapshot is given. The snapshot is
// typed structurally (SummarySnapshot) so this file does not depend on analysis/.
import type { Finding, OutputRecord, PacketRecord, SummaryRecord } from '../model/packet.js';
import { packetTypeName, PACKET_TYPES } from '../protocol/packet-types.js';
import { palette } from './color.js';
import { byteSize, clientLabel, clockTime, duration, ellipsis, printable, type ClockOptions } from './format.js';
import { severityColor } from './line.js';

export interface ClientCounts {
  packets: number;
  /** Packets the client sent (c2s). */
  sent: number;
  /** Packets the broker sent to it (s2c). */
  received: number;
  bytes: number;
}

export interface TopicCounts {
  /** PUBLISH client → broker. */
  published: number;
  /** PUBLISH broker → client. */
  delivered: number;
  /** Payload bytes, both directions. */
  bytes: number;
}

export interface SummaryCounterOptions {
  /** Most topics / clients tracked individually (default 10 000 each); the rest count as `(other)`. */
  maxKeys?: number;
  /** Most findings kept for the findings list (default 1000; counts stay exact). */
  maxFindings?: number;
}

const OTHER = '(other)';

/** Counts packets and findings; usable as an EngineObserver (`packet`) or fed every record (`record`). */
export class SummaryCounter {
  /** Packets per type number (no name lookup per packet). */
  private readonly typeCounts = new Float64Array(16);
  readonly findingCounts = new Map<string, number>();
  readonly perClient = new Map<string, ClientCounts>();
  readonly perTopic = new Map<string, TopicCounts>();
  readonly connections = new Set<string>();
  readonly clients = new Set<string>();
  readonly findings: Finding[] = [];
  bytes = 0;
  packetCount = 0;
  // Kept as plain numbers (a null-or-number field boxes every time stored).
  private first = Infinity;
  private last = -Infinity;

  get firstTime(): number | null {
    return this.first === Infinity ? null : this.first;
  }

  get lastTime(): number | null {
    return this.last === -Infinity ? null : this.last;
  }
  private readonly maxKeys: number;
  private readonly maxFindings: number;

  constructor(opts: SummaryCounterOptions = {}) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.maxFindings = opts.maxFindings ?? 1000;
  }

  record(r: OutputRecord): void {
    if (r.kind === 'packet') this.packet(r);
    else this.finding(r);
  }

  private lastConn: string | null = null;
  private lastClient: string | null = null;

  /** Packets per type name. */
  get packets(): Map<string, number> {
    const m = new Map<string, number>();
    for (let t = 0; t < 16; t++) {
      const n = this.typeCounts[t]!;
      if (n === 0) continue;
      const name = packetTypeName(t);
      m.set(name, (m.get(name) ?? 0) + n);
    }
    return m;
  }

  packet(rec: PacketRecord): void {
    this.packetCount++;
    const sum = rec.summary;
    const type = sum.type;
    this.typeCounts[type & 15]!++;
    const n = rec.size;
    this.bytes += n;
    const conn = rec.conn.id;
    if (conn !== this.lastConn) { this.connections.add(conn); this.lastConn = conn; }
    const cid = rec.clientId;
    // A client with an empty client id (allowed with clean session) counts by its address.
    if (type === 1 && rec.dir === 'c2s') this.clients.add(cid || clientLabel(rec));
    else if (cid && cid !== this.lastClient) { this.clients.add(cid); this.lastClient = cid; }
    const time = rec.time;
    if (time < this.first) this.first = time;
    if (time > this.last) this.last = time;
    const label = cid ? cid : clientLabel(rec);
    let c = this.perClient.get(label);
    if (!c) {
      const ck = this.perClient.size < this.maxKeys ? label : OTHER;
      c = this.perClient.get(ck);
      if (!c) this.perClient.set(ck, (c = { packets: 0, sent: 0, received: 0, bytes: 0 }));
    }
    c.packets++;
    if (rec.dir === 'c2s') c.sent++; else c.received++;
    c.bytes += n;
    if (type === 3) {
      const topic = rec.topic ?? sum.topic ?? '';
      let t = this.perTopic.get(topic);
      if (!t) {
        const tk = this.perTopic.size < this.maxKeys ? topic : OTHER;
        t = this.perTopic.get(tk);
        if (!t) this.perTopic.set(tk, (t = { published: 0, delivered: 0, bytes: 0 }));
      }
      if (rec.dir === 'c2s') t.published++; else t.delivered++;
      t.bytes += sum.payloadLength ?? 0;
    }
  }

  finding(f: Finding): void {
    this.findingCounts.set(f.code, (this.findingCounts.get(f.code) ?? 0) + 1);
    if (this.findings.length < this.maxFindings) this.findings.push(f);
    this.connections.add(f.conn);
    this.seen(f.time);
  }

  private seen(t: number): void {
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
  }

  /** The contract's summary record; `extra` holds per-client, per-topic counts and the time span. */
  toRecord(extra: Record<string, unknown> = {}): SummaryRecord {
    const packets: Record<string, number> = {};
    const counts = this.packets;
    for (const p of PACKET_TYPES) {
      const n = counts.get(p.name);
      if (n) packets[p.name] = n;
    }
    return {
      kind: 'summary',
      packets,
      findings: Object.fromEntries([...this.findingCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
      connections: this.connections.size,
      clients: [...this.clients].sort(),
      bytes: this.bytes,
      extra: {
        per_client: Object.fromEntries(this.perClient),
        per_topic: Object.fromEntries(this.perTopic),
        first_time: this.firstTime,
        last_time: this.lastTime,
        ...extra,
      },
    };
  }
}

/** What renderSummary reads from an analysis snapshot (Analyzer.snapshot() fits). */
export interface SummarySnapshot {
  sessions?: ReadonlyArray<{
    conn: string; clientId: string | null; username: string | null; state: string;
    connackCode?: number | null; subscriptions?: ReadonlyArray<{ filter: string; grantedQos: number }>;
  }>;
  topics?: ReadonlyArray<{ topic: string; published: number; delivered: number; bytes: number }>;
  flows?: {
    inFlight?: ReadonlyArray<{ kind: string; clientId: string | null; packetId: number | null; state: string; topic: string | null; startedAt: number }>;
    stats?: Readonly<Record<string, { count: number; complete: number; rejected: number; incomplete: number; avgUs?: number | null; maxUs?: number }>>;
  };
  pendingDeliveries?: number;
  /** Publishes delivery correlation did not check (too many awaited at once). */
  untrackedDeliveryPublishes?: number;
}

export interface SummaryRenderOptions extends ClockOptions {
  color?: boolean;
  /** The findings to list (SummaryCounter.findings). */
  findings?: readonly Finding[];
  snapshot?: SummarySnapshot;
  /** Rows per ranked table (clients, topics). Default 20. */
  top?: number;
}

/** Aligned text columns; `right[i]` right-aligns column i. */
export function columns(rows: string[][], right: boolean[] = [], indent = '  '): string {
  const w: number[] = [];
  for (const r of rows) r.forEach((c, i) => { w[i] = Math.max(w[i] ?? 0, [...c].length); });
  return rows.map((r) => indent + r.map((c, i) => {
    const padN = (w[i] ?? 0) - [...c].length;
    if (i === r.length - 1 && !right[i]) return c;
    return right[i] ? ' '.repeat(padN) + c : c + ' '.repeat(padN);
  }).join('  ').trimEnd()).join('\n');
}

function rec(x: Record<string, unknown> | undefined): Record<string, unknown> {
  return x ?? {};
}

/** The --summary text. */
export function renderSummary(s: SummaryRecord, opts: SummaryRenderOptions = {}): string {
  const p = palette(opts.color ?? false);
  const top = opts.top ?? 20;
  const out: string[] = [];
  const h = (t: string): void => { out.push('', p.bold(t)); };
  const total = Object.values(s.packets).reduce((a, b) => a + b, 0);
  const nFind = Object.values(s.findings).reduce((a, b) => a + b, 0);
  const first = s.extra['first_time'];
  const last = s.extra['last_time'];
  const span = typeof first === 'number' && typeof last === 'number' ? `, ${duration(last - first)}` : '';
  out.push(p.bold('Summary') + `: ${total} packets, ${byteSize(s.bytes)}, ${s.connections} connection${s.connections === 1 ? '' : 's'}, ${s.clients.length} client${s.clients.length === 1 ? '' : 's'}, ${nFind} finding${nFind === 1 ? '' : 's'}${span}`);

  h('Packets by type');
  const types = Object.entries(s.packets);
  out.push(types.length ? columns(types.map(([t, n]) => [t, String(n)]), [false, true]) : '  (none)');

  const perClient = rec(s.extra['per_client'] as Record<string, unknown> | undefined) as Record<string, ClientCounts>;
  const clientRows = Object.entries(perClient).sort((a, b) => b[1].packets - a[1].packets || a[0].localeCompare(b[0]));
  if (clientRows.length) {
    h('Clients');
    const rows = [['client', 'packets', 'sent', 'received', 'bytes']];
    for (const [c, v] of clientRows.slice(0, top)) rows.push([ellipsis(printable(c), 32), String(v.packets), String(v.sent), String(v.received), byteSize(v.bytes)]);
    out.push(columns(rows, [false, true, true, true, true]));
    if (clientRows.length > top) out.push(`  … ${clientRows.length - top} more`);
  }

  const topics: Array<[string, TopicCounts]> = opts.snapshot?.topics
    ? opts.snapshot.topics.map((t) => [t.topic, { published: t.published, delivered: t.delivered, bytes: t.bytes }])
    : Object.entries(rec(s.extra['per_topic'] as Record<string, unknown> | undefined) as Record<string, TopicCounts>);
  if (topics.length) {
    topics.sort((a, b) => b[1].published + b[1].delivered - (a[1].published + a[1].delivered) || a[0].localeCompare(b[0]));
    h('Topics');
    const rows = [['topic', 'published', 'delivered', 'payload']];
    for (const [t, v] of topics.slice(0, top)) rows.push([ellipsis(t === '' ? '""' : printable(t), 48), String(v.published), String(v.delivered), byteSize(v.bytes)]);
    out.push(columns(rows, [false, true, true, true]));
    if (topics.length > top) out.push(`  … ${topics.length - top} more`);
  }

  h(`Findings (${nFind})`);
  if (nFind === 0) {
    out.push('  none: no refused connections or publishes, no silent drops among the observed subscribers, and no protocol problems');
  } else {
    out.push(columns(Object.entries(s.findings).map(([c, n]) => [c, String(n)]), [false, true]));
    const list = opts.findings ?? [];
    if (list.length) {
      out.push('');
      for (const f of list) {
        const col = severityColor(p, f.severity);
        const frames = f.frames.length ? ` ${f.frames.slice(0, 6).map((n) => `#${n}`).join(',')}${f.frames.length > 6 ? ',…' : ''}` : '';
        out.push(`  ${clockTime(f.time, opts)} ${col(`${f.severity.padEnd(5)} ${f.code}`)}${p.dim(frames)}`);
        out.push(`      ${printable(f.text)}`);
      }
      if (list.length < nFind) out.push(`  … ${nFind - list.length} more not listed`);
    }
  }
  const untracked = opts.snapshot?.untrackedDeliveryPublishes ?? 0;
  if (untracked > 0) {
    out.push(`  ${p.bold('note')}: ${untracked} publish${untracked === 1 ? ' was' : 'es were'} not checked for silent drops: too many were awaiting their deliveries at once (a memory bound)`);
  }

  const stats = opts.snapshot?.flows?.stats;
  if (stats && Object.values(stats).some((v) => v.count > 0)) {
    h('QoS flows');
    const rows = [['flow', 'count', 'complete', 'rejected', 'incomplete', 'avg', 'max']];
    for (const [k, v] of Object.entries(stats)) {
      if (v.count === 0) continue;
      rows.push([k, String(v.count), String(v.complete), String(v.rejected), String(v.incomplete),
        v.avgUs === null || v.avgUs === undefined ? '-' : duration(v.avgUs), v.maxUs ? duration(v.maxUs) : '-']);
    }
    out.push(columns(rows, [false, true, true, true, true, true, true]));
    const inflight = opts.snapshot?.flows?.inFlight ?? [];
    if (inflight.length) {
      out.push('', `  still in flight (${inflight.length}):`);
      for (const f of inflight.slice(0, top)) {
        out.push(`    ${f.kind} ${printable(f.clientId ?? '?')} id=${f.packetId ?? '-'} ${f.state}${f.topic ? ` ${printable(f.topic)}` : ''} since ${clockTime(f.startedAt, opts)}`);
      }
      if (inflight.length > top) out.push(`    … ${inflight.length - top} more`);
    }
  }

  const sessions = opts.snapshot?.sessions;
  if (sessions && sessions.length) {
    h('Sessions');
    const rows = [['client', 'user', 'state', 'subscriptions']];
    for (const x of sessions.slice(0, top)) {
      const subs = (x.subscriptions ?? []).map((y) => `${y.filter} q${y.grantedQos}`).join(', ');
      rows.push([printable(x.clientId ?? x.conn), printable(x.username ?? '-'), x.state, ellipsis(printable(subs) || '-', 60)]);
    }
    out.push(columns(rows));
    if (sessions.length > top) out.push(`  … ${sessions.length - top} more`);
  }
  return out.join('\n') + '\n';
}
