// The data behind the side views (clients, topics, flows), in one shape the
// widgets render. Built incrementally from packet records so the TUI works on
// its own (file mode, tests); when the caller passes an analysis snapshot,
// snapshot-adapter.ts fills the same shape from it instead.
import type { PacketRecord, WillInfo } from '../../model/packet.js';
import { typeName } from './packet-row.js';

export interface ClientRow {
  conn: string;
  clientId: string | null;
  version: number | null;
  username: string | null;
  keepAlive: number | null;
  cleanSession: boolean | null;
  sessionPresent: boolean | null;
  will: string | null;
  state: string;
  subscriptions: string[];
  packets: number;
  /** The broker assigned `clientId` (MQTT 5 CONNACK Assigned Client Identifier): the CONNECT sent an empty one. */
  assigned?: boolean;
  /** How the connection ended, in words (the analysis knows it: a take-over, a DISCONNECT, a TCP reset). */
  ended?: string;
}

export interface TopicRow {
  topic: string;
  messages: number;
  /** Retained value preview; '' when a retained message was cleared; null when none seen. */
  retained: string | null;
  lastPayload: string;
}

export interface FlowRow {
  conn: string;
  clientId: string | null;
  packetId: number | null;
  kind: string;
  state: string;
  topic: string | null;
  steps: string;
  latencyMs: number | null;
  frames: number[];
}

export interface SideData {
  clients: ClientRow[];
  topics: TopicRow[];
  flows: FlowRow[];
  /** Finished flows the analysis counted but no longer lists (it keeps the latest 1,000). */
  flowsNotKept?: number;
}

const MAX_CLIENTS = 10_000;
const MAX_TOPICS = 20_000;
const MAX_FLOWS = 5_000;
/**
 * Flows awaiting an ack, all connections together. A connection that closes with
 * flows in flight leaves them open here (this model sees packets, not closes), so
 * the oldest are forgotten past this.
 */
const MAX_OPEN_FLOWS = 20_000;
/** Subscriptions listed per client (the analysis snapshot's session view has them all). */
const MAX_CLIENT_SUBSCRIPTIONS = 1_000;

export function preview(p: Uint8Array, max = 40): string {
  let s = '';
  let text = true;
  for (let i = 0; i < p.length && i < max; i++) {
    const b = p[i]!;
    if (b < 0x20 || b > 0x7e) { text = false; break; }
    s += String.fromCharCode(b);
  }
  if (!text) {
    s = Array.from(p.subarray(0, Math.min(p.length, max / 2)), (b) => b.toString(16).padStart(2, '0')).join('') ;
    return `0x${s}${p.length > max / 2 ? '…' : ''} (${p.length} B)`;
  }
  return p.length > max ? `"${s}…" (${p.length} B)` : `"${s}"`;
}

function willText(w: WillInfo | null): string | null {
  if (!w) return null;
  return `${w.topic} = ${preview(w.payload, 24)} q${w.qos}${w.retain ? ' r' : ''}`;
}

function payloadOf(rec: PacketRecord): Uint8Array {
  const s = rec.summary;
  if (s.payloadOffset < 0 || s.payloadLength === null) return new Uint8Array(0);
  return rec.bytes.subarray(s.payloadOffset, s.payloadOffset + s.payloadLength);
}

interface OpenFlow { row: FlowRow; start: number; last: number }

export class SideModel implements SideData {
  private readonly clientMap = new Map<string, ClientRow>();
  private readonly topicMap = new Map<string, TopicRow>();
  private readonly flowList: FlowRow[] = [];
  private readonly open = new Map<string, OpenFlow>();
  /** Pending SUBSCRIBE filters per conn|packetId, for SUBACK granted codes. */
  private readonly pendingSubs = new Map<string, string[]>();

