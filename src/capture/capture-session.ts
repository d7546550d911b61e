// Glue from capture frames to the sans-io Engine: link layer → IP → TCP →
// per-connection reassembly → MQTT detection → (WebSocket deframing) → engine
// open/data/gap/close/end with µs timestamps and frame numbers.
import type { CloseHow } from '../engine/engine.js';
import { connId, type ConnMeta, type Direction, type Endpoint } from '../model/types.js';
import { WebSocketDeframer } from '../stream/websocket.js';
import type { CaptureFrame } from './capture-parser.js';
import { DEFAULT_MQTT_PORTS, DEFAULT_TLS_PORTS, looksLikeConnect, looksLikeMqttWebSocket } from './detect.js';
import { IpDecoder, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from './ip-tcp.js';
import { decodeLink } from './link-layer.js';
import type { CaptureNote, NoteSink } from './notes.js';
import { TcpDirection, type TcpReassemblyOptions } from './tcp-reassembly.js';

/** The part of Engine the capture drives (the real Engine satisfies it). */
export interface EngineLike {
  open(meta: ConnMeta, time: number, opts?: { midstream?: boolean }): void;
  data(id: string, dir: Direction, chunk: Uint8Array, time: number, frame?: number): void;
  gap(id: string, dir: Direction, time: number, frame: number, lost?: number): void;
  close(id: string, time: number, how?: CloseHow): void;
  end(time: number): void;
}

export interface CaptureSessionOptions {
  engine: EngineLike;
  /** Extra MQTT ports (1883 is always one). */
  ports?: readonly number[];
  /** Ports reported as MQTT over TLS and not decoded. Default [8883]. */
  tlsPorts?: readonly number[];
  /** Detect MQTT (and MQTT over WebSocket) on any port from the first bytes. Default true. */
  heuristics?: boolean;
  onNote?: NoteSink;
  /** Notes kept per code before the rest are only counted. Default 100. */
  maxNotesPerCode?: number;
  reassembly?: TcpReassemblyOptions;
  /** A connection without traffic for this long (capture time) is dropped. Default 2 h. */
  idleTimeoutUs?: number;
  /** Most TCP connections tracked at once. Default 65536. */
  maxConnections?: number;
}

export interface CaptureStats {
  frames: number;
  tcpSegments: number;
  /** MQTT connections handed to the engine (tcp + ws). */
  mqttConnections: number;
  wsConnections: number;
  tlsConnections: number;
  /** TCP connections seen that were not MQTT. */
  otherConnections: number;
  /** Notes by severity, including ones beyond the per-code limit. */
  notes: { info: number; warn: number; error: number };
}

type Status = 'detecting' | 'mqtt' | 'tls' | 'ignored' | 'closed';

type Ev =
  | { kind: 'data'; side: 0 | 1; bytes: Buffer; frame: number; time: number }
  | { kind: 'gap'; side: 0 | 1; lost: number; frame: number; time: number };

interface Side {
  ep: Endpoint;
  key: string;
  dir: TcpDirection;
  synSeen: boolean;
  /** First bytes this side sent, for detection. */
  start: Buffer[];
  startLen: number;
  /** A gap came before detection finished: this side's start is unusable. */
  broken: boolean;
  rejected: boolean;
}

interface Conn {
  key: string;
  sides: [Side, Side];
  status: Status;
  /** Side that is the MQTT server by port, when known. */
  portServer: 0 | 1 | null;
  client: 0 | 1;
  meta: ConnMeta | null;
  ws: [WebSocketDeframer, WebSocketDeframer] | null;
  pending: Ev[];
  pendingBytes: number;
  firstTime: number;
  lastTime: number;
  curFrame: number;
  curTime: number;
  fin: [boolean, boolean];
}

const DETECT_LIMIT = 64 * 1024;
const START_KEEP = 16 * 1024;
const SWEEP_EVERY = 4096;
const CLOSED_LINGER_US = 120_000_000;

function epKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class CaptureSession {
  private readonly engine: EngineLike;
  private readonly ports: Set<number>;
  private readonly tlsPorts: Set<number>;
  private readonly heuristics: boolean;
  private readonly onNote: NoteSink;
  private readonly maxNotesPerCode: number;
  private readonly reasm: TcpReassemblyOptions;
  private readonly idleTimeoutUs: number;
  private readonly maxConnections: number;
  private readonly conns = new Map<string, Conn>();
  private readonly ip = new IpDecoder();
  private readonly noteCounts = new Map<string, number>();
  private lastTime = 0;
  private lastFrame = 0;
  private finished = false;
  readonly stats: CaptureStats = {
    frames: 0, tcpSegments: 0, mqttConnections: 0, wsConnections: 0, tlsConnections: 0, otherConnections: 0,
    notes: { info: 0, warn: 0, error: 0 },
  };
  /** Notes passed on (at most maxNotesPerCode per code). */
  readonly notes: CaptureNote[] = [];

  constructor(opts: CaptureSessionOptions) {
    this.engine = opts.engine;
    this.ports = new Set([...DEFAULT_MQTT_PORTS, ...(opts.ports ?? [])]);
    this.tlsPorts = new Set(opts.tlsPorts ?? DEFAULT_TLS_PORTS);
    this.heuristics = opts.heuristics ?? true;
    this.onNote = opts.onNote ?? (() => {});
    this.maxNotesPerCode = opts.maxNotesPerCode ?? 100;
    this.reasm = opts.reassembly ?? {};
    this.idleTimeoutUs = opts.idleTimeoutUs ?? 7_200_000_000;
    this.maxConnections = opts.maxConnections ?? 65_536;
  }

  /** Connections currently tracked (for tests and memory checks). */
  get trackedConnections(): number {
    return this.conns.size;
  }

  /** Record a note (reader notes go through here too, so the per-code limit applies). */
  note(n: CaptureNote): void {
    this.stats.notes[n.severity]++;
    const c = (this.noteCounts.get(n.code) ?? 0) + 1;
    this.noteCounts.set(n.code, c);
    if (c > this.maxNotesPerCode) return;
    this.notes.push(n);
    this.onNote(n);
  }

  frame(f: CaptureFrame): void {
    this.stats.frames++;
    this.lastTime = f.timeUs;
    this.lastFrame = f.frame;
    const link = decodeLink(f.linkType, f.data);
    if (link.kind === 'unsupported') {
      this.note({ frame: f.frame, severity: 'warn', code: 'unsupported-link-type', text: `frame ${f.frame}: link type ${f.linkType} is not supported; frame skipped` });
    } else if (link.kind === 'short') {
      this.note({ frame: f.frame, severity: 'warn', code: 'short-frame', text: `frame ${f.frame}: link-layer header cut short; frame skipped` });
    } else if (link.kind === 'ip') {
      const r = this.ip.decode(link.version, f.data, link.offset, f.frame, f.timeUs, f.truncated);
      this.drainIpNotes();
      if (r.kind === 'bad') this.note({ frame: f.frame, ...r.note, text: `frame ${f.frame}: ${r.note.text}; frame skipped` });
      else if (r.kind === 'tcp') this.segment(r.seg, f.frame, f.timeUs);
    }
    if (this.stats.frames % SWEEP_EVERY === 0) this.sweep();
  }

  /** End of input: flush reassembly, close every connection, end the engine. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.ip.finish();
    this.drainIpNotes();
    for (const conn of this.conns.values()) {
      if (conn.status === 'detecting' || conn.status === 'mqtt') {
        conn.sides[0].dir.flush(this.lastFrame, this.lastTime);
        conn.sides[1].dir.flush(this.lastFrame, this.lastTime);
      }
    }
    this.conns.clear();
    for (const [code, n] of this.noteCounts) {
      if (n > this.maxNotesPerCode) {
        const extra: CaptureNote = { frame: 0, severity: 'info', code: 'notes-suppressed', text: `${n - this.maxNotesPerCode} more '${code}' note(s) were not listed` };
        this.notes.push(extra);
        this.onNote(extra);
      }
    }
    this.engine.end(this.lastTime);
  }

  private drainIpNotes(): void {
    while (this.ip.pendingNotes.length > 0) this.note(this.ip.pendingNotes.shift()!);
  }

  private segment(seg: TcpSegment, frame: number, time: number): void {
    this.stats.tcpSegments++;
    const srcKey = epKey(seg.src, seg.srcPort);
    const dstKey = epKey(seg.dst, seg.dstPort);
    const key = srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`;
    const syn = (seg.flags & TCP_SYN) !== 0;
    const ack = (seg.flags & TCP_ACK) !== 0;
    const rst = (seg.flags & TCP_RST) !== 0;
    const fin = (seg.flags & TCP_FIN) !== 0;
    let conn = this.conns.get(key);
    if (conn && conn.status === 'closed') {
      conn.lastTime = time;
      if (!(syn && !ack)) return;
      this.conns.delete(key); // port reuse: a new connection
      conn = undefined;
    }
    if (!conn) {
      if (rst) return;
      conn = this.create(key, seg, srcKey, dstKey, frame, time);
      if (!conn) return;
    }
    conn.lastTime = time;
    const s: 0 | 1 = conn.sides[0].key === srcKey ? 0 : 1;
    const side = conn.sides[s];
    const peer = conn.sides[s === 0 ? 1 : 0];
    if (conn.status === 'tls' || conn.status === 'ignored') {
      if (fin) conn.fin[s] = true;
      if (rst || (conn.fin[0] && conn.fin[1])) this.tombstone(conn);
      return;
    }
    conn.curFrame = frame;
    conn.curTime = time;
    if (syn) {
      side.synSeen = true;
      side.dir.syn(seg.seq);
    }
    // Mid-stream: the peer's next byte is what this side acknowledges.
    if (ack && !rst && !peer.dir.started && !peer.synSeen) peer.dir.startAt(seg.ack);
    const dataSeq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
    // Pure ACKs go in too: their sequence number shows how far this side has sent.
    if (!syn || seg.payload.length > 0) side.dir.segment(dataSeq, seg.payload, seg.wireLen, fin, frame, time);
    if (ack && !rst) peer.dir.acked(seg.ack, frame, time);
    if (rst) {
      this.closeConn(conn, frame, time, 'reset');
      return;
    }
    if (conn.sides[0].dir.finished && conn.sides[1].dir.finished) this.closeConn(conn, frame, time, 'fin');
  }

  private create(key: string, seg: TcpSegment, srcKey: string, dstKey: string, frame: number, time: number): Conn | undefined {
    if (this.conns.size >= this.maxConnections) this.evict();
    // Side 0 is whoever sent the first segment we saw (the SYN sender when the handshake was captured).
    const mkSide = (host: string, port: number, k: string, idx: 0 | 1): Side => ({
      ep: { host, port }, key: k,
      dir: new TcpDirection({
        data: (bytes, fr, t) => this.event(conn, { kind: 'data', side: idx, bytes, frame: fr, time: t }),
        gap: (lost, fr, t) => this.event(conn, { kind: 'gap', side: idx, lost, frame: fr, time: t }),
      }, this.reasm),
      synSeen: false, start: [], startLen: 0, broken: false, rejected: false,
    });
    const conn: Conn = {
      key,
      sides: [mkSide(seg.src, seg.srcPort, srcKey, 0), mkSide(seg.dst, seg.dstPort, dstKey, 1)],
      status: 'detecting', portServer: null, client: 0, meta: null, ws: null,
      pending: [], pendingBytes: 0, firstTime: time, lastTime: time, curFrame: frame, curTime: time, fin: [false, false],
    };
    const synOnly = (seg.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    const serverBy = (set: Set<number>): 0 | 1 | null => {
      const a = set.has(seg.srcPort);
      const b = set.has(seg.dstPort);
      if (a && b) return synOnly ? 1 : seg.srcPort < seg.dstPort ? 0 : 1;
      return b ? 1 : a ? 0 : null;
    };
    const tls = serverBy(this.tlsPorts);
    const mqtt = serverBy(this.ports);
    if (mqtt === null && tls !== null) {
      conn.status = 'tls';
      this.stats.tlsConnections++;
      const srv = conn.sides[tls].ep;
      const cli = conn.sides[tls === 0 ? 1 : 0].ep;
      this.note({ frame, severity: 'info', code: 'tls-not-decoded', text: `frame ${frame}: connection ${connId(cli, srv)} is on the MQTT-over-TLS port ${srv.port}; it is encrypted and not decoded` });
    } else if (mqtt !== null) {
      conn.portServer = mqtt;
    } else if (!this.heuristics) {
      conn.status = 'ignored';
      this.stats.otherConnections++;
    }
    this.conns.set(key, conn);
    return conn;
  }

  private event(conn: Conn, ev: Ev): void {
    if (conn.status === 'mqtt') return this.forward(conn, ev);
    if (conn.status !== 'detecting') return;
    conn.pending.push(ev);
    const side = conn.sides[ev.side];
    if (ev.kind === 'data') {
      conn.pendingBytes += ev.bytes.length;
      if (!side.broken && side.startLen < START_KEEP) {
        side.start.push(ev.bytes);
        side.startLen += ev.bytes.length;
      }
    } else if (side.startLen === 0 || conn.portServer === null) {
      side.broken = true;
    }
    this.detect(conn);
  }

  private detect(conn: Conn): void {
    if (conn.portServer !== null) {
      const c: 0 | 1 = conn.portServer === 0 ? 1 : 0;
      const cs = conn.sides[c];
      const other = conn.sides[conn.portServer];
      if (cs.startLen === 0 && other.startLen === 0 && conn.pendingBytes < DETECT_LIMIT) return;
      let transport: 'tcp' | 'ws' = 'tcp';
      if (cs.startLen > 0 && cs.start[0]![0] === 0x47 /* 'G' */) {
        const v = looksLikeMqttWebSocket(Buffer.concat(cs.start));
        if (v === 'more' && !cs.broken && conn.pendingBytes < DETECT_LIMIT) return;
        if (v === 'yes') transport = 'ws';
      }
      return this.decided(conn, c, transport);
    }
    for (const idx of [0, 1] as const) {
      const side = conn.sides[idx];
      if (side.rejected || side.startLen === 0) continue;
      if (side.broken) {
        side.rejected = true;
        continue;
      }
      const start = side.start.length === 1 ? side.start[0]! : Buffer.concat(side.start);
      const vc = looksLikeConnect(start);
      if (vc === 'yes') return this.decided(conn, idx, 'tcp');
      const vw = looksLikeMqttWebSocket(start);
      if (vw === 'yes') return this.decided(conn, idx, 'ws');
      if ((vc === 'no' && vw === 'no') || side.startLen >= START_KEEP) side.rejected = true;
    }
    const bothDone = (conn.sides[0].rejected || conn.sides[0].broken) && (conn.sides[1].rejected || conn.sides[1].broken);
    // The client speaks first in MQTT: if the first talker is rejected, the other side's start is the reply.
    const firstTalker = conn.pending.find((e) => e.kind === 'data')?.side;
    const firstRejected = firstTalker !== undefined && conn.sides[firstTalker].rejected;
    if (bothDone || firstRejected || conn.pendingBytes > DETECT_LIMIT) this.ignore(conn);
  }

  private ignore(conn: Conn): void {
    conn.status = 'ignored';
    conn.pending = [];
    conn.pendingBytes = 0;
    for (const s of conn.sides) s.start = [];
    this.stats.otherConnections++;
  }

  private decided(conn: Conn, client: 0 | 1, transport: 'tcp' | 'ws'): void {
    conn.status = 'mqtt';
    conn.client = client;
    const cli = conn.sides[client].ep;
    const srv = conn.sides[client === 0 ? 1 : 0].ep;
    const meta: ConnMeta = { id: connId(cli, srv), client: cli, server: srv, transport };
    conn.meta = meta;
    this.stats.mqttConnections++;
    if (transport === 'ws') {
      this.stats.wsConnections++;
      const mk = (dir: Direction) => new WebSocketDeframer({
        data: (bytes) => this.engine.data(meta.id, dir, bytes, conn.curTime, conn.curFrame),
        note: (n) => this.note({ frame: conn.curFrame, severity: n.severity, code: n.code, text: `frame ${conn.curFrame}: ${meta.id} ${dir}: ${n.text}` }),
      });
      conn.ws = client === 0 ? [mk('c2s'), mk('s2c')] : [mk('s2c'), mk('c2s')];
    }
    const midstream = !conn.sides[client].synSeen;
    this.engine.open(meta, conn.firstTime, { midstream });
    const pending = conn.pending;
    conn.pending = [];
    conn.pendingBytes = 0;
    for (const s of conn.sides) s.start = [];
    for (const ev of pending) this.forward(conn, ev);
  }

  private forward(conn: Conn, ev: Ev): void {
    const meta = conn.meta!;
    const dir: Direction = ev.side === conn.client ? 'c2s' : 's2c';
    conn.curFrame = ev.frame;
    conn.curTime = ev.time;
    if (ev.kind === 'data') {
      if (conn.ws) conn.ws[ev.side].push(ev.bytes);
      else this.engine.data(meta.id, dir, ev.bytes, ev.time, ev.frame);
    } else {
      conn.ws?.[ev.side].gap();
      this.engine.gap(meta.id, dir, ev.time, ev.frame, ev.lost);
    }
  }

  private closeConn(conn: Conn, frame: number, time: number, how: CloseHow): void {
    if (conn.status === 'detecting' || conn.status === 'mqtt') {
      conn.sides[0].dir.flush(frame, time);
      conn.sides[1].dir.flush(frame, time);
    }
    if (conn.status === 'detecting') this.ignore(conn);
    if (conn.status === 'mqtt') this.engine.close(conn.meta!.id, time, how);
    this.tombstone(conn);
  }

  /** Keep a small closed marker so late ACKs and retransmissions don't start a new connection. */
  private tombstone(conn: Conn): void {
    conn.status = 'closed';
    conn.pending = [];
    conn.ws = null;
    for (const s of conn.sides) s.start = [];
  }

  private sweep(): void {
    const now = this.lastTime;
    for (const conn of [...this.conns.values()]) {
      const idle = now - conn.lastTime;
      if (conn.status === 'closed' && idle > CLOSED_LINGER_US) this.conns.delete(conn.key);
      else if (conn.status !== 'closed' && idle > this.idleTimeoutUs) this.dropIdle(conn);
    }
  }

  private dropIdle(conn: Conn): void {
    if (conn.status === 'mqtt') {
      conn.sides[0].dir.flush(this.lastFrame, conn.lastTime);
      conn.sides[1].dir.flush(this.lastFrame, conn.lastTime);
      this.engine.close(conn.meta!.id, conn.lastTime, 'end');
      this.note({ frame: this.lastFrame, severity: 'info', code: 'connection-idle', text: `connection ${conn.meta!.id} had no traffic for ${Math.round((this.lastTime - conn.lastTime) / 1e6)} s of capture time; it is no longer tracked` });
    }
    this.conns.delete(conn.key);
  }

  /** Too many connections: drop closed and non-MQTT ones first, then the least recently active. */
  private evict(): void {
    for (const conn of this.conns.values()) {
      if (conn.status === 'closed' || conn.status === 'ignored' || conn.status === 'tls') this.conns.delete(conn.key);
    }
    if (this.conns.size < this.maxConnections) return;
    let oldest: Conn | null = null;
    for (const conn of this.conns.values()) if (!oldest || conn.lastTime < oldest.lastTime) oldest = conn;
    if (oldest) this.dropIdle(oldest);
  }
}
