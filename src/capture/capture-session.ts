// Glue from capture frames to the sans-io Engine: link layer → IP → TCP →
// per-connection reassembly → MQTT detection → (WebSocket deframing) → engine
// open/data/gap/close/end with µs timestamps and frame numbers.
import type { CloseHow, GapReason } from '../engine/engine.js';
import { connId, type ConnMeta, type Direction, type Endpoint } from '../model/types.js';
import { WebSocketDeframer } from '../stream/websocket.js';
import type { CaptureFrame, CaptureFrameView } from './capture-parser.js';
import { DEFAULT_MQTT_PORTS, DEFAULT_TLS_PORTS, looksLikeConnect, looksLikeMqttWebSocket } from './detect.js';
import { IP_BAD, IP_TCP, IpDecoder, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type TcpSegmentView } from './ip-tcp.js';
import { LINK_NOT_IP, LINK_SHORT, LINK_UNSUPPORTED, linkIpOffset } from './link-layer.js';
import type { CaptureNote, NoteSink } from './notes.js';
import { TcpDirection, type TcpDirectionSink, type TcpReassemblyOptions } from './tcp-reassembly.js';

/** The part of Engine the capture drives (the real Engine satisfies it). */
export interface EngineLike {
  open(meta: ConnMeta, time: number, opts?: { midstream?: boolean }): void;
  data(id: string, dir: Direction, chunk: Uint8Array, time: number, frame?: number): void;
  gap(id: string, dir: Direction, time: number, frame: number, lost?: number, reason?: GapReason, exact?: boolean): void;
  close(id: string, time: number, how?: CloseHow, by?: Direction): void;
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
  | { kind: 'data'; side: 0 | 1; bytes: Uint8Array; frame: number; time: number }
  | { kind: 'gap'; side: 0 | 1; lost: number; frame: number; time: number; reason: GapReason };

interface Side {
  ep: Endpoint;
  dir: TcpDirection;
  synSeen: boolean;
  /** Sequence number of this side's SYN (when synSeen). */
  isn: number;
  /** First bytes this side sent, for detection. */
  start: Uint8Array[];
  startLen: number;
  /** A gap came before detection finished: this side's start is unusable. */
  broken: boolean;
  rejected: boolean;
}

interface Conn {
  /** IPv6 connections: the key in v6Conns. IPv4 ones are found through the numeric index. */
  key: string | null;
  /** IPv4 endpoints as numbers (side 0 then side 1), for the index. */
  ip0: number;
  port0: number;
  ip1: number;
  port1: number;
  /** Next connection in the same index bucket. */
  next: Conn | null;
  sides: [Side, Side];
  status: Status;
  /** Side that is the MQTT server by port, when known. */
  portServer: 0 | 1 | null;
  client: 0 | 1;
  meta: ConnMeta | null;
  ws: [WebSocketDeframer, WebSocketDeframer] | null;
  /**
   * MQTT over WebSocket: whether the server accepted the upgrade. The client's
   * frame payloads are held (with their frames and times) until its answer: a
   * 101 lets them through, any other status drops them.
   */
  wsUpgrade: 'pending' | 'accepted' | 'refused';
  wsHeld: Ev[];
  wsHeldBytes: number;
  pending: Ev[];
  pendingBytes: number;
  firstTime: number;
  lastTime: number;
  curFrame: number;
  curTime: number;
  fin: [boolean, boolean];
  /** The side whose FIN or RST was captured first: the side that closed the connection. */
  closedFirst: 0 | 1 | null;
  /** Directions not one segment of which was captured (TcpDirectionSink.uncaptured), noted once the connection is decided. */
  unseen: Unseen[] | null;
  /**
   * On an MQTT-over-TLS port (and no MQTT port): the server side, and the frame the
   * connection was first seen in. Its client's first bytes decide: a TLS record is
   * not decoded; a plaintext CONNECT (as in the pcap mqttscope's own TLS proxy writes) is.
   */
  tlsServer: 0 | 1 | null;
  tlsFrame: number;
  /**
   * Once closed (its sides are let go): each side's SYN sequence number, or -1 when
   * its SYN was not captured, and the time of the close. A SYN that repeats it,
   * stamped before the close, is a copy of the connection's own SYN (the same packet
   * captured again on another interface, as `dumpcap -i lo -i any` writes it), not a
   * new connection; one stamped after the close is a new connection (crafted
   * captures reuse sequence numbers too).
   */
  closedIsn: [number, number];
  closedTime: number;
}

interface Unseen {
  side: 0 | 1;
  bytes: number;
  first: number;
  last: number;
}

const DETECT_LIMIT = 64 * 1024;
/** Client WebSocket payload held while the server's answer to the upgrade is unknown. */
const WS_HOLD_LIMIT = 1024 * 1024;
const START_KEEP = 16 * 1024;
const SWEEP_EVERY = 4096;
const CLOSED_LINGER_US = 120_000_000;
/** Endpoints remembered for the not-decoded hint (and broker endpoints learned), at most. */
const HINT_ENDPOINTS = 256;

function epKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A symmetric hash of an IPv4 4-tuple (the same from either side). */
function hash4(ipA: number, portA: number, ipB: number, portB: number): number {
  const a = Math.imul((ipA ^ Math.imul(portA, 0x9e3779b1)) | 0, 0x85ebca6b);
  const b = Math.imul((ipB ^ Math.imul(portB, 0x9e3779b1)) | 0, 0x85ebca6b);
  const h = (a ^ (a >>> 15)) + (b ^ (b >>> 15));
  return Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ (h >>> 16);
}

/** Reassembly output of one side of a connection, routed to the session. */
class SideSink implements TcpDirectionSink {
  constructor(private readonly session: CaptureSession, private readonly conn: Conn, private readonly idx: 0 | 1) {}

  data(bytes: Uint8Array, frame: number, time: number): void {
    const conn = this.conn;
    if (conn.status === 'mqtt') this.session.forwardData(conn, this.idx, bytes, frame, time);
    else this.session.event(conn, { kind: 'data', side: this.idx, bytes, frame, time });
  }

