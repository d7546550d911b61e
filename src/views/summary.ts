// The --summary output. `SummaryCounter` counts what passes through a view
// (packets per type/client/topic, findings per code, connections, bytes) and
// produces the contract's SummaryRecord; `renderSummary` prints it, plus the
// QoS flows and sessions when an analysis snapshot is given. The snapshot is
// typed structurally (SummarySnapshot) so this file does not depend on analysis/.
import type { Finding, OutputRecord, PacketRecord, SummaryRecord } from '../model/packet.js';
import type { ConnMeta, Direction } from '../model/types.js';
import { packetTypeName, PACKET_TYPES } from '../protocol/packet-types.js';
import { KeyQueue } from '../model/key-queue.js';
import { palette } from './color.js';
import { byteSize, clientLabel, clockTime, duration, ellipsis, printable, reasonFailed, type ClockOptions } from './format.js';
import { severityColor, summaryClientCount } from './line.js';
import { reservedTypeFinding } from './json.js';

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
  /**
   * Most topics / clients tracked individually (default 10 000 each); the rest count
   * as `(other)`, and client ids beyond it are not listed (`clients_not_listed` estimates how many).
   */
  maxKeys?: number;
  /** Most findings kept for the findings list (default 1000; counts stay exact). */
  maxFindings?: number;
  /**
   * Most connection ids remembered (default 65 536), oldest forgotten first. Packets
   * still count each connection once however many there are; a finding about a
   * connection forgotten since (none of its packets among the last this many
   * connections' first packets) counts it again.
   */
  maxConnIds?: number;
}

const OTHER = '(other)';

/** Bits in the bitmap that counts client ids past the listed ones (a power of two). */
const OVERFLOW_BITS = 1 << 20;

/**
 * 32-bit FNV-1a of a string's UTF-16 code units, then MurmurHash3's finaliser:
 * FNV alone leaves ids that differ only in their last characters (sensor-1,
 * sensor-2, ...) clustered in the low bits the bitmap uses.
 */
function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** What an anonymous connection counted under its address label (moved to its id if the broker assigns one). */
interface AnonymousConn { label: string; packets: number; sent: number; received: number; bytes: number }

function newAnonymous(label: string): AnonymousConn {
  return { label, packets: 0, sent: 0, received: 0, bytes: 0 };
}

/** Counts packets and findings; usable as an EngineObserver (`packet`) or fed every record (`record`). */
export class SummaryCounter {
  /** Packets per type number (no name lookup per packet). */
  private readonly typeCounts = new Float64Array(16);
  readonly findingCounts = new Map<string, number>();
  /**
   * Of those, the follow-ups (`late: true`) saying that a copy an earlier finding reported
   * missing arrived after the window: they correct a count, so they are shown apart.
   */
  readonly lateCounts = new Map<string, number>();
  readonly perClient = new Map<string, ClientCounts>();
  readonly perTopic = new Map<string, TopicCounts>();
  /**
   * The connection (ConnMeta) last seen per connection id, the latest maxConnIds
   * of them. The engine makes one ConnMeta per connection it opens, so a new one
   * under a known id is a new connection on the same addresses and ports (port
   * reuse), counted again.
   */
  private readonly connMeta = new Map<string, ConnMeta>();
  /** connMeta's, anonymous' and findingOnlyConns' ids in the order added (the oldest is evicted first). */
  private readonly connOrder = new KeyQueue<string>();
  private readonly anonymousOrder = new KeyQueue<string>();
  private readonly findingOnlyOrder = new KeyQueue<string>();
  private readonly hasConnMeta = (id: string): boolean => this.connMeta.has(id);
  private readonly hasAnonymous = (id: string): boolean => this.anonymous.has(id);
  private readonly hasFindingOnly = (id: string): boolean => this.findingOnlyConns.has(id);
  /**
   * Connections whose id was forgotten (evicted from connMeta) after they were counted,
   * held weakly (a closed connection's meta is collected): one still open is not counted
   * again when its packets come back. Only evictions add to it, so a capture of fewer
   * than maxConnIds connections never touches it (a WeakSet entry per connection cost
   * `read --summary` 5% on 142,860 connections, most of it in the collector).
   */
  private readonly forgottenMeta = new WeakSet<ConnMeta>();
  private forgotten = false;
  /** Ids known only from findings so far (no packet of theirs counted yet), the latest maxConnIds. */
  private readonly findingOnlyConns = new Set<string>();
  private connCount = 0;
  /** Client ids and labels, at most maxKeys; `clientsNotListed` counts the distinct ones past that. */
  readonly clients = new Set<string>();
  /**
   * Client ids seen after `clients` was full, as a linear-counting bitmap (128 KiB,
   * one bit per hash): their number is estimated from the bits still clear, within
   * about 1% up to a few million ids, in fixed memory.
   */
  private overflowBits: Uint32Array | null = null;
  private overflowSet = 0;
  /** How many anonymous connections count under each address label (a label stays a client while any does). */
  private readonly anonymousLabels = new Map<string, number>();
  /**
   * Connections whose CONNECT had an empty client id, by connection id, with the
   * label their packets are counted under (the client address) until the broker
   * assigns an id [MQTT-3.2.2-16]; then what this connection counted moves to that id
   * (another connection on the same address and ports keeps its own counts).
   */
  private readonly anonymous = new Map<string, AnonymousConn>();
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
  private readonly maxConnIds: number;

