// Writes proxied conversations as classic microsecond pcap: Ethernet + IPv4
// (IPv6 when the client is IPv6) + TCP with a 3-way handshake, consistent
// seq/ack numbers, correct checksums, FIN or RST at the end.
// PcapConversationEncoder is sans-io (events in, Buffers out); PcapFileSink is
// the only part that touches files and timers.
import { closeSync, constants as fsConstants, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Direction, Endpoint } from '../model/types.js';
import { ethernetFrame, ipTcpPacket, MAC_CLIENT, MAC_SERVER } from './frame-builder.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from './ip-tcp.js';

/** Largest TCP payload per segment (65535 - 20 IPv4 - 20 TCP). */
export const MAX_SEGMENT_PAYLOAD = 65_495;
export const PCAP_SNAPLEN = 262_144;

/** The 24-byte global header: magic a1b2c3d4 (µs), v2.4, LINKTYPE_ETHERNET, little-endian. */
export function pcapGlobalHeader(linkType = 1, snapLen = PCAP_SNAPLEN): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snapLen, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

/** One record: 16-byte header (µs timestamp) + frame. */
export function pcapRecord(timeUs: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(16);
  const t = Math.max(0, Math.floor(timeUs));
  h.writeUInt32LE(Math.floor(t / 1_000_000) >>> 0, 0);
  h.writeUInt32LE(t % 1_000_000, 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt32LE(frame.length, 12);
  return Buffer.concat([h, frame]);
}

/** A literal address for the capture: IPv4-mapped IPv6 becomes IPv4; names get a stable synthetic address. */
function literal(host: string, v6: boolean): string {
  let h = host.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(h);
  if (mapped) h = mapped[1]!;
  if (h === 'localhost') h = v6 ? '::1' : '127.0.0.1';
  if (isIP(h) === 0) {
    // A host name (not resolved here): 198.18.0.0/15 is reserved for such stand-ins.
    let x = 0;
    for (const c of h) x = (x * 31 + c.charCodeAt(0)) >>> 0;
    h = `198.${18 + ((x >>> 16) & 1)}.${(x >>> 8) & 0xff}.${(x & 0xfe) + 1}`;
  }
  if (v6 && isIP(h) === 4) return `::ffff:${h}`;
  if (!v6 && isIP(h) === 6) return '127.0.0.1'; // unreachable: v6 is chosen when either side is IPv6
  return h;
}

function isV6(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return isIP(h) === 6 && !/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(h);
}

export class PcapConversationEncoder {
  private readonly cAddr: string;
  private readonly sAddr: string;
  private readonly cPort: number;
  private readonly sPort: number;
  /** Next sequence number each side sends. */
  private cSeq: number;
  private sSeq: number;
  private ipId = 1;
  private opened = false;
  private closed = false;
  /** The side whose FIN was written first by fin() (a half-close), or null. */
  private firstFin: Direction | null = null;
  /** The other side's FIN was written by fin() as well. */
  private bothFin = false;

  constructor(client: Endpoint, server: Endpoint, opts: { clientIsn?: number; serverIsn?: number } = {}) {
    const v6 = isV6(client.host) || isV6(server.host);
    this.cAddr = literal(client.host, v6);
    this.sAddr = literal(server.host, v6);
    this.cPort = client.port;
    this.sPort = server.port;
    this.cSeq = (opts.clientIsn ?? 0x10000000) >>> 0;
    this.sSeq = (opts.serverIsn ?? 0x20000000) >>> 0;
  }

  /** The 3-way handshake. */
  open(timeUs: number): Buffer {
    if (this.opened) return Buffer.alloc(0);
    this.opened = true;
    const out = [
      this.seg('c2s', TCP_SYN, undefined, timeUs, false),
    ];
    this.cSeq = (this.cSeq + 1) >>> 0;
    out.push(this.seg('s2c', TCP_SYN | TCP_ACK, undefined, timeUs));
    this.sSeq = (this.sSeq + 1) >>> 0;
    out.push(this.seg('c2s', TCP_ACK, undefined, timeUs));
    return Buffer.concat(out);
  }

  /** Bytes sent in one direction; big chunks are split into several segments. */
  data(dir: Direction, bytes: Uint8Array, timeUs: number): Buffer {
    if (this.closed || bytes.length === 0) return Buffer.alloc(0);
    const pre = this.opened ? [] : [this.open(timeUs)];
    const out: Buffer[] = pre;
    for (let o = 0; o < bytes.length; o += MAX_SEGMENT_PAYLOAD) {
      const part = bytes.subarray(o, Math.min(bytes.length, o + MAX_SEGMENT_PAYLOAD));
      out.push(this.seg(dir, TCP_ACK | TCP_PSH, part, timeUs));
      if (dir === 'c2s') this.cSeq = (this.cSeq + part.length) >>> 0;
      else this.sSeq = (this.sSeq + part.length) >>> 0;
    }
    return Buffer.concat(out);
  }

  /**
   * One side shut down its sending half (a half-close): its FIN now, and the other
   * side's ACK of it, as a TCP stack sends it at once. The other side may go on
   * sending; close() later writes only the FIN still missing.
   */
  fin(dir: Direction, timeUs: number): Buffer {
    if (this.closed || this.firstFin === dir || this.bothFin) return Buffer.alloc(0);
    const out: Buffer[] = this.opened ? [] : [this.open(timeUs)];
    out.push(this.seg(dir, TCP_FIN | TCP_ACK, undefined, timeUs));
    this.bump(dir);
    out.push(this.seg(dir === 'c2s' ? 's2c' : 'c2s', TCP_ACK, undefined, timeUs));
    if (this.firstFin === null) this.firstFin = dir;
    else this.bothFin = true;
    return Buffer.concat(out);
  }

  /**
   * End of the conversation: FIN exchange started by `by` (or by the side that
   * half-closed first, see fin()), or an RST from `by`.
   */
  close(timeUs: number, how: 'fin' | 'reset' | 'error' | 'end' = 'fin', by: Direction = 'c2s'): Buffer {
    if (this.closed) return Buffer.alloc(0);
    const out: Buffer[] = this.opened ? [] : [this.open(timeUs)];
    this.closed = true;
    if (how === 'reset' || how === 'error') {
      out.push(this.seg(by, TCP_RST | TCP_ACK, undefined, timeUs));
      return Buffer.concat(out);
    }
    if (this.bothFin) return Buffer.concat(out);
    const first = this.firstFin ?? by;
    const other: Direction = first === 'c2s' ? 's2c' : 'c2s';
    if (this.firstFin === null) {
      out.push(this.seg(first, TCP_FIN | TCP_ACK, undefined, timeUs));
      this.bump(first);
    }
    out.push(this.seg(other, TCP_FIN | TCP_ACK, undefined, timeUs));
    this.bump(other);
    out.push(this.seg(first, TCP_ACK, undefined, timeUs));
    return Buffer.concat(out);
  }

  private bump(dir: Direction): void {
    if (dir === 'c2s') this.cSeq = (this.cSeq + 1) >>> 0;
    else this.sSeq = (this.sSeq + 1) >>> 0;
  }

  private seg(dir: Direction, flags: number, payload: Uint8Array | undefined, timeUs: number, withAck = true): Buffer {
    const c2s = dir === 'c2s';
    const pkt = ipTcpPacket(c2s ? this.cAddr : this.sAddr, c2s ? this.sAddr : this.cAddr, {
      srcPort: c2s ? this.cPort : this.sPort,
      dstPort: c2s ? this.sPort : this.cPort,
      seq: c2s ? this.cSeq : this.sSeq,
      ack: withAck ? (c2s ? this.sSeq : this.cSeq) : 0,
      flags,
      payload,
    }, { id: this.ipId++ & 0xffff });
    const ethertype = isIP(this.cAddr) === 6 ? 0x86dd : 0x0800;
    const frame = ethernetFrame(c2s ? MAC_SERVER : MAC_CLIENT, c2s ? MAC_CLIENT : MAC_SERVER, ethertype, pkt);
    return pcapRecord(timeUs, frame);
  }
}

export interface PcapFileSinkOptions {
  /** Flush interval in ms. Default 1000. */
  flushIntervalMs?: number;
  /** Flush early when this many bytes are buffered. Default 1 MiB. */
  maxBuffered?: number;
  /**
   * Called once when writing fails after the file was opened (disk full, I/O
   * error). The sink then stops: it cuts the file after the last whole record
   * that reached it, closes it, and drops what it is given from then on.
   */
  onError?: (err: NodeJS.ErrnoException) => void;
  /**
   * Write to a staging file beside `path` until place() moves it there (rename keeps
   * the open file), so a start-up that fails after the sink was made (a port in use)
   * neither leaves a header-only file nor truncates a capture already at `path`:
   * discard() removes the staging file. Only for a regular file or a new one; a FIFO
   * or device path is opened as it is.
   */
  staged?: boolean;
  /**
   * A FIFO is written without blocking: what its reader has not taken yet waits here, up
   * to this many bytes; past that the reader has stopped reading, and the sink stops (with
   * an `onError`) rather than stall the process that feeds it. Default 16 MiB.
   */
  maxFifoBacklog?: number;
  /**
   * Called, just before the sink blocks, when `path` is a FIFO that no reader has open yet:
   * opening it waits (the whole process) until one does, e.g. `wireshark -k -i FIFO`.
   */
  onWaitForReader?: () => void;
}

/**
 * Appends records to a pcap file. The global header is written at once; data
 * is flushed at least every second, so the file is readable while it grows
 * and a crash loses at most about a second.
 *
 * Opening the file and writing its header throw (a start-up error). After that
 * no method throws: the first write error stops the sink and goes to `onError`,
 * because a recorder that fails must not take the traffic it watches down with it.
 */
export class PcapFileSink {
  private fd: number | null;
  private buf: Buffer[] = [];
  private bufLen = 0;
  private readonly maxBuffered: number;
  /** Written without blocking (a FIFO): `backlog` holds what the reader has not taken yet (from backlogHead on). */
  private readonly fifo: boolean;
  private backlog: Buffer[] = [];
  private backlogHead = 0;
  private backlogLen = 0;
  private readonly maxBacklog: number;
  private readonly timer: NodeJS.Timeout;
  private readonly onError: ((err: NodeJS.ErrnoException) => void) | undefined;
  /** Bytes written to the file so far. */
  written = 0;
  /** The error that stopped the sink, if one did. */
  failed: NodeJS.ErrnoException | null = null;

  /** The staging file written until place(), or null (written at `path`). */
  private staging: string | null;

  constructor(readonly path: string, opts: PcapFileSinkOptions = {}) {
    this.maxBuffered = opts.maxBuffered ?? 1024 * 1024;
    this.onError = opts.onError;
    this.staging = opts.staged === true && regularOrMissing(path) ? `${path}.${process.pid}.partial` : null;
    // 0600, as dumpcap creates its files: a capture holds CONNECT passwords and the plaintext
    // of terminated TLS. (An existing file written in place keeps its mode.)
    const probe = this.staging === null && opts.onWaitForReader ? probeFifo(path) : null;
    if (probe === 'no reader') opts.onWaitForReader?.();
    let fd: number;
    try {
      fd = openSync(this.staging ?? path, 'w', 0o600);
    } finally {
      // Closed only now: had the FIFO no writer for a moment, its reader would read an end of file.
      if (typeof probe === 'number') closeQuietly(probe);
    }
    // A FIFO: written without blocking from here on. A blocking write to a pipe whose reader
    // stopped reading (a paused or hung Wireshark) would stop the whole proxy, every
    // connection with it. The non-blocking descriptor is opened before the blocking one is
    // closed (the reader would otherwise see an end of file); it works now that a reader has it open.
    let fifo = false;
    try {
      fifo = this.staging === null && fstatSync(fd).isFIFO();
    } catch {
      // not known: written as a file
    }
    if (fifo) {
      try {
        const nb = openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
        closeQuietly(fd);
        fd = nb;
      } catch {
        fifo = false; // the reader left already: the blocking descriptor reports that at the first write
      }
    }
    this.fifo = fifo;
    this.maxBacklog = opts.maxFifoBacklog ?? 16 * 1024 * 1024;
    const h = pcapGlobalHeader();
    try {
      writeAll(fd, h);
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
    this.fd = fd;
    this.written = h.length;
    this.timer = setInterval(() => this.flush(), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Move the staging file to `path` (the file stays open and keeps growing there). Throws when it cannot. */
  place(): void {
    if (this.staging === null) return;
    renameSync(this.staging, this.path);
    this.staging = null;
  }

  /** Close and remove the staging file (start-up failed); what was at `path` is left as it was. */
  discard(): void {
    const staging = this.staging;
    this.staging = null;
    this.close();
    if (staging !== null) {
      try {
        unlinkSync(staging);
      } catch {
        // already gone
      }
    }
  }

  write(b: Buffer): void {
    if (this.fd === null || b.length === 0) return;
    this.buf.push(b);
    this.bufLen += b.length;
    if (this.bufLen >= this.maxBuffered) this.flush();
  }

  flush(): void {
    if (this.fd === null || (this.bufLen === 0 && this.backlogLen === 0)) return;
    if (this.fifo) {
      this.flushFifo();
      return;
    }
    const parts = this.buf;
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.bufLen);
    this.buf = [];
    this.bufLen = 0;
    const progress = { done: 0 };
    try {
      writeAll(this.fd, all, progress);
      this.written += all.length;
    } catch (err) {
      // Keep the whole pieces (each write() is whole records) that reached the file.
      let kept = 0;
      for (const p of parts) {
        if (kept + p.length > progress.done) break;
        kept += p.length;
      }
      this.written += kept;
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  /**
   * A FIFO's flush: what the pipe takes now is written, the rest waits in the backlog for
   * the next flush (a record may be cut between the two: the reader sees one byte stream).
   * A backlog past maxFifoBacklog means the reader stopped reading: the sink stops.
   */
  private flushFifo(): void {
    const q = this.backlog;
    for (const b of this.buf) q.push(b);
    this.backlogLen += this.bufLen;
    this.buf = [];
    this.bufLen = 0;
    while (this.backlogHead < q.length) {
      // At most IOV_MAX (1024) buffers per write.
      const batch = q.slice(this.backlogHead, this.backlogHead + 1024);
      let n: number;
      try {
        n = writevSync(this.fd!, batch);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EAGAIN') break;
        this.fail(e);
        return;
      }
      this.written += n;
      this.backlogLen -= n;
      // Step over the buffers written whole; the first one written in part keeps its rest.
      while (n > 0) {
        const b = q[this.backlogHead]!;
        if (n >= b.length) { n -= b.length; q[this.backlogHead++] = EMPTY; }
        else { q[this.backlogHead] = b.subarray(n); n = 0; }
      }
    }
    if (this.backlogHead === q.length) { this.backlog = []; this.backlogHead = 0; }
    else if (this.backlogHead > 4096 && this.backlogHead * 2 > q.length) { this.backlog = q.slice(this.backlogHead); this.backlogHead = 0; }
    if (this.backlogLen > this.maxBacklog) {
      const stalled: NodeJS.ErrnoException = new Error(`the program reading this FIFO stopped reading: ${(this.backlogLen / 1048576).toFixed(1)} MiB waited for it (at most ${(this.maxBacklog / 1048576).toFixed(0)} MiB are kept), so the recording stopped rather than stall the traffic`);
      stalled.code = 'EAGAIN';
      this.fail(stalled);
    }
  }

  close(): void {
    if (this.fd === null) return;
    clearInterval(this.timer);
    this.flush();
    // What a FIFO's reader did not take by now is dropped: closing must not wait for it.
    this.dropBacklog();
    if (this.fd === null) return; // the last flush failed and closed the file
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync is best effort (pipes, some file systems)
    }
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (err) {
      // close(2) can report a failed delayed write (NFS, a full disk).
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  private dropBacklog(): void {
    this.backlog = [];
    this.backlogHead = 0;
    this.backlogLen = 0;
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.failed) return;
    this.failed = err;
    clearInterval(this.timer);
    this.buf = [];
    this.bufLen = 0;
    this.dropBacklog();
    if (this.fd !== null) {
      // Cut a partly written flush off, so the file ends after a whole record.
      try {
        ftruncateSync(this.fd, this.written);
      } catch {
        // not a regular file (a pipe), or truncating failed too
      }
      closeQuietly(this.fd);
    }
    this.fd = null;
    try {
      this.onError?.(err);
    } catch {
      // The report failed too; the sink is stopped either way.
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** Write all of `b` (writeSync may write less than asked), counting in `progress`; throws on an error. */
function writeAll(fd: number, b: Buffer, progress = { done: 0 }): void {
  while (progress.done < b.length) progress.done += writeSync(fd, b, progress.done, b.length - progress.done);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already failing; nothing more to report
  }
}

/**
 * For a FIFO at `path`: 'no reader' when no process opens it for reading within `graceMs`
 * (opening it to write then blocks until one does; a reader started a moment before is
 * waited for), else a write descriptor opened without blocking, which the caller closes
 * once its own is open. null when `path` is not a FIFO.
 */
function probeFifo(path: string, graceMs = 250): number | 'no reader' | null {
  try {
    if (!statSync(path).isFIFO()) return null;
  } catch {
    return null;
  }
  const until = Date.now() + graceMs;
  for (;;) {
    try {
      return openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') return null;
    }
    if (Date.now() >= until) return 'no reader';
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // the open after this blocks the process anyway
  }
}

/** Whether `path` is a regular file or does not exist (a staging file may stand in for it). */
function regularOrMissing(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