  get clients(): ClientRow[] { return [...this.clientMap.values()]; }
  get topics(): TopicRow[] { return [...this.topicMap.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)); }
  get flows(): FlowRow[] { return this.flowList; }

  private client(rec: PacketRecord): ClientRow {
    let c = this.clientMap.get(rec.conn.id);
    if (!c) {
      if (this.clientMap.size >= MAX_CLIENTS) {
        const oldest = this.clientMap.keys().next().value;
        if (oldest !== undefined) this.clientMap.delete(oldest);
      }
      c = {
        conn: rec.conn.id, clientId: rec.clientId, version: rec.versionInferred ? null : rec.version, username: rec.username,
        keepAlive: null, cleanSession: null, sessionPresent: null, will: null, state: 'open', subscriptions: [], packets: 0,
      };
      this.clientMap.set(rec.conn.id, c);
    }
    return c;
  }

  add(rec: PacketRecord): void {
    const s = rec.summary;
    const c = this.client(rec);
    c.packets++;
    if (rec.clientId) c.clientId = rec.clientId;
    switch (s.type) {
      case 1:
        if (s.connect) {
          c.version = s.connect.protocolLevel;
          c.username = s.connect.username;
          c.keepAlive = s.connect.keepAlive;
          c.cleanSession = s.connect.cleanSession;
          c.will = willText(s.connect.will);
          c.clientId = s.connect.clientId || c.clientId;
          c.state = 'connecting';
        }
        break;
      case 2:
        if (s.connack) {
          c.sessionPresent = s.connack.sessionPresent;
          c.state = s.connack.returnCode === 0 ? 'connected' : `refused (${s.connack.returnCode})`;
        }
        if (typeof s.properties?.['assigned_client_identifier'] === 'string') c.assigned = true;
        break;
      case 3: this.publish(rec); break;
      case 8:
        if (s.packetId !== null && s.subscriptions) {
          const pend = this.pendingSubs;
          // A SUBSCRIBE never answered (its connection closed first) is forgotten past the cap.
          if (pend.size >= MAX_OPEN_FLOWS) pend.delete(pend.keys().next().value as string);
          pend.set(`${rec.conn.id}|${s.packetId}`, s.subscriptions.map((x) => `${x.filter} q${x.qos}`));
        }
        break;
      case 9: {
        const k = `${rec.conn.id}|${s.packetId}`;
        const subs = this.pendingSubs.get(k);
        if (subs) {
          this.pendingSubs.delete(k);
          subs.forEach((f, i) => {
            const code = s.reasonCodes?.[i];
            const granted = code === undefined ? '' : code < 0x80 ? ` → q${code}` : ` → refused 0x${code.toString(16)}`;
            const line = f + granted;
            if (c.subscriptions.length < MAX_CLIENT_SUBSCRIPTIONS && !c.subscriptions.includes(line)) c.subscriptions.push(line);
          });
        }
        break;
      }
      case 14: if (rec.dir === 'c2s') c.state = 'disconnected'; break;
    }
    if (s.packetId !== null || s.type === 12 || s.type === 13) this.flow(rec);
  }

  private publish(rec: PacketRecord): void {
    const topic = rec.topic;
    if (topic === null) return;
    let t = this.topicMap.get(topic);
    if (!t) {
      if (this.topicMap.size >= MAX_TOPICS) return;
      t = { topic, messages: 0, retained: null, lastPayload: '' };
      this.topicMap.set(topic, t);
    }
    // Count each application message once: as it enters the broker.
    if (rec.dir === 'c2s') t.messages++;
    const p = payloadOf(rec);
    t.lastPayload = preview(p);
    if (rec.summary.retain && rec.dir === 'c2s') t.retained = p.length === 0 ? '' : preview(p);
  }

  private flow(rec: PacketRecord): void {
    const s = rec.summary;
    const name = typeName(s.type);
    const opener = (s.type === 3 && s.qos > 0) || s.type === 8 || s.type === 10 || s.type === 12;
    const initDir = opener || s.type === 6 ? rec.dir : rec.dir === 'c2s' ? 's2c' : 'c2s';
    const key = `${rec.conn.id}|${initDir}|${s.type === 12 || s.type === 13 ? 'ping' : s.packetId}`;
    if (opener) {
      const prev = this.open.get(key);
      if (prev && s.dup) return; // a DUP re-send stays in its flow
      const kind = s.type === 3 ? `publish-qos${s.qos}` : s.type === 8 ? 'subscribe' : s.type === 10 ? 'unsubscribe' : 'ping';
      const state = s.type === 3 ? (s.qos === 1 ? 'awaiting-puback' : 'awaiting-pubrec') : s.type === 8 ? 'awaiting-suback' : s.type === 10 ? 'awaiting-unsuback' : 'awaiting-pingresp';
      const row: FlowRow = {
        conn: rec.conn.id, clientId: rec.clientId, packetId: s.packetId, kind, state, topic: rec.topic,
        steps: name, latencyMs: null, frames: [rec.frame],
      };
      if (this.flowList.length >= MAX_FLOWS) this.flowList.shift();
      this.flowList.push(row);
      const open = this.open;
      if (prev) open.delete(key); // re-inserted: the newest again
      else if (open.size >= MAX_OPEN_FLOWS) open.delete(open.keys().next().value as string);
      open.set(key, { row, start: rec.time, last: rec.time });
      return;
    }
    const f = this.open.get(key);
    if (!f) return;
    f.row.steps += ` → ${name}`;
    f.row.frames.push(rec.frame);
    f.last = rec.time;
    const failed = (s.reasonCodes ?? []).some((x) => x >= 0x80);
    let next: string;
    switch (s.type) {
      case 5: next = failed ? 'rejected' : 'awaiting-pubrel'; break;
      case 6: next = 'awaiting-pubcomp'; break;
      default: next = failed ? 'rejected' : 'complete';
    }
    f.row.state = next;
    if (next === 'complete' || next === 'rejected') {
      f.row.latencyMs = (rec.time - f.start) / 1000;
      this.open.delete(key);
    }
  }
}