  constructor(opts: SummaryCounterOptions = {}) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.maxFindings = opts.maxFindings ?? 1000;
    this.maxConnIds = opts.maxConnIds ?? 65_536;
  }

  /** Distinct client ids seen but not listed in `clients` (it holds maxKeys); estimated, see overflowBits. */
  get clientsNotListed(): number {
    const set = this.overflowSet;
    if (set === 0) return 0;
    const m = OVERFLOW_BITS;
    if (set >= m) return Math.round(m * Math.log(m)); // every bit set: the estimate's ceiling
    return Math.round(-m * Math.log((m - set) / m));
  }

  private addClient(id: string): void {
    const cs = this.clients;
    if (cs.size < this.maxKeys || cs.has(id)) { cs.add(id); return; }
    const bits = (this.overflowBits ??= new Uint32Array(OVERFLOW_BITS >>> 5));
    const h = hashId(id) & (OVERFLOW_BITS - 1);
    const w = h >>> 5;
    const bit = 1 << (h & 31);
    if ((bits[w]! & bit) === 0) { bits[w]! |= bit; this.overflowSet++; }
  }

  private setAnonymous(id: string, label: string): void {
    const prev = this.anonymous.get(id);
    if (prev) this.dropAnonymousLabel(prev.label);
    else if (this.anonymous.size >= this.maxConnIds) this.deleteAnonymous(this.anonymousOrder.oldest(this.hasAnonymous)!);
    this.anonymous.set(id, newAnonymous(label));
    if (!prev) this.anonymousOrder.add(id, this.hasAnonymous, this.anonymous.size);
    this.anonymousLabels.set(label, (this.anonymousLabels.get(label) ?? 0) + 1);
  }

  private deleteAnonymous(id: string): void {
    const a = this.anonymous.get(id);
    if (!a) return;
    this.anonymous.delete(id);
    this.dropAnonymousLabel(a.label);
  }

  private dropAnonymousLabel(label: string): void {
    const n = this.anonymousLabels.get(label)! - 1;
    if (n > 0) this.anonymousLabels.set(label, n);
    else this.anonymousLabels.delete(label);
  }

  record(r: OutputRecord): void {
    // Bytes framed as the reserved type 0 are a protocol-violation finding, not a
    // packet, as the json stream reports them (so its summary agrees with its records).
    if (r.kind === 'packet') {
      if (r.summary.type === 0) this.finding(reservedTypeFinding(r));
      else this.packet(r);
    } else this.finding(r);
  }

  private lastConn: ConnMeta | null = null;
  private lastClient: string | null = null;

  /** Connections counted: each opened connection once, also when its addresses and ports were used before. */
  get connections(): number {
    return this.connCount;
  }

  /** Whether anything on the connection with this id was counted. */
  hasConnection(id: string): boolean {
    return this.connMeta.has(id) || this.findingOnlyConns.has(id);
  }

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
    const meta = rec.conn;
    if (meta !== this.lastConn) { this.countConnection(meta); this.lastConn = meta; }
    const cid = rec.clientId;
    // A client with an empty client id (allowed with clean session) counts by its address
    // until the broker assigns it one (MQTT 5 Assigned Client Identifier).
    if (type === 1 && rec.dir === 'c2s') {
      if (cid) this.addClient(cid);
      else {
        const label = clientLabel(rec);
        this.addClient(label);
        this.setAnonymous(meta.id, label);
      }
    } else if (cid) {
      if (this.anonymous.size !== 0 && this.anonymous.has(meta.id)) this.adopt(meta.id, cid);
      if (cid !== this.lastClient) { this.addClient(cid); this.lastClient = cid; }
    } else if (!this.anonymous.has(meta.id)) {
      // No client id known (its CONNECT was filtered out or not captured): it still
      // counts, under the address its packets are listed by.
      const label = clientLabel(rec);
      this.addClient(label);
      this.setAnonymous(meta.id, label);
    }
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
    if (!cid && this.anonymous.size !== 0) {
      const a = this.anonymous.get(meta.id);
      if (a) { a.packets++; if (rec.dir === 'c2s') a.sent++; else a.received++; a.bytes += n; }
    }
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

  private countConnection(meta: ConnMeta): void {
    const id = meta.id;
    const ids = this.connMeta;
    const prev = ids.get(id);
    if (prev === meta) return;
    if (prev === undefined && ids.size >= this.maxConnIds) {
      const old = this.connOrder.oldest(this.hasConnMeta)!;
      this.forgottenMeta.add(ids.get(old)!);
      this.forgotten = true;
      ids.delete(old);
    }
    ids.set(id, meta);
    if (prev === undefined) {
      this.connOrder.add(id, this.hasConnMeta, ids.size);
      if (this.forgotten && this.forgottenMeta.has(meta)) return; // its id was forgotten while it stayed open
      // A connection first counted through a finding is the same one.
      if (this.findingOnlyConns.delete(id)) return;
    }
    this.connCount++;
    // A new connection on reused ports starts without the old one's client id.
    if (prev !== undefined) this.deleteAnonymous(id);
  }

  /** The broker assigned `cid` to an anonymous client: move what was counted under its address. */
  private adopt(connId: string, cid: string): void {
    const a = this.anonymous.get(connId)!;
    this.deleteAnonymous(connId);
    const label = a.label;
    if (label === cid) return;
    let to = this.perClient.get(cid);
    if (!to) this.perClient.set(cid, (to = { packets: 0, sent: 0, received: 0, bytes: 0 }));
    to.packets += a.packets; to.sent += a.sent; to.received += a.received; to.bytes += a.bytes;
    const from = this.perClient.get(label);
    if (from) {
      from.packets -= a.packets; from.sent -= a.sent; from.received -= a.received; from.bytes -= a.bytes;
      // What is left there is another connection's (same address and ports, earlier).
      if (from.packets > 0) return;
      this.perClient.delete(label);
    }
    if (!this.anonymousLabels.has(label)) this.clients.delete(label);
  }

  finding(f: Finding): void {
    this.findingCounts.set(f.code, (this.findingCounts.get(f.code) ?? 0) + 1);
    if (f.extra?.['late'] === true) this.lateCounts.set(f.code, (this.lateCounts.get(f.code) ?? 0) + 1);
    if (this.findings.length < this.maxFindings) this.findings.push(f);
    if (!this.connMeta.has(f.conn) && !this.findingOnlyConns.has(f.conn)) {
      const only = this.findingOnlyConns;
      if (only.size >= this.maxConnIds) only.delete(this.findingOnlyOrder.oldest(this.hasFindingOnly)!);
      only.add(f.conn);
      this.findingOnlyOrder.add(f.conn, this.hasFindingOnly, only.size);
      this.connCount++;
    }
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
      connections: this.connCount,
      clients: [...this.clients].sort(),
      bytes: this.bytes,
      extra: {
        ...(this.overflowSet > 0 ? { clients_not_listed: this.clientsNotListed } : {}),
        ...(this.lateCounts.size > 0 ? { late_findings: Object.fromEntries(this.lateCounts) } : {}),
        per_client: Object.fromEntries(this.perClient),
        per_topic: Object.fromEntries(this.perTopic),
        first_time: this.firstTime,
        last_time: this.lastTime,
        ...extra,
      },
    };
  }
}