  gap(lost: number, frame: number, time: number, kind?: 'not-captured' | 'snap-cut'): void {
    this.session.event(this.conn, { kind: 'gap', side: this.idx, lost, frame, time, reason: kind ?? 'lost' });
  }

  conflict(frame: number): void {
    const from = this.conn.sides[this.idx].ep;
    const to = this.conn.sides[this.idx === 0 ? 1 : 0].ep;
    this.session.note({
      frame, severity: 'warn', code: 'tcp-retransmission-differs',
      text: `frame ${frame}: a TCP retransmission from ${epKey(from.host, from.port)} to ${epKey(to.host, to.port)} carries bytes that differ from the earlier copy of the same sequence numbers; the earlier copy is decoded (a receiver keeps the bytes it already has), so a packet there may not be what the sender last meant`,
    });
  }

  uncaptured(bytes: number, first: number, last: number): void {
    (this.conn.unseen ??= []).push({ side: this.idx, bytes, first, last });
  }
}

const NO_BYTES = new Uint8Array(0);
/** pending of a closed connection (nothing is ever added to it). */
const NO_EVENTS: Ev[] = [];
let CLOSED_SIDES: [Side, Side] | null = null;

/** The shared, inert sides of every closed connection. */
function closedSides(): [Side, Side] {
  if (CLOSED_SIDES) return CLOSED_SIDES;
  const noop: TcpDirectionSink = { data: () => {}, gap: () => {} };
  const mk = (): Side => ({
    ep: { host: '', port: 0 }, dir: new TcpDirection(noop), synSeen: false, isn: 0, start: [], startLen: 0, broken: false, rejected: false,
  });
  return (CLOSED_SIDES = [mk(), mk()]);
}
/** Out-of-order bytes held for all connections together (TcpReassemblyOptions.shared). */
const MAX_HELD_TOTAL = 256 * 1024 * 1024;
const SLAB_SIZE = 8192;
const SLAB_MAX = SLAB_SIZE / 2;

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
  /** Every tracked connection, in the order they were created. */
  private readonly conns = new Set<Conn>();
  /** IPv4 connections by 4-tuple: chained buckets, no key strings. */
  private buckets: (Conn | null)[] = new Array<Conn | null>(1024).fill(null);
  private v4Count = 0;
  /** IPv6 connections by `[a]:p|[b]:p` key (sorted endpoints). */
  private readonly v6Conns = new Map<string, Conn>();
  /** Side of the last lookup's segment (0: it came from side 0). */
  private foundSide: 0 | 1 = 0;
  /** No tracked connection's lastTime is below this (lets sweeps that cannot drop anything be skipped). */
  private timeFloor = Infinity;
  /** Where copyPayload carves small payload copies from. */
  private slab = new ArrayBuffer(SLAB_SIZE);
  private slabUsed = 0;
  private readonly ip = new IpDecoder();
  private readonly noteCountsByCode = new Map<string, number>();
  private lastTime = 0;
  private lastFrame = 0;
  private finished = false;
  /** Unsupported link types met: the first frame of each and how many frames it had. */
  private readonly unsupportedLinks = new Map<number, { first: number; count: number }>();
  /** Frames of unsupported link types beyond MAX_LINK_TYPES_NOTED distinct ones. */
  private otherLinkFrames = 0;
  /** Raw-IP frames that were not IP (LINK_NOT_IP), and the first of them. */
  private notIpFrames = 0;
  private notIpFirst = 0;
  /**
   * Connections left undecoded because their start was not captured (no SYN, or
   * the first bytes lost) on a port not known to carry MQTT: they may be MQTT that
   * only --port can show. Counted per endpoint (bounded) for one note at the end.
   */
  private unstarted = 0;
  private unstartedFrame = 0;
  private readonly unstartedEps = new Map<string, { ep: Endpoint; n: number; frame: number }>();
  /** Server endpoints of decoded MQTT connections (bounded): a broker seen elsewhere in the capture. */
  private readonly brokers = new Map<string, number>();
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
    // One pool for every connection's out-of-order bytes (a direction alone holds at most 4 MiB).
    this.reasm = { ...opts.reassembly, shared: opts.reassembly?.shared ?? { limit: MAX_HELD_TOTAL, used: 0 } };
    this.idleTimeoutUs = opts.idleTimeoutUs ?? 7_200_000_000;
    this.maxConnections = opts.maxConnections ?? 65_536;
  }

  /** Notes made per code, including the ones beyond the per-code limit. */
  get noteCounts(): ReadonlyMap<string, number> {
    return this.noteCountsByCode;
  }

  /** Connections currently tracked (for tests and memory checks). */
  get trackedConnections(): number {
    return this.conns.size;
  }

  /** Record a note (reader notes go through here too, so the per-code limit applies). */
  note(n: CaptureNote): void {
    this.stats.notes[n.severity]++;
    const c = (this.noteCountsByCode.get(n.code) ?? 0) + 1;
    this.noteCountsByCode.set(n.code, c);
    if (c > this.maxNotesPerCode) return;
    this.notes.push(n);
    this.onNote(n);
  }

  frame(f: CaptureFrame): void {
    this.frameAt(f.frame, f.timeUs, f.linkType, f.data, 0, f.data.length, f.truncated);
  }

  /** A frame lent by the parser (CaptureParser onFrameView): what is kept is copied. */
  frameView(v: CaptureFrameView): void {
    this.frameAt(v.frame, v.timeUs, v.linkType, v.buf, v.start, v.end, v.truncated);
  }

  private frameAt(frame: number, timeUs: number, linkType: number, buf: Buffer, start: number, end: number, truncated: boolean): void {
    this.stats.frames++;
    this.lastTime = timeUs;
    this.lastFrame = frame;
    const link = linkIpOffset(linkType, buf, start, end);
    if (link === LINK_UNSUPPORTED) {
      this.unsupportedLink(linkType, frame);
    } else if (link === LINK_SHORT) {
      this.note({ frame, severity: 'warn', code: 'short-frame', text: `frame ${frame}: link-layer header cut short; frame skipped` });
    } else if (link === LINK_NOT_IP) {
      this.notIp(linkType, buf, start, end, frame);
    } else if (link >= 0) {
      const ip = this.ip;
      const r = ip.decodeAt((link & 1) === 1, buf, link >> 1, end, frame, timeUs, truncated);
      if (ip.pendingNotes.length > 0) this.drainIpNotes();
      if (r === IP_BAD) this.badIp(frame, truncated);
      else if (r === IP_TCP) this.segment(ip.seg, frame, timeUs);
    }
    if (this.stats.frames % SWEEP_EVERY === 0) this.sweep();
  }

  /**
   * A frame of a link type mqttscope does not decode: one note the first time each
   * link type is met (a pcapng may have a radiotap or USB interface beside the one
   * that carries MQTT), the frames counted, and the totals said at the end.
   */
  private unsupportedLink(linkType: number, frame: number): void {
    const seen = this.unsupportedLinks.get(linkType);
    if (seen !== undefined) { seen.count++; return; }
    if (this.unsupportedLinks.size >= MAX_LINK_TYPES_NOTED) { this.otherLinkFrames++; return; }
    this.unsupportedLinks.set(linkType, { first: frame, count: 1 });
    this.note({
      frame, severity: 'warn', code: 'unsupported-link-type',
      text: linkType < 0
        ? `frame ${frame}: the interface it was captured on has a damaged description block that gives no link type, so its frames are skipped; the count is given at the end`
        : `frame ${frame}: link type ${linkTypeLabel(linkType)} is not supported, so its frames are skipped (mqttscope reads Ethernet, Linux cooked SLL and SLL2, raw IPv4/IPv6 and BSD loopback); the count is given at the end`,
    });
  }

  /**
   * A frame of a raw-IP link type that does not start with an IPv4 or IPv6 header (tshark:
   * "bogus version"). Noted once, counted after that; most often the whole file has the wrong
   * link type (editcap -T rawip on Ethernet frames), which the note then says.
   */
  private notIp(linkType: number, buf: Uint8Array, start: number, end: number, frame: number): void {
    if (this.notIpFrames++ > 0) return;
    this.notIpFirst = frame;
    const first = start < end ? `0x${buf[start]!.toString(16).padStart(2, '0')}` : 'none';
    const eth = end - start >= 34 && buf[start + 12] === 0x08 && buf[start + 13] === 0x00 && buf[start + 14]! >> 4 === 4;
    const eth6 = end - start >= 54 && buf[start + 12] === 0x86 && buf[start + 13] === 0xdd && buf[start + 14]! >> 4 === 6;
    const hint = eth || eth6
      ? `; it looks like an Ethernet frame (IP${eth ? 'v4' : 'v6'} at byte 14), so the file's link type is probably wrong: \`editcap -T ether\` fixes it`
      : '';
    this.note({
      frame, severity: 'warn', code: 'not-ip',
      text: `frame ${frame}: the link type is raw IP (${linkType}), but the frame does not start with an IPv4 or IPv6 header (first byte ${first}), so it is skipped${hint}; the count is given at the end`,
    });
  }

  /** The frames each unsupported link type had, once the input ended. */
  private noteUnsupportedTotals(): void {
    if (this.notIpFrames > 0) {
      const n = this.notIpFrames;
      this.note({ frame: 0, severity: 'info', code: 'not-ip-frames', text: `raw IP frames without an IP header: ${n === 1 ? `1 frame skipped in all, frame ${this.notIpFirst}` : `${n} frames skipped in all, the first at frame ${this.notIpFirst}`}` });
    }
    for (const [linkType, { first, count }] of this.unsupportedLinks) {
      const frames = count === 1 ? `1 frame skipped in all, frame ${first}` : `${count} frames skipped in all, the first at frame ${first}`;
      this.note({ frame: 0, severity: 'info', code: 'unsupported-link-type-frames', text: `link type ${linkTypeLabel(linkType)}: ${frames}` });
    }
    if (this.otherLinkFrames > 0) {
      this.note({ frame: 0, severity: 'warn', code: 'unsupported-link-type-frames', text: `${this.otherLinkFrames} more frames of further unsupported link types skipped (only the first ${MAX_LINK_TYPES_NOTED} link types are named)` });
    }
  }

  /** A frame whose IP or TCP header could not be used. Headers cut short in a cut frame: the snap length did it. */
  private badIp(frame: number, truncated: boolean): void {
    const bad = this.ip.badNote!;
    // The frame's own note says what cut it: snaplen-truncated (the snap length, or an edit)
    // or corrupt-block (a pcapng packet block shorter than the length it states).
    const why = truncated && bad.code.startsWith('short-') ? ' (the frame was cut: its snaplen-truncated or corrupt-block note says why)' : '';
    this.note({ frame, ...bad, text: `frame ${frame}: ${bad.text}${why}; frame skipped` });
  }

  /** End of input: flush reassembly, close every connection, end the engine. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.ip.finish();
    this.drainIpNotes();
    for (const conn of this.conns) {
      if (conn.status === 'detecting' || conn.status === 'mqtt') {
        conn.sides[0].dir.flush(this.lastFrame, this.lastTime);
        conn.sides[1].dir.flush(this.lastFrame, this.lastTime);
      }
      if (conn.status === 'detecting') this.decideByPort(conn);
      if (conn.status === 'detecting') this.recordUnstarted(conn);
      if (conn.unseen !== null) this.noteUnseen(conn);
      if (conn.status === 'mqtt' && conn.ws) this.wsAnswered(conn, true);
      if (conn.status === 'mqtt') this.closedOneWay(conn);
    }
    this.noteUnstarted();
    this.noteUnsupportedTotals();
    this.conns.clear();
    this.buckets.fill(null);
    this.v4Count = 0;
    this.v6Conns.clear();
    for (const [code, n] of this.noteCountsByCode) {
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

  /** The tracked connection of a segment (sets foundSide), or undefined. */
  private lookup(seg: TcpSegmentView): Conn | undefined {
    if (seg.v6) {
      const srcKey = epKey(seg.src6, seg.srcPort);
      const dstKey = epKey(seg.dst6, seg.dstPort);
      const conn = this.v6Conns.get(srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`);
      if (conn) this.foundSide = conn.sides[0].ep.host === seg.src6 && conn.sides[0].ep.port === seg.srcPort ? 0 : 1;
      return conn;
    }
    const src = seg.src4, sp = seg.srcPort, dst = seg.dst4, dp = seg.dstPort;
    let c: Conn | null = this.buckets[hash4(src, sp, dst, dp) & (this.buckets.length - 1)]!;
    while (c !== null) {
      if (c.ip0 === src && c.port0 === sp && c.ip1 === dst && c.port1 === dp) { this.foundSide = 0; return c; }
      if (c.ip1 === src && c.port1 === sp && c.ip0 === dst && c.port0 === dp) { this.foundSide = 1; return c; }
      c = c.next;
    }
    return undefined;
  }

  private index(conn: Conn): void {
    this.conns.add(conn);
    if (conn.key !== null) { this.v6Conns.set(conn.key, conn); return; }
    if (++this.v4Count > this.buckets.length) this.grow();
    const i = hash4(conn.ip0, conn.port0, conn.ip1, conn.port1) & (this.buckets.length - 1);
    conn.next = this.buckets[i]!;
    this.buckets[i] = conn;
  }

  private remove(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    conn.sides[0].dir.discard();
    conn.sides[1].dir.discard();
    if (conn.key !== null) { this.v6Conns.delete(conn.key); return; }
    const i = hash4(conn.ip0, conn.port0, conn.ip1, conn.port1) & (this.buckets.length - 1);
    let c: Conn | null = this.buckets[i]!;
    let prev: Conn | null = null;
    while (c !== null && c !== conn) { prev = c; c = c.next; }
    if (c === null) return;
    if (prev === null) this.buckets[i] = conn.next;
    else prev.next = conn.next;
    conn.next = null;
    this.v4Count--;
  }

  private grow(): void {
    const old = this.buckets;
    const size = old.length * 2;
    this.buckets = new Array<Conn | null>(size).fill(null);
    for (let c of old) {
      while (c !== null && c !== undefined) {
        const next: Conn | null = c.next;
        const i = hash4(c.ip0, c.port0, c.ip1, c.port1) & (size - 1);
        c.next = this.buckets[i]!;
        this.buckets[i] = c;
        c = next;
      }
    }
  }

  private segment(seg: TcpSegmentView, frame: number, time: number): void {
    this.stats.tcpSegments++;
    const flags = seg.flags;
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    if (time < this.timeFloor) this.timeFloor = time;
    let conn = this.lookup(seg);
    if (conn && conn.status === 'closed') {
      conn.lastTime = time;
      if (!(syn && !ack)) return;
      // The connection's own SYN again, from its lifetime (tshark: "TCP Retransmission"), not port reuse.
      // Either side's: foundSide is not known for a closed IPv6 connection (its sides are gone).
      if ((conn.closedIsn[0] === seg.seq || conn.closedIsn[1] === seg.seq) && time < conn.closedTime) return;
      this.remove(conn); // port reuse: a new connection
      conn = undefined;
    } else if (conn && syn && !ack && this.reused(conn, this.foundSide, seg.seq)) {
      this.replaced(conn, frame, time);
      conn = undefined;
    }
    let s: 0 | 1 = this.foundSide;
    if (!conn) {
      if (rst) return;
      conn = this.create(seg, frame, time);
      if (!conn) return;
      s = 0;
    }
    conn.lastTime = time;
    const side = conn.sides[s];
    const peer = conn.sides[s === 0 ? 1 : 0];
    if (conn.status === 'tls' || conn.status === 'ignored') {
      if (syn && !side.synSeen) {
        side.synSeen = true;
        side.isn = seg.seq;
      }
      if (fin) conn.fin[s] = true;
      if (rst || (conn.fin[0] && conn.fin[1])) this.tombstone(conn);
      return;
    }
    conn.curFrame = frame;
    conn.curTime = time;
    if ((fin || rst) && conn.closedFirst === null) conn.closedFirst = s;
    if (syn) {
      side.synSeen = true;
      side.isn = seg.seq;
      side.dir.syn(seg.seq);
    }
    // Mid-stream: the peer's next byte is what this side acknowledges.
    if (ack && !rst && !peer.dir.started && !peer.synSeen) peer.dir.startAt(seg.ack);
    const dataSeq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
    // Data on a RST is a diagnostic text, not stream bytes [RFC 9293 3.5.3; tshark shows it as
    // the reset cause]: it is not passed on, or it would be framed as MQTT.
    const n = rst ? 0 : seg.end - seg.start;
    // Pure ACKs go in too: their sequence number shows how far this side has sent.
    const takes = !syn || n > 0;
    // The acknowledgement first: it covers what the peer sent before this segment, so peer
    // bytes it releases (held behind a hole it shows lost) come before this payload, as on
    // the wire (a PUBACK must not come before the PUBLISH it acknowledges).
    if (ack && !rst) peer.dir.acked(seg.ack, frame, time, side.dir.finSent || (fin && takes), n > 0);
    if (takes) {
      // The frame is only lent to us and packet records keep their bytes: copy the payload once.
      side.dir.segment(dataSeq, n > 0 ? this.copyPayload(seg.buf, seg.start, seg.end) : NO_BYTES, rst ? 0 : seg.wireLen, fin, frame, time, (flags & TCP_PSH) !== 0);
    }
    if (rst) {
      this.closeConn(conn, frame, time, 'reset');
      return;
    }
    if (conn.sides[0].dir.finished && conn.sides[1].dir.finished) this.closeConn(conn, frame, time, 'fin');
  }

  /**
   * A SYN on a connection that is still open: a retransmitted SYN repeats the
   * first one's sequence number; any other is a new connection on the same
   * addresses and ports, the old one's end not captured (tshark: "TCP port
   * numbers reused").
   */
  private reused(conn: Conn, s: 0 | 1, seq: number): boolean {
    const side = conn.sides[s];
    return side.synSeen ? side.isn !== seq : side.dir.started;
  }

  /** End a connection that a new one on the same ports replaces, then forget it. */
  private replaced(conn: Conn, frame: number, time: number): void {
    const wasMqtt = conn.status === 'mqtt' || conn.status === 'detecting';
    this.closeConn(conn, frame, time, 'end');
    this.remove(conn);
    if (!wasMqtt || conn.meta === null) return;
    this.note({
      frame, severity: 'info', code: 'tcp-port-reuse',
      text: `frame ${frame}: a new connection (SYN) reuses the addresses and ports of ${conn.meta.id}, whose end was not captured; the earlier one is ended here`,
    });
  }

  /**
   * A private copy of buf[s, e). Small payloads are carved out of 8 KiB slabs
   * (like Buffer's pool, so a kept packet pins no more than it did before) and
   * copied byte by byte: cheaper than Buffer.allocUnsafe + copy per segment.
   */
  private copyPayload(buf: Uint8Array, s: number, e: number): Uint8Array {
    const n = e - s;
    if (n > SLAB_MAX) {
      const out = new Uint8Array(n);
      out.set(new Uint8Array(buf.buffer, buf.byteOffset + s, n));
      return out;
    }
    if (this.slabUsed + n > SLAB_SIZE) {
      this.slab = new ArrayBuffer(SLAB_SIZE);
      this.slabUsed = 0;
    }
    const out = new Uint8Array(this.slab, this.slabUsed, n);
    this.slabUsed = (this.slabUsed + n + 7) & ~7;
    if (n <= 128) for (let i = 0; i < n; i++) out[i] = buf[s + i]!;
    else out.set(new Uint8Array(buf.buffer, buf.byteOffset + s, n));
    return out;
  }

  private create(seg: TcpSegmentView, frame: number, time: number): Conn | undefined {
    if (this.conns.size >= this.maxConnections) this.evict();
    // Side 0 is whoever sent the first segment we saw (the SYN sender when the handshake was captured).
    let key: string | null = null;
    if (seg.v6) {
      const srcKey = epKey(seg.src6, seg.srcPort);
      const dstKey = epKey(seg.dst6, seg.dstPort);
      key = srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`;
    }
    const conn: Conn = {
      key, ip0: seg.src4, port0: seg.srcPort, ip1: seg.dst4, port1: seg.dstPort, next: null,
      sides: undefined as unknown as [Side, Side],
      status: 'detecting', portServer: null, client: 0, meta: null, ws: null, wsUpgrade: 'pending', wsHeld: [], wsHeldBytes: 0,
      pending: [], pendingBytes: 0, firstTime: time, lastTime: time, curFrame: frame, curTime: time, fin: [false, false], closedFirst: null,
      unseen: null, tlsServer: null, tlsFrame: frame, closedIsn: [-1, -1], closedTime: 0,
    };
    const mkSide = (host: string, port: number, idx: 0 | 1): Side => ({
      ep: { host, port },
      dir: new TcpDirection(new SideSink(this, conn, idx), this.reasm),
      synSeen: false, isn: 0, start: [], startLen: 0, broken: false, rejected: false,
    });
    // Flat strings (trim() flattens the template's rope): they are kept for the connection's life.
    conn.sides = [mkSide(seg.srcHost.trim(), seg.srcPort, 0), mkSide(seg.dstHost.trim(), seg.dstPort, 1)];
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
      conn.tlsServer = tls; // decided by the client's first bytes (detect)
    } else if (mqtt !== null) {
      conn.portServer = mqtt;
    } else if (!this.heuristics) {
      conn.status = 'ignored';
      this.stats.otherConnections++;
    }
    this.index(conn);
    return conn;
  }

  /** @internal In-order bytes of an MQTT connection (SideSink): straight to the engine. */
  forwardData(conn: Conn, side: 0 | 1, bytes: Uint8Array, frame: number, time: number): void {
    conn.curFrame = frame;
    conn.curTime = time;
    if (conn.ws) conn.ws[side].push(bytes);
    else this.engine.data(conn.meta!.id, side === conn.client ? 'c2s' : 's2c', bytes, time, frame);
  }

  /** @internal Reassembly output of a connection that is not (yet) known to be MQTT. */
  event(conn: Conn, ev: Ev): void {
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
    if (conn.tlsServer !== null) return this.detectOnTlsPort(conn, conn.tlsServer);
    if (conn.portServer !== null) {
      const c: 0 | 1 = conn.portServer === 0 ? 1 : 0;
      const cs = conn.sides[c];
      const other = conn.sides[conn.portServer];
      // A client whose first bytes were not captured can no longer show an HTTP upgrade: plain MQTT.
      if (cs.startLen === 0 && !cs.broken && other.startLen === 0 && conn.pendingBytes < DETECT_LIMIT) return;
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

  /**
   * A connection on an MQTT-over-TLS port: a TLS record (content type 0x16, a
   * handshake) from the client, or anything that is not a CONNECT, is encrypted and
   * not decoded; a CONNECT in the clear is plaintext MQTT on that port, decoded.
   */
  private detectOnTlsPort(conn: Conn, server: 0 | 1): void {
    const c: 0 | 1 = server === 0 ? 1 : 0;
    const cs = conn.sides[c];
    if (cs.startLen === 0) {
      if (!cs.broken && conn.pendingBytes < DETECT_LIMIT) return;
      return this.encrypted(conn, server);
    }
    const start = cs.start.length === 1 ? cs.start[0]! : Buffer.concat(cs.start);
    const v = start[0] === 0x16 ? 'no' : looksLikeConnect(start);
    if (v === 'more' && !cs.broken && cs.startLen < START_KEEP && conn.pendingBytes < DETECT_LIMIT) return;
    if (v !== 'yes') return this.encrypted(conn, server);
    const srv = conn.sides[server].ep;
    this.note({
      frame: conn.tlsFrame, severity: 'info', code: 'plaintext-on-tls-port',
      text: `frame ${conn.tlsFrame}: connection ${connId(cs.ep, srv)} is on the MQTT-over-TLS port ${srv.port} but its client sends a CONNECT in the clear (as in a pcap mqttscope's TLS proxy wrote); decoded as plain MQTT`,
    });
    conn.tlsServer = null;
    this.decided(conn, c, 'tcp');
  }

  /** A connection on an MQTT-over-TLS port that is not plaintext MQTT: noted, not decoded. */
  private encrypted(conn: Conn, server: 0 | 1): void {
    conn.status = 'tls';
    conn.tlsServer = null;
    conn.pending = [];
    conn.pendingBytes = 0;
    for (const side of conn.sides) side.start = [];
    this.stats.tlsConnections++;
    const srv = conn.sides[server].ep;
    const cli = conn.sides[server === 0 ? 1 : 0].ep;
    const frame = conn.tlsFrame;
    this.note({ frame, severity: 'info', code: 'tls-not-decoded', text: `frame ${frame}: connection ${connId(cli, srv)} is on the MQTT-over-TLS port ${srv.port}; it is encrypted and not decoded` });
  }

  /**
   * The connection ends while still undecided: on an MQTT port, what it carried
   * (gaps only, say, when both sides' first segments were lost) is MQTT. On a TLS
   * port, with no CONNECT in the clear seen, it counts as TLS.
   */
  private decideByPort(conn: Conn): void {
    if (conn.tlsServer !== null) return this.encrypted(conn, conn.tlsServer);
    if (conn.portServer === null || conn.pending.length === 0) return;
    const c: 0 | 1 = conn.portServer === 0 ? 1 : 0;
    const cs = conn.sides[c];
    const ws = cs.startLen > 0 && cs.start[0]![0] === 0x47 && looksLikeMqttWebSocket(Buffer.concat(cs.start)) === 'yes';
    this.decided(conn, c, ws ? 'ws' : 'tcp');
  }

  private ignore(conn: Conn): void {
    this.recordUnstarted(conn);
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
    // Flattened: the id is kept by sessions and counters long after the connection.
    const meta: ConnMeta = { id: connId(cli, srv).trim(), client: cli, server: srv, transport };
    conn.meta = meta;
    this.stats.mqttConnections++;
    const bk = epKey(srv.host, srv.port);
    const nb = this.brokers.get(bk);
    if (nb !== undefined || this.brokers.size < HINT_ENDPOINTS) this.brokers.set(bk, (nb ?? 0) + 1);
    if (transport === 'ws') {
      this.stats.wsConnections++;
      const mk = (dir: Direction) => new WebSocketDeframer({
        data: dir === 'c2s'
          ? (bytes) => this.wsClientData(conn, bytes)
          : (bytes) => this.engine.data(meta.id, dir, bytes, conn.curTime, conn.curFrame),
        note: (n) => {
          // After a refused upgrade the client's bytes are not WebSocket frames to judge.
          if (dir === 'c2s' && conn.wsUpgrade === 'refused') return;
          this.note({ frame: conn.curFrame, severity: n.severity, code: n.code, text: `frame ${conn.curFrame}: ${meta.id} ${dir}: ${n.text}` });
        },
        // Only the server's answer decides; a first line that is not an HTTP status (null) is let through.
        upgraded: dir === 's2c' ? (status) => this.wsAnswered(conn, status === null || status === 101) : undefined,
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

  /** Client payload of an MQTT-over-WebSocket connection: held until the server accepts the upgrade. */
  private wsClientData(conn: Conn, bytes: Uint8Array): void {
    if (conn.wsUpgrade === 'accepted') return this.engine.data(conn.meta!.id, 'c2s', bytes, conn.curTime, conn.curFrame);
    if (conn.wsUpgrade === 'refused') return;
    conn.wsHeld.push({ kind: 'data', side: conn.client, bytes, frame: conn.curFrame, time: conn.curTime });
    conn.wsHeldBytes += bytes.length;
    // Never answered within the bound (the server side not captured?): decode rather than hold more.
    if (conn.wsHeldBytes > WS_HOLD_LIMIT) this.wsAnswered(conn, true);
  }

  /**
   * The server accepted (101) or refused the upgrade, or the decision is forced
   * (close, gap, end, hold limit: accepted, as the best guess).
   */
  private wsAnswered(conn: Conn, accepted: boolean): void {
    if (conn.wsUpgrade !== 'pending') return;
    conn.wsUpgrade = accepted ? 'accepted' : 'refused';
    const held = conn.wsHeld;
    conn.wsHeld = [];
    conn.wsHeldBytes = 0;
    if (!accepted) return;
    for (const ev of held) if (ev.kind === 'data') this.engine.data(conn.meta!.id, 'c2s', ev.bytes, ev.time, ev.frame);
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
      if (conn.ws) {
        // The server's answer may be what was lost: decode the client's frames as the best guess.
        if (dir === 's2c') this.wsAnswered(conn, true);
        conn.ws[ev.side].gap();
      }
      this.engine.gap(meta.id, dir, ev.time, ev.frame, ev.lost, ev.reason, !conn.ws);
    }
  }

  /**
   * One note per direction of an MQTT connection that was never captured (a
   * one-way capture): instead of a stream-gap per ACK, one gap and this.
   */
  private noteUnseen(conn: Conn): void {
    const unseen = conn.unseen!;
    conn.unseen = null;
    if (conn.status !== 'mqtt') return;
    const meta = conn.meta!;
    for (const u of unseen) {
      const c2s = u.side === conn.client;
      const [lost, seen] = c2s ? ['client→broker', 'broker→client'] : ['broker→client', 'client→broker'];
      const [sender, receiver] = c2s ? ['client', 'broker'] : ['broker', 'client'];
      const frames = u.first === u.last ? `frame ${u.first}` : `frames ${u.first}-${u.last}`;
      this.note({
        frame: u.first, severity: 'info', code: 'tcp-direction-not-captured',
        text: `frame ${u.first}: ${meta.id}: not one ${lost} segment was captured, yet the ${receiver}'s ACKs show the ${sender} sent ${u.bytes} byte(s) (${frames}): a one-way capture (a span port, tap or capture filter that saw only ${seen} traffic), so the ${sender}'s packets cannot be decoded; reported as one stream-gap (frame ${u.first}), not one per ACK`,
      });
    }
  }

  /**
   * After the flush of a connection still open: in a one-way capture, the flush may have told
   * that the last sequence number the peer acknowledged was the uncaptured side's FIN (see
   * TcpDirection.flush). With the other side's FIN captured, the connection closed: 'fin', at
   * its last segment, not 'end' (open when the capture stopped). The side whose FIN was shown
   * first closed it; an ACK that covers the inferred FIN on the captured FIN's own segment
   * means that FIN came first (the captured one answers it).
   */
  private closedOneWay(conn: Conn): boolean {
    const [a, b] = conn.sides;
    if (!a.dir.finished || !b.dir.finished) return false;
    if (conn.ws) this.wsAnswered(conn, true);
    this.engine.close(conn.meta!.id, conn.lastTime, 'fin', finFirst(conn) === conn.client ? 'c2s' : 's2c');
    conn.status = 'closed';
    return true;
  }

  private closeConn(conn: Conn, frame: number, time: number, how: CloseHow): void {
    if (conn.status === 'detecting' || conn.status === 'mqtt') {
      conn.sides[0].dir.flush(frame, time);
      conn.sides[1].dir.flush(frame, time);
    }
    if (conn.status === 'detecting') this.decideByPort(conn);
    if (conn.status === 'detecting') this.ignore(conn);
    if (conn.unseen !== null) this.noteUnseen(conn);
    if (conn.status === 'mqtt') {
      if (conn.ws) this.wsAnswered(conn, true);
      const first = how === 'fin' ? finFirst(conn) : conn.closedFirst;
      this.engine.close(conn.meta!.id, time, how, first === null || how === 'end' ? undefined : first === conn.client ? 'c2s' : 's2c');
    }
    this.tombstone(conn);
  }

  /** Keep a small closed marker so late ACKs and retransmissions don't start a new connection. */
  private tombstone(conn: Conn): void {
    conn.status = 'closed';
    for (const i of [0, 1] as const) conn.closedIsn[i] = conn.sides[i].synSeen ? conn.sides[i].isn : -1;
    conn.closedTime = conn.lastTime;
    conn.pending = NO_EVENTS;
    conn.ws = null;
    conn.wsHeld = NO_EVENTS;
    // A closed connection only needs its addresses, status and time: let its
    // reassembly state go now (while still young) instead of with the tombstone.
    conn.sides[0].dir.discard();
    conn.sides[1].dir.discard();
    conn.sides = closedSides();
  }

  private sweep(): void {
    const now = this.lastTime;
    // Every tracked connection was active at timeFloor or later: when even that is
    // within both limits, nothing can be dropped and the walk is skipped.
    if (now - this.timeFloor <= Math.min(CLOSED_LINGER_US, this.idleTimeoutUs)) return;
    let floor = Infinity;
    for (const conn of this.conns) {
      const idle = now - conn.lastTime;
      if (conn.status === 'closed' && idle > CLOSED_LINGER_US) this.remove(conn);
      else if (conn.status !== 'closed' && idle > this.idleTimeoutUs) this.dropIdle(conn);
      else {
        if (conn.lastTime < floor) floor = conn.lastTime;
        // Retransmissions come within seconds: a connection quiet this long lets go of its last chunk.
        if (idle > CLOSED_LINGER_US) {
          conn.sides[0].dir.releaseLast();
          conn.sides[1].dir.releaseLast();
        }
      }
    }
    this.timeFloor = floor;
  }

  /**
   * A connection about to be given up undecoded: when it carried bytes but its
   * start was not captured (no SYN from either side, or a gap before its first
   * bytes), and no port said MQTT, it may be MQTT that heuristics cannot see.
   */
  private recordUnstarted(conn: Conn): void {
    if (conn.status !== 'detecting' || conn.portServer !== null || conn.tlsServer !== null || !this.heuristics) return;
    const [a, b] = conn.sides;
    if (a.startLen === 0 && b.startLen === 0 && !a.broken && !b.broken) return;
    if ((a.synSeen || b.synSeen) && !a.broken && !b.broken) return;
    if (this.unstarted++ === 0) this.unstartedFrame = conn.tlsFrame;
    for (const side of conn.sides) {
      const k = epKey(side.ep.host, side.ep.port);
      const e = this.unstartedEps.get(k);
      if (e) e.n++;
      else if (this.unstartedEps.size < HINT_ENDPOINTS) this.unstartedEps.set(k, { ep: side.ep, n: 1, frame: conn.tlsFrame });
    }
  }

  /**
   * One note per capture for the connections recordUnstarted kept, when they are
   * likely MQTT: one end is the broker of decoded MQTT connections, or nothing at
   * all was decoded (the user would see 0 packets and no reason).
   */
  private noteUnstarted(): void {
    if (this.unstarted === 0) return;
    const eps = [...this.unstartedEps.entries()];
    const known = eps.filter(([k]) => this.brokers.has(k));
    if (known.length === 0 && this.stats.mqttConnections > 0) return;
    // The likely server: a known broker; else the end shared by most connections, then the lower port.
    const cands = (known.length > 0 ? known : eps)
      .sort(([, x], [, y]) => y.n - x.n || x.ep.port - y.ep.port || x.frame - y.frame)
      .slice(0, known.length > 0 ? 3 : 1);
    const plural = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
    const what = cands.map(([k, e]) => {
      const b = this.brokers.get(k);
      return `${k} (${plural(e.n, 'connection', 'connections')}, the first at frame ${e.frame}${b !== undefined ? `; it is the broker of ${plural(b, 'decoded MQTT connection', 'decoded MQTT connections')} in this capture` : ''})`;
    }).join(', ');
    const ports = [...new Set(cands.map(([, e]) => e.ep.port))].map((p) => `--port ${p}`).join(' ');
    const n = this.unstarted;
    this.note({
      frame: this.unstartedFrame, severity: 'info', code: 'start-not-captured',
      text: `frame ${this.unstartedFrame}: ${n === 1 ? '1 TCP connection whose start was not captured was' : `${n} TCP connections whose start was not captured were`} not decoded: without a captured CONNECT, MQTT is only recognised on port 1883 and each --port N. Likely server: ${what}; if ${n === 1 ? 'it carries' : 'they carry'} MQTT, run again with ${ports}`,
    });
  }

  /** `full`: dropped to make room (maxConnections), not for being idle past the timeout. */
  private dropIdle(conn: Conn, full = false): void {
    if (conn.status === 'detecting') this.recordUnstarted(conn);
    // Still waiting on a TLS port for its client's first bytes: it counts (and is noted) as TLS.
    if (conn.status === 'detecting' && conn.tlsServer !== null) this.encrypted(conn, conn.tlsServer);
    if (conn.status === 'mqtt') {
      conn.sides[0].dir.flush(this.lastFrame, conn.lastTime);
      conn.sides[1].dir.flush(this.lastFrame, conn.lastTime);
      if (conn.unseen !== null) this.noteUnseen(conn);
      // A one-way capture's connection that the flush shows closed is not idle: it closed.
      if (this.closedOneWay(conn)) return this.remove(conn);
      if (conn.ws) this.wsAnswered(conn, true);
      this.engine.close(conn.meta!.id, conn.lastTime, 'end');
      const quiet = Math.round((this.lastTime - conn.lastTime) / 1e6);
      this.note({
        frame: this.lastFrame, severity: 'info', code: 'connection-idle',
        text: full
          ? `connection ${conn.meta!.id} is no longer tracked: more than ${this.maxConnections} TCP connections were open at once in the capture, and it was among the least recently active (no traffic for ${quiet} s of capture time); its later segments, if any, are read as a connection whose start was not captured`
          : `connection ${conn.meta!.id} had no traffic for ${quiet} s of capture time; it is no longer tracked`,
      });
    }
    this.remove(conn);
  }

  /**
   * Too many connections: drop closed and non-MQTT ones first, then the least
   * recently active, down to 1/16 below the cap. Freeing a batch makes each walk
   * over the connections pay for many new ones: evicting one at a time walked all
   * 65,536 per new connection (a capture of 80,000 SYNs took 44 s).
   */
  private evict(): void {
    for (const conn of this.conns) {
      if (conn.status === 'closed' || conn.status === 'ignored' || conn.status === 'tls') this.remove(conn);
    }
    const target = this.maxConnections - Math.max(1, this.maxConnections >> 4);
    const excess = this.conns.size - target;
    if (excess <= 0) return;
    // The excess-th smallest lastTime: those before it go, then as many at it as needed.
    const times = new Float64Array(this.conns.size);
    let i = 0;
    for (const conn of this.conns) times[i++] = conn.lastTime;
    times.sort();
    const cut = times[excess - 1]!;
    let atCut = excess;
    for (let k = 0; k < excess; k++) if (times[k]! < cut) atCut--;
    for (const conn of this.conns) {
      if (conn.lastTime < cut) this.dropIdle(conn, true);
      else if (conn.lastTime === cut && atCut > 0) { atCut--; this.dropIdle(conn, true); }
    }
  }
}

/**
 * The side whose FIN came first, once both are known: the one shown at the earlier frame. A FIN
 * known only from the peer's acknowledgement (a one-way capture) came before the frame that
 * acknowledged it, so on a tie (the captured FIN's own segment acknowledges it) it is first.
 */
function finFirst(conn: Conn): 0 | 1 {
  const a = conn.sides[0].dir;
  const b = conn.sides[1].dir;
  if (a.finAt !== b.finAt) return a.finAt < b.finAt ? 0 : 1;
  return b.finInferred && !a.finInferred ? 1 : 0;
}

/** Distinct unsupported link types named in notes (a hostile pcapng may declare thousands of interfaces). */
const MAX_LINK_TYPES_NOTED = 32;

/** Names of link types met in MQTT captures that mqttscope does not decode (tcpdump.org's LINKTYPE_ list). */
const LINK_TYPE_NAMES: Record<number, string> = {
  9: 'PPP', 10: 'FDDI', 50: 'PPP_HDLC', 104: 'C_HDLC', 105: 'IEEE802_11', 119: 'PRISM_HEADER', 127: 'IEEE802_11_RADIOTAP',
  163: 'IEEE802_11_AVS', 189: 'USB_LINUX', 192: 'PPI', 195: 'IEEE802_15_4', 201: 'BLUETOOTH_HCI_H4_WITH_PHDR',
  220: 'USB_LINUX_MMAPPED', 249: 'USBPCAP', 252: 'WIRESHARK_UPPER_PDU', 253: 'NETLINK', 263: 'NETANALYZER',
};

/** `147 (USER0)`, `127 (IEEE802_11_RADIOTAP)`, or the bare number. */
function linkTypeLabel(linkType: number): string {
  if (linkType < 0) return 'unknown (damaged interface description block)';
  const name = LINK_TYPE_NAMES[linkType] ?? (linkType >= 147 && linkType <= 162 ? `USER${linkType - 147}` : null);
  return name !== null ? `${linkType} (${name})` : String(linkType);
}