/**
 * Flow statistics as the summary prints them (the shape of the analysis snapshot's).
 * `unobserved`: flows given up whose answer may have gone by unseen (a stream gap after
 * them, or a direction never captured), not counted as incomplete.
 */
export type FlowStatsTable = Record<string, { count: number; complete: number; rejected: number; incomplete: number; unobserved?: number; avgUs: number | null; maxUs: number }>;

type FlowKindName = 'publish-qos1' | 'publish-qos2' | 'subscribe' | 'unsubscribe' | 'ping';
type FlowWait = 4 | 5 | 6 | 7 | 9 | 11 | 13;

interface CountedFlow {
  kind: FlowKindName;
  /** Type of the packet that moves the flow on. */
  awaits: FlowWait;
  /** Direction of the packet that opened it. */
  dir: Direction;
  /** Whether the packet that opened it passed the filter. */
  counted: boolean;
  start: number;
  /** Packets fed before its latest step (FilteredFlowCounter.seq), to order it against gaps. */
  at: number;
}

/**
 * The QoS flow table of a filtered --summary: the flows whose first packet
 * (PUBLISH QoS 1/2, SUBSCRIBE, UNSUBSCRIBE, PINGREQ) passed the filter, with the
 * outcome the analysis gives them (complete, rejected by a failure reason code,
 * or incomplete). It is fed every packet in order, passed or not, because the
 * acks that finish a flow need not pass the filter themselves.
 */
export class FilteredFlowCounter {
  /** Flows in flight per connection, by initiating direction and packet id. */
  private readonly live = new Map<ConnMeta, Map<number, CountedFlow>>();
  private readonly pings = new Map<ConnMeta, CountedFlow[]>();
  /**
   * Directions of a connection the capture never had (a `not-captured` gap): a flow
   * still waiting for a packet from there at the end was not seen to end, so it
   * counts as unobserved, not incomplete, as in the analysis's statistics.
   */
  private readonly notCaptured = new Map<ConnMeta, Set<Direction>>();
  /**
   * Per connection, the packets fed (seq) when each direction last had a stream gap,
   * whatever its reason: a flow whose latest step came before it may have had its
   * answer in the lost bytes (unobserved, as the analysis's mayBeUnseen says).
   */
  private readonly lastGap = new Map<ConnMeta, { c2s: number; s2c: number }>();
  /** Packets fed so far: the order of steps and gaps. */
  private seq = 0;
  private readonly table: Record<FlowKindName, { count: number; complete: number; rejected: number; incomplete: number; unobserved: number; totalUs: number; maxUs: number }> = {
    'publish-qos1': newFlowStats(), 'publish-qos2': newFlowStats(), subscribe: newFlowStats(), unsubscribe: newFlowStats(), ping: newFlowStats(),
  };

  packet(rec: PacketRecord, passed: boolean): void {
    const sum = rec.summary;
    const id = sum.packetId;
    this.seq++;
    // A packet of a direction thought never captured: it is in view from here on (as in the analysis).
    if (this.notCaptured.size !== 0) this.notCaptured.get(rec.conn)?.delete(rec.dir);
    switch (sum.type) {
      case 3:
        if (sum.qos === 0 || id === null) return;
        // A DUP re-send of a PUBLISH in flight is a step of that flow [MQTT-3.3.1-1].
        const cur = sum.dup ? this.get(rec.conn, rec.dir, id) : undefined;
        if (cur?.kind.startsWith('publish')) { cur.at = this.seq; return; }
        return this.open(rec, id, sum.qos === 1 ? 'publish-qos1' : 'publish-qos2', sum.qos === 1 ? 4 : 5, passed);
      case 8: if (id !== null) this.open(rec, id, 'subscribe', 9, passed); return;
      case 10: if (id !== null) this.open(rec, id, 'unsubscribe', 11, passed); return;
      case 12: {
        const f: CountedFlow = { kind: 'ping', awaits: 13, dir: 'c2s', counted: passed, start: rec.time, at: this.seq };
        if (passed) this.table.ping.count++;
        const q = this.pings.get(rec.conn);
        if (q) q.push(f); else this.pings.set(rec.conn, [f]);
        return;
      }
      case 13: {
        const f = this.pings.get(rec.conn)?.shift();
        if (f) this.finish(f, 'complete', rec.time);
        return;
      }
      case 4: case 5: case 7: case 9: case 11: {
        if (id === null) return;
        const initiator: Direction = rec.dir === 'c2s' ? 's2c' : 'c2s';
        const f = this.get(rec.conn, initiator, id);
        // A PUBREC repeated for a flow that moved on is a re-send: a step, not an answer.
        if (f && sum.type === 5 && f.kind === 'publish-qos2' && f.awaits !== 5) { f.at = this.seq; return; }
        if (!f || f.awaits !== sum.type) return;
        const codes = sum.reasonCodes ?? [];
        const failed = codes.some((c) => reasonFailed(sum.type, c, rec.version));
        if (sum.type === 5 && !failed) { f.awaits = 6; f.at = this.seq; return; }
        this.live.get(rec.conn)!.delete(key(initiator, id));
        this.finish(f, failed ? 'rejected' : 'complete', rec.time);
        return;
      }
      case 6: {
        if (id === null) return;
        const f = this.get(rec.conn, rec.dir, id);
        // A PUBREL for a flow still awaiting its PUBREC says the PUBREC went by unseen
        // when that may be (a gap in its direction since), as in the analysis.
        if (f && (f.awaits === 6 || f.awaits === 7 || (f.awaits === 5 && this.awaitsUnseen(rec.conn, f)))) { f.awaits = 7; f.at = this.seq; }
        return;
      }
    }
  }

  /**
   * As an engine observer's close(): the connection's open flows are settled as they
   * would be at the end (incomplete, or unobserved) and its entries let go, so a
   * capture of millions of short connections does not keep them all.
   */
  close(conn: ConnMeta): void {
    const m = this.live.get(conn);
    if (m) for (const f of m.values()) this.settleOpen(conn, f);
    for (const f of this.pings.get(conn) ?? []) this.settleOpen(conn, f);
    this.live.delete(conn);
    this.pings.delete(conn);
    this.notCaptured.delete(conn);
    this.lastGap.delete(conn);
  }

  private settleOpen(conn: ConnMeta, f: CountedFlow): void {
    if (!f.counted) return;
    if (this.awaitsUnseen(conn, f)) this.table[f.kind].unobserved++;
    else this.table[f.kind].incomplete++;
  }

  /**
   * Whether the packet `f` waits for may have gone by unseen: its direction had a
   * stream gap since the flow's latest step, or was never captured (and nothing of
   * it decoded since). A gap before the step excuses nothing: what the direction sent
   * after it was seen.
   */
  private awaitsUnseen(conn: ConnMeta, f: CountedFlow): boolean {
    const g = this.lastGap.get(conn);
    if (g === undefined) return false;
    // PUBREL comes from the publisher; every other awaited packet from its peer.
    const from: Direction = f.awaits === 6 ? f.dir : f.dir === 'c2s' ? 's2c' : 'c2s';
    return g[from] >= f.at || this.notCaptured.get(conn)?.has(from) === true;
  }

  /** As an engine observer's gap(): when each direction last had a gap, and the directions a capture never had. */
  gap(conn: ConnMeta, dir: Direction, reason: string): void {
    const g = this.lastGap.get(conn);
    if (g) g[dir] = this.seq; else this.lastGap.set(conn, dir === 'c2s' ? { c2s: this.seq, s2c: -1 } : { c2s: -1, s2c: this.seq });
    // Out of view is what the latest gap says: an ordinary gap means the direction is captured.
    if (reason !== 'not-captured') { this.notCaptured.get(conn)?.delete(dir); return; }
    const s = this.notCaptured.get(conn);
    if (s) s.add(dir); else this.notCaptured.set(conn, new Set([dir]));
  }

  /** The table: flows still open at the end (PINGREQs without PINGRESP too) were cut short (incomplete), as in the analysis; unobserved when their answer's direction was never captured. */
  stats(): FlowStatsTable {
    const out: FlowStatsTable = {};
    for (const [k, v] of Object.entries(this.table) as [FlowKindName, (typeof this.table)[FlowKindName]][]) {
      let incomplete = v.incomplete;
      let unobserved = v.unobserved;
      const open = (conn: ConnMeta, f: CountedFlow): void => {
        if (!f.counted || f.kind !== k) return;
        if (this.awaitsUnseen(conn, f)) unobserved++; else incomplete++;
      };
      for (const [conn, m] of this.live) for (const f of m.values()) open(conn, f);
      if (k === 'ping') for (const [conn, q] of this.pings) for (const f of q) open(conn, f);
      out[k] = { count: v.count, complete: v.complete, rejected: v.rejected, incomplete, ...(unobserved ? { unobserved } : {}), avgUs: v.complete ? v.totalUs / v.complete : null, maxUs: v.maxUs };
    }
    return out;
  }

  private get(conn: ConnMeta, dir: Direction, id: number): CountedFlow | undefined {
    return this.live.get(conn)?.get(key(dir, id));
  }

  private open(rec: PacketRecord, id: number, kind: FlowKindName, awaits: FlowWait, passed: boolean): void {
    let m = this.live.get(rec.conn);
    if (!m) this.live.set(rec.conn, (m = new Map()));
    const k = key(rec.dir, id);
    // A packet id reused while its flow is in flight cuts that flow short [MQTT-2.2.1-3].
    // Unless its answer may have gone by unseen: then the reuse says it most likely came.
    const cur = m.get(k);
    if (cur) this.finish(cur, this.awaitsUnseen(rec.conn, cur) ? 'unobserved' : 'incomplete', rec.time);
    m.set(k, { kind, awaits, dir: rec.dir, counted: passed, start: rec.time, at: this.seq });
    if (passed) this.table[kind].count++;
  }

  private finish(f: CountedFlow, how: 'complete' | 'rejected' | 'incomplete' | 'unobserved', time: number): void {
    if (!f.counted) return;
    const t = this.table[f.kind];
    if (how === 'complete') {
      const us = time - f.start;
      t.complete++; t.totalUs += us;
      if (us > t.maxUs) t.maxUs = us;
    } else if (how === 'rejected') t.rejected++;
    else if (how === 'unobserved') t.unobserved++;
    else t.incomplete++;
  }
}

function key(dir: Direction, id: number): number {
  return (dir === 'c2s' ? 0 : 0x10000) | id;
}

function newFlowStats(): { count: number; complete: number; rejected: number; incomplete: number; unobserved: number; totalUs: number; maxUs: number } {
  return { count: 0, complete: 0, rejected: 0, incomplete: 0, unobserved: 0, totalUs: 0, maxUs: 0 };
}

/** What renderSummary reads from an analysis snapshot (Analyzer.snapshot() fits). */
export interface SummarySnapshot {
  sessions?: ReadonlyArray<{
    conn: string; clientId: string | null; username: string | null; state: string;
    connackCode?: number | null; subscriptions?: ReadonlyArray<{ filter: string; grantedQos: number }>; subscriptionsNotListed?: number;
  }>;
  topics?: ReadonlyArray<{ topic: string; published: number; delivered: number; bytes: number }>;
  flows?: {
    inFlight?: ReadonlyArray<{ kind: string; clientId: string | null; packetId: number | null; state: string; topic: string | null; startedAt: number }>;
    stats?: Readonly<Record<string, { count: number; complete: number; rejected: number; incomplete: number; unobserved?: number; avgUs?: number | null; maxUs?: number }>>;
  };
  pendingDeliveries?: number;
  /** Publishes delivery correlation did not check (too many awaited at once). */
  untrackedDeliveryPublishes?: number;
}

/** Problems met while reading a capture, per code (a capture note's severity is info, warn or error). */
export interface CaptureNoteCount {
  code: string;
  severity: 'info' | 'warn' | 'error';
  count: number;
  /** The first note's text, as an example. */
  text: string;
}

export interface SummaryRenderOptions extends ClockOptions {
  color?: boolean;
  /** Capture notes (TLS not decoded, unsupported link types, …): they explain missing traffic. */
  captureNotes?: readonly CaptureNoteCount[];
  /** The display filter every section was restricted to. */
  filter?: string;
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
  const nClients = summaryClientCount(s);
  const first = s.extra['first_time'];
  const last = s.extra['last_time'];
  const span = typeof first === 'number' && typeof last === 'number' ? `, ${duration(last - first)}` : '';
  out.push(p.bold('Summary') + `: ${total} packet${total === 1 ? '' : 's'}, ${byteSize(s.bytes)}, ${s.connections} connection${s.connections === 1 ? '' : 's'}, ${nClients} client${nClients === 1 ? '' : 's'}, ${nFind} finding${nFind === 1 ? '' : 's'}${span}`);
  if (opts.filter !== undefined) out.push(`  filter: ${printable(opts.filter)} (every section counts only what passes it)`);

  const notes = opts.captureNotes ?? [];
  if (notes.length) {
    // Right after the totals: these say why traffic is missing from everything below.
    h('Capture notes');
    // Code and count, then the first note's whole text (it says what was lost and why).
    for (const n of notes) {
      out.push(`  ${severityColor(p, n.severity)(`${n.severity.padEnd(5)} ${n.code}`)}${n.count > 1 ? p.dim(` ×${n.count}`) : ''}`);
      out.push(`      ${printable(n.text.replace(/^frame \d+: /, ''))}`);
    }
  }

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
    const damaged = notes.filter((n) => n.severity !== 'info').length;
    out.push(damaged > 0
      ? '  none among the decoded packets: no refused connections or publishes, no silent drops among the observed subscribers, and no protocol problems; the capture notes above say what could not be decoded'
      : '  none: no refused connections or publishes, no silent drops among the observed subscribers, and no protocol problems');
  } else {
    const late = rec(s.extra['late_findings'] as Record<string, unknown> | undefined);
    out.push(columns(Object.entries(s.findings).map(([c, n]) => {
      // A late follow-up is a record of its code, but it takes back part of an earlier report.
      const l = typeof late[c] === 'number' ? late[c] as number : 0;
      return l > 0 ? [c, String(n), `(${l} of them: a copy reported missing arrived late)`] : [c, String(n)];
    }), [false, true, false]));
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
    // Flows whose answer may have gone by unseen (a gap, a one-way capture) are not
    // incomplete: their own column, shown only when there are any.
    const unobserved = Object.values(stats).some((v) => (v.unobserved ?? 0) > 0);
    const rows = [['flow', 'count', 'complete', 'rejected', 'incomplete', ...(unobserved ? ['unobserved'] : []), 'avg', 'max']];
    for (const [k, v] of Object.entries(stats)) {
      if (v.count === 0) continue;
      rows.push([k, String(v.count), String(v.complete), String(v.rejected), String(v.incomplete), ...(unobserved ? [String(v.unobserved ?? 0)] : []),
        v.avgUs === null || v.avgUs === undefined ? '-' : duration(v.avgUs), v.maxUs ? duration(v.maxUs) : '-']);
    }
    out.push(columns(rows, [false, true, true, true, true, true, true, ...(unobserved ? [true] : [])]));
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
      // Those the snapshot did not list (past 100) are counted outside the cut, so the count always shows.
      const more = (x.subscriptionsNotListed ?? 0) > 0 ? ` (+${x.subscriptionsNotListed} more)` : '';
      rows.push([printable(x.clientId ?? x.conn), printable(x.username ?? '-'), x.state, ellipsis(printable(subs) || '-', 60 - more.length) + more]);
    }
    out.push(columns(rows));
    if (sessions.length > top) out.push(`  … ${sessions.length - top} more`);
  }
  return out.join('\n') + '\n';
}
