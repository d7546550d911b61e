// Incremental push parser for classic pcap (µs and ns magic, both byte orders)
// and pcapng (SHB/IDB/EPB/SPB/PB, many interfaces and sections, both byte
// orders). Feed Buffer chunks split anywhere; frames come out through a callback.
// Frame payloads handed out are copies, so callers may keep them and the
// reader may reuse its read buffer. Memory is bounded by the largest record.
import { ByteQueue } from './byte-queue.js';
import type { CaptureNote, NoteSink } from './notes.js';

export interface CaptureFrame {
  /** 1-based, across the whole file (all sections and interfaces). */
  frame: number;
  /** Microseconds since the Unix epoch. */
  timeUs: number;
  /** LINKTYPE_* value of the interface the frame was captured on. */
  linkType: number;
  /** Captured bytes (a private copy). */
  data: Buffer;
  /** Length of the packet on the wire. */
  origLen: number;
  /** caplen < origlen: the end of the packet was not captured. */
  truncated: boolean;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
}

/**
 * A frame lent to `onFrameView`: the captured bytes are buf[start, end), a view
 * into the parser's input that is only valid during the call (the object itself
 * is reused for the next frame). No copy is made.
 */
export interface CaptureFrameView {
  frame: number;
  timeUs: number;
  linkType: number;
  buf: Buffer;
  start: number;
  end: number;
  origLen: number;
  truncated: boolean;
  interfaceId: number;
}

/** `pcap-modified`: Alexey Kuznetsov's patched libpcap (`editcap -F modpcap`), 8 more bytes per record header. */
export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcap-modified' | 'pcapng';

export interface CaptureParserOptions {
  onFrame: (f: CaptureFrame) => void;
  /**
   * When given, frames go here instead of `onFrame`, as borrowed views (no copy
   * per frame): for callers that copy what they keep.
   */
  onFrameView?: (f: CaptureFrameView) => void;
  onNote?: NoteSink;
  /** Largest record accepted before the file is declared corrupt. Default 64 MiB. */
  maxRecord?: number;
}

interface Iface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second. */
  unitsPerSec: bigint;
  /** if_tsoffset, seconds. */
  offsetSec: bigint;
}

const PCAP_US = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;
const PCAP_MODIFIED = 0xa1b2cd34;
/**
 * A classic pcap record longer than this and than the file's snap length is corrupt, as
 * libpcap and tshark judge it (262144 is their largest snap length): a damaged length would
 * otherwise swallow the records after it as one frame and derail every header that follows.
 */
const PCAP_MAX_SANE_RECORD = 262_144;
/** Times outside the years 0000-9999 (µs): a broken clock or if_tsoffset, noted once. */
const MIN_SANE_US = -62_167_219_200_000_000;
const MAX_SANE_US = 253_402_300_800_000_000;
/**
 * A frame this much earlier than the one before it is noted. Smaller steps back are common
 * when dumpcap interleaves several interfaces, and too small to matter to the analysis.
 */
const BACK_NOTED_US = 1_000_000;
const SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;

type State = 'magic' | 'pcap' | 'pcapng' | 'dead';

/** Block types whose content is read: section and interface headers, packets. */
const NEEDED_BLOCKS = new Set([0x0a0d0d0a, 1, 2, 3, 6]);
/** Known block types that are skipped without a note (names, statistics, secrets, systemd journal, custom). */
const KNOWN_SKIPPED = new Set([4, 5, 9, 10, 0x00000bad, 0x40000bad]);
/**
 * Blocks that are records of their own, not packets: tshark 4.0 numbers each as a frame
 * (a systemd journal entry, the data of a custom block), so they take a frame number here
 * too, or every frame after one would be numbered one lower than tshark's.
 */
const FRAME_BLOCKS = new Set([9, 0x00000bad, 0x40000bad]);
const BLOCK_NAMES: Record<number, string> = {
  0x0a0d0d0a: 'Section Header Block', 1: 'Interface Description Block', 2: 'Packet Block', 3: 'Simple Packet Block', 6: 'Enhanced Packet Block',
};
/** tshark's largest pcapng block (wiretap MAX_BLOCK_SIZE: 128 MiB of packet plus room for the rest). */
const PCAPNG_MAX_BLOCK = 134_348_832;

export class CaptureParser {
  private readonly q = new ByteQueue();
  private readonly onFrame: (f: CaptureFrame) => void;
  private readonly onFrameView: ((f: CaptureFrameView) => void) | null;
  private readonly view: CaptureFrameView = {
    frame: 0, timeUs: 0, linkType: 0, buf: Buffer.alloc(0), start: 0, end: 0, origLen: 0, truncated: false, interfaceId: 0,
  };
  private readonly onNote: NoteSink;
  private readonly maxRecord: number;
  private state: State = 'magic';
  private le = true;
  private nanos = false;
  private pcapLink = 0;
  private pcapSnap = 0;
  /** Snap length of the interface of the frame being handed out (0: none given). */
  private snap = 0;
  /** Largest captured length a classic pcap record may claim (see PCAP_MAX_SANE_RECORD). */
  private pcapMaxCap = 0;
  /** Bytes in a classic pcap record header: 16, or 24 in modified pcap. */
  private recHdr = 16;
  private oddTimeNoted = false;
  /** The frame being handed out had its own damage note (a packet block shorter than its captured length): no snaplen note too. */
  private damaged = false;
  private ifaces: Iface[] = [];
  private lastTimeUs = 0;
  /** Frames whose time is more than BACK_NOTED_US earlier than the frame before them. */
  private backwards = 0;
  private readonly unknownBlocks = new Set<number>();
  /** Frames handed out so far. */
  frames = 0;
  /** Bytes consumed so far (file offset of the next record). */
  offset = 0;
  format: CaptureFormat | null = null;

  constructor(opts: CaptureParserOptions) {
    this.onFrame = opts.onFrame;
    this.onFrameView = opts.onFrameView ?? null;
    this.onNote = opts.onNote ?? (() => {});
    this.maxRecord = opts.maxRecord ?? 64 * 1024 * 1024;
  }

  push(chunk: Buffer): void {
    if (this.state === 'dead') return;
    this.q.push(chunk);
    for (;;) {
      const progressed =
        this.state === 'magic' ? this.readMagic()
        : this.state === 'pcap' ? (this.onFrameView !== null && this.readPcapViews()) || this.readPcapRecord()
        : this.state === 'pcapng' ? (this.skipLeft > 0 ? this.skipBlock() : this.readBlock())
        : false;
      if (!progressed) break;
    }
    // The caller may reuse its chunk: keep private copies of what is left.
    this.q.own();
  }

  /** End of input: report a truncated final record. */
  end(): void {
    if (this.backwards > 1) {
      this.note(0, 'info', 'time-backwards', `${this.backwards} frames in all have a timestamp more than a second earlier than the frame before them`);
      this.backwards = 1;
    }
    if (this.state === 'dead') return;
    if (this.state === 'magic' && this.q.length < 4) {
      this.note(0, 'error', 'not-a-capture', this.q.length === 0 && this.offset === 0 ? 'the file is empty' : 'the file is too short to be a pcap or pcapng capture');
    } else if (this.state === 'magic') {
      // Only a pcap magic waits for more bytes here: the 24-byte file header is incomplete.
      this.note(0, 'error', 'truncated-header',
        `the file ends inside the 24-byte pcap file header (only ${this.q.length} byte(s)); the file was cut short and holds no packets`);
    } else if (this.state === 'pcapng' && this.offset === 0 && this.q.length > 0) {
      const claimed = this.claimedLength();
      this.note(0, 'error', 'truncated-header', claimed !== null && this.q.length >= 28
        ? `the pcapng section header block claims ${claimed} bytes, but the file has only ${this.q.length}; its length is damaged, or the file was cut short, and no packets are read`
        : `the file ends inside the pcapng section header block (only ${this.q.length} byte(s)); the file was cut short and holds no packets`);
    } else if (this.skipLeft > 0) {
      this.note(this.frames + 1, 'warn', 'truncated-record',
        `the capture ends in the middle of a ${this.skipLeft + this.skipFrom}-byte pcapng block skipped from byte offset ${this.skipAt} (${this.skipLeft} byte(s) of it missing); the file was probably cut short`);
    } else if (this.q.length > 0) {
      const claimed = this.claimedLength();
      // The length the record states tells a cut file from a damaged length: a few bytes short, or far past the end.
      const why = claimed === null ? '' : `; its header claims ${claimed} bytes in all, ${claimed - this.q.length} more than the file has left`;
      this.note(this.frames + 1, 'warn', 'truncated-record',
        `the capture ends in the middle of a record at byte offset ${this.offset} (${this.q.length} byte(s) of an incomplete record dropped${why}); the file was probably cut short${claimed !== null && claimed - this.q.length > 65_536 ? ', or that length is damaged' : ''}`);
    }
    this.q.clear();
    this.state = 'dead';
  }

  /** Bytes the record or block waiting in the queue says it has (header included), when its header is there. */
  private claimedLength(): number | null {
    if (this.state === 'pcapng') {
      const h = this.q.peek(8);
      return h === null ? null : this.u32(h, 4);
    }
    if (this.state !== 'pcap') return null;
    const h = this.q.peek(this.recHdr);
    return h === null ? null : this.recHdr + this.u32(h, 8);
  }

  private note(frame: number, severity: CaptureNote['severity'], code: string, text: string): void {
    this.onNote({ frame, severity, code, text });
  }

  private die(code: string, text: string): false {
    this.note(this.frames + 1, 'error', code, `${text} at byte offset ${this.offset}; the rest of the file is not read`);
    this.q.clear();
    this.state = 'dead';
    return false;
  }

  private take(n: number): void {
    this.q.consume(n);
    this.offset += n;
  }

  private readMagic(): boolean {
    const h = this.q.peek(4);
    if (!h) return false;
    const be = h.readUInt32BE(0);
    const le = h.readUInt32LE(0);
    if (be === SHB) {
      this.state = 'pcapng';
      this.format = 'pcapng';
      return true;
    }
    if (be === PCAP_US || be === PCAP_NS || be === PCAP_MODIFIED || le === PCAP_US || le === PCAP_NS || le === PCAP_MODIFIED) {
      const g = this.q.peek(24);
      if (!g) return false;
      this.le = le === PCAP_US || le === PCAP_NS || le === PCAP_MODIFIED;
      const magic = this.le ? le : be;
      this.nanos = magic === PCAP_NS;
      // Modified pcap: ifindex (4), protocol (2), pkt_type (1) and a pad byte follow the usual 16.
      this.recHdr = magic === PCAP_MODIFIED ? 24 : 16;
      this.format = this.nanos ? 'pcap-ns' : magic === PCAP_MODIFIED ? 'pcap-modified' : 'pcap';
      this.pcapSnap = this.u32(g, 16);
      this.snap = this.pcapSnap;
      this.pcapMaxCap = Math.min(this.maxRecord, Math.max(this.pcapSnap, PCAP_MAX_SANE_RECORD));
      // Only the low 16 bits are the link type; above them are reserved bits, the P (FCS present)
      // bit 26 and the FCS length [pcap spec 'LinkType and additional information'], which
      // libpcap and tshark mask off the same way (a trailing FCS is cut by the IP total length).
      this.pcapLink = this.u32(g, 20) & 0xffff;
      this.take(24);
      this.state = 'pcap';
      return true;
    }
    // About the file as a whole: frame 0.
    this.note(0, 'error', 'not-a-capture', h[0] === 0x1f && h[1] === 0x8b
      ? 'the data is gzip-compressed; decompress it first (gunzip)'
      : `unknown file magic ${h.toString('hex')} (not pcap, pcapng or modified pcap)`);
    this.q.clear();
    this.state = 'dead';
    return false;
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }

  private readPcapRecord(): boolean {
    const hl = this.recHdr;
    const h = this.q.peek(hl);
    if (!h) return false;
    const sec = this.u32(h, 0);
    const frac = this.u32(h, 4);
    const caplen = this.u32(h, 8);
    const origlen = this.u32(h, 12);
    if (caplen > this.pcapMaxCap) {
      const limit = this.pcapSnap > PCAP_MAX_SANE_RECORD && this.pcapSnap <= this.maxRecord ? `the file's snap length of ${this.pcapSnap}` : `${this.pcapMaxCap} (the largest snap length libpcap writes)`;
      this.note(this.frames + 1, 'error', 'corrupt-record',
        `frame ${this.frames + 1}: the record header at byte offset ${this.offset} claims ${caplen} captured bytes, more than ${limit}, so it is damaged; the rest of the file is not read (the frames before it are decoded)`);
      this.q.clear();
      this.state = 'dead';
      return false;
    }
    const rec = this.q.peek(hl + caplen);
    if (!rec) return false;
    const timeUs = sec * 1_000_000 + (this.nanos ? Math.floor(frac / 1000) : frac);
    if (this.onFrameView !== null) {
      // The view stays valid during the call: the queue is only consumed afterwards.
      this.emitView(timeUs, this.pcapLink, rec, hl, hl + caplen, origlen, 0);
      this.take(hl + caplen);
      return true;
    }
    const data = Buffer.from(rec.subarray(hl, hl + caplen));
    this.take(hl + caplen);
    this.emit(timeUs, this.pcapLink, data, origlen, 0);
    return true;
  }

  /**
   * View mode fast path: every whole record inside the first queued chunk is
   * handed out in place, with no Buffer or object made per record. Returns false
   * when no record was complete there (readPcapRecord then handles the rest).
   */
  private readPcapViews(): boolean {
    const c = this.q.firstChunk();
    if (c === null) return false;
    const first = this.q.firstOffset();
    const len = c.length;
    const le = this.le;
    const max = this.pcapMaxCap;
    const nanos = this.nanos;
    const hl = this.recHdr;
    let h = first;
    while (len - h >= hl) {
      const caplen = le ? u32le(c, h + 8) : u32be(c, h + 8);
      if (caplen > max || len - h - hl < caplen) break;
      const sec = le ? u32le(c, h) : u32be(c, h);
      const frac = le ? u32le(c, h + 4) : u32be(c, h + 4);
      const origlen = le ? u32le(c, h + 12) : u32be(c, h + 12);
      const timeUs = sec * 1_000_000 + (nanos ? Math.floor(frac / 1000) : frac);
      this.emitView(timeUs, this.pcapLink, c, h + hl, h + hl + caplen, origlen, 0);
      h += hl + caplen;
      this.offset += hl + caplen;
      if (this.state !== 'pcap') break;
    }
    if (h === first) return false;
    this.q.consume(h - first);
    return true;
  }

  private emitView(timeUs: number, linkType: number, buf: Buffer, start: number, end: number, origLen: number, interfaceId: number): void {
    const frame = ++this.frames;
    if (timeUs < this.lastTimeUs - BACK_NOTED_US && frame > 1) this.wentBack(frame, timeUs);
    this.lastTimeUs = timeUs;
    if ((timeUs < MIN_SANE_US || timeUs >= MAX_SANE_US) && !this.oddTimeNoted) this.oddTime(frame, timeUs);
    const caplen = end - start;
    const truncated = caplen < origLen;
    if (truncated && !this.damaged) this.cutNote(frame, caplen, origLen);
    const v = this.view;
    v.frame = frame;
    v.timeUs = timeUs;
    v.linkType = linkType;
    v.buf = buf;
    v.start = start;
    v.end = end;
    v.origLen = origLen > caplen ? origLen : caplen;
    v.truncated = truncated;
    v.interfaceId = interfaceId;
    this.onFrameView!(v);
  }

  private emit(timeUs: number, linkType: number, data: Buffer, origLen: number, interfaceId: number): void {
    const frame = ++this.frames;
    if (timeUs < this.lastTimeUs - BACK_NOTED_US && frame > 1) this.wentBack(frame, timeUs);
    this.lastTimeUs = timeUs;
    if ((timeUs < MIN_SANE_US || timeUs >= MAX_SANE_US) && !this.oddTimeNoted) this.oddTime(frame, timeUs);
    const truncated = data.length < origLen;
    if (truncated && !this.damaged) this.cutNote(frame, data.length, origLen);
    this.onFrame({ frame, timeUs, linkType, data, origLen: Math.max(origLen, data.length), truncated, interfaceId });
  }

  /** caplen < origlen: the frame was cut, normally by the snap length of its interface. */
  private cutNote(frame: number, caplen: number, origLen: number): void {
    const snap = this.snap;
    const why = caplen >= snap && snap > 0 ? `cut by the capture's snap length of ${snap} bytes`
      : snap > 0 ? `cut when the file was written or edited, e.g. by editcap -s: below the capture's snap length of ${snap} bytes`
      : 'the capture sets no snap length, so the record was cut when the file was written or edited';
    this.note(frame, 'warn', 'snaplen-truncated',
      `frame ${frame}: only ${caplen} of ${origLen} bytes were captured (${why}); the last ${origLen - caplen} byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)`);
  }

  /** A frame earlier than the one before it: noted the first time, counted after that. */
  private wentBack(frame: number, timeUs: number): void {
    if (this.backwards++ > 0) return;
    this.note(frame, 'info', 'time-backwards',
      `frame ${frame}: its timestamp is ${formatSeconds(this.lastTimeUs - timeUs)} earlier than frame ${frame - 1}'s; the capture is not in time order (merged captures? \`reordercap\` sorts one), so durations and time-based findings such as keepalive-timeout may be wrong`);
  }

  /** Once per file: a timestamp no clock produces (pcap times are unsigned, so this is pcapng's if_tsoffset or resolution). */
  private oddTime(frame: number, timeUs: number): void {
    this.oddTimeNoted = true;
    // Past what a Date holds (±8.64e15 ms, about the years ±275,000) the year is worked out
    // from the mean Gregorian year, as tshark shows such times (year 586517 for nearly 2^64 µs).
    const ms = timeUs / 1000;
    const year = Math.abs(ms) <= 8.64e15 ? new Date(ms).getUTCFullYear() : Math.floor(1970 + timeUs / 31_556_952_000_000);
    this.note(frame, 'info', 'timestamp-out-of-range',
      `frame ${frame}: its timestamp falls in the year ${Number.isNaN(year) ? '?' : year}, outside 0000-9999 (check the interface's if_tsoffset and if_tsresol); such times are shown clamped to 0000-01-01 or 9999-12-31`);
  }

  /** A pcapng packet: a view in view mode, else a private copy. */
  private emitBody(timeUs: number, linkType: number, body: Buffer, start: number, end: number, origLen: number, interfaceId: number): void {
    if (this.onFrameView !== null) this.emitView(timeUs, linkType, body, start, end, origLen, interfaceId);
    else this.emit(timeUs, linkType, Buffer.from(body.subarray(start, end)), origLen, interfaceId);
  }

  private readBlock(): boolean {
    const h = this.q.peek(12);
    if (!h) return false;
    const type0 = h.readUInt32LE(0);
    if (type0 === SHB) {
      // Section Header Block: the byte-order magic decides the endianness of this section.
      const bomLE = h.readUInt32LE(8);
      const bomBE = h.readUInt32BE(8);
      if (bomLE === BOM) this.le = true;
      else if (bomBE === BOM) this.le = false;
      else return this.die('corrupt-block', 'pcapng section header with a bad byte-order magic');
    }
    const type = this.u32(h, 0);
    const len = this.u32(h, 4);
    if (len < 12 || len % 4 !== 0) {
      return this.die('corrupt-block', `pcapng block of type 0x${type.toString(16)} with invalid length ${len} (a block has at least 12 bytes, a multiple of 4)`);
    }
    if (len > this.maxRecord) {
      // A block whose content is not needed (statistics, names, secrets, custom, unknown) is
      // skipped as it streams by, up to tshark's largest block: nothing of it is held.
      if (!NEEDED_BLOCKS.has(type) && len <= PCAPNG_MAX_BLOCK) {
        this.skipped(type);
        if (FRAME_BLOCKS.has(type)) this.recordBlock();
        this.skipAt = this.offset;
        this.skipFrom = 0;
        this.skipLeft = len;
        return this.skipBlock();
      }
      const name = BLOCK_NAMES[type];
      return this.die('corrupt-block', `pcapng block of type 0x${type.toString(16)}${name ? ` (${name})` : ''} claiming ${len} bytes (more than the ${len > PCAPNG_MAX_BLOCK ? `${PCAPNG_MAX_BLOCK} tshark reads in one block` : `${this.maxRecord} mqttscope reads in one block`}: its length is damaged, or the block is larger than capture tools write)`);
    }
    const b = this.q.peek(len);
    if (!b) return false;
    const trailer = this.u32(b, len - 4);
    if (trailer !== len) {
      // The length is repeated at the end of every block; tshark stops at a mismatch too. Reading
      // on from a damaged length would take the middle of a block for the next block header.
      const name = BLOCK_NAMES[type];
      return this.die('corrupt-block', `pcapng block of type 0x${type.toString(16)}${name ? ` (${name})` : ''} whose length reads ${len} at its start but ${trailer} in the copy at its end (the block is damaged)`);
    }
    // Copy the body: the queue's view is only valid until the next consume.
    const body = b.subarray(8, len - 4);
    switch (type) {
      case SHB: {
        // Byte-order magic, version and section length: 16 bytes, 28 with the block's framing.
        if (body.length < 16) {
          return this.die('corrupt-block', `pcapng section header block of length ${len}, less than the 28 bytes every section header has (byte-order magic, version, section length); the block is damaged`);
        }
        // Version 1.x is the only pcapng there is (1.0 and the old 1.2 read alike); tshark
        // refuses any other major version, since its blocks cannot be assumed to read alike.
        const major = this.u16(body, 4);
        if (major !== 1) {
          return this.die('corrupt-block', `pcapng section header of version ${major}.${this.u16(body, 6)} (only version 1 exists and can be read; tshark refuses it too: the file is damaged, or written by a tool for a newer format)`);
        }
        this.ifaces = []; // interface ids are per section
        break;
      }
      case 1:
        this.readIdb(body);
        break;
      case 6:
        this.readEpb(body);
        break;
      case 3:
        this.readSpb(body);
        break;
      case 2:
        this.readPb(body);
        break;
      case 4: // Name Resolution
      case 5: // Interface Statistics
      case 10: // Decryption Secrets
        break;
      case 9: // systemd Journal Export
      case 0x00000bad:
      case 0x40000bad: // custom blocks
        this.recordBlock();
        break;
      default:
        this.skipped(type);
    }
    this.take(len);
    return true;
  }

  /** A block that tshark numbers as a frame but that holds no packet: it takes the number, nothing is handed out. */
  private recordBlock(): void {
    this.frames++;
  }

  /** A block of a type mqttscope does not read: one note per unknown type. */
  private skipped(type: number): void {
    if (KNOWN_SKIPPED.has(type) || this.unknownBlocks.has(type)) return;
    this.unknownBlocks.add(type);
    this.note(this.frames + 1, 'info', 'unknown-block', `skipped pcapng block(s) of unknown type 0x${type.toString(16)} (first at byte offset ${this.offset})`);
  }

  /** Consume what has arrived of a block being skipped (skipLeft bytes still to go). */
  private skipBlock(): boolean {
    const n = Math.min(this.skipLeft, this.q.length);
    if (n === 0) return false;
    this.take(n);
    this.skipLeft -= n;
    this.skipFrom += n;
    return true;
  }

  /** Bytes still to skip of a large block whose content is not needed, where it started, and how much is behind. */
  private skipLeft = 0;
  private skipAt = 0;
  private skipFrom = 0;

  private readIdb(body: Buffer): void {
    if (body.length < 8) {
      this.note(this.frames + 1, 'warn', 'corrupt-block', `the pcapng interface description block at byte offset ${this.offset} is ${body.length + 12} bytes long, less than the 20 that hold its link type and snap length; the block is damaged, so packets on interface ${this.ifaces.length} cannot be decoded (tshark stops reading here)`);
      this.ifaces.push({ linkType: -1, snapLen: 0, unitsPerSec: 1_000_000n, offsetSec: 0n });
      return;
    }
    const iface: Iface = { linkType: this.u16(body, 0), snapLen: this.u32(body, 4), unitsPerSec: 1_000_000n, offsetSec: 0n };
    let o = 8;
    while (o + 4 <= body.length) {
      const code = this.u16(body, o);
      const olen = this.u16(body, o + 2);
      const v = o + 4;
      if (code === 0 || v + olen > body.length) break;
      if (code === 9 && olen >= 1) {
        // if_tsresol: MSB clear = 10^-n, MSB set = 2^-n.
        const r = body[v]!;
        iface.unitsPerSec = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
      } else if (code === 14 && olen >= 8) {
        iface.offsetSec = this.le ? body.readBigInt64LE(v) : body.readBigInt64BE(v);
      }
      o = v + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
  }

  private iface(id: number, what: string): Iface | null {
    const i = this.ifaces[id];
    if (!i) {
      const n = this.ifaces.length;
      const described = n === 0 ? 'no interface' : n === 1 ? 'only interface 0' : `only interfaces 0-${n - 1}`;
      // tshark stops reading here ("interface index … is not less than interface count …").
      this.note(this.frames + 1, 'warn', 'unknown-interface',
        `the ${what} at byte offset ${this.offset} refers to interface ${id}, but its section describes ${described} (an Interface Description Block is missing or the id is damaged); the packet is skipped and not counted as a frame`);
      return null;
    }
    return i;
  }

  private ts(iface: Iface, hi: number, lo: number): number {
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const us = (units * 1_000_000n) / iface.unitsPerSec + iface.offsetSec * 1_000_000n;
    return Number(us);
  }

  private readEpb(body: Buffer): void {
    if (body.length < 20) return this.tooShort('enhanced packet block', body.length, 32, 'interface, timestamp and lengths');
    const ifc = this.iface(this.u32(body, 0), 'enhanced packet block');
    if (!ifc) return;
    const caplen = this.u32(body, 12);
    const origlen = this.u32(body, 16);
    const avail = this.shortBlock('enhanced packet block', caplen, body.length - 20);
    this.snap = ifc.snapLen;
    this.emitBody(this.ts(ifc, this.u32(body, 4), this.u32(body, 8)), ifc.linkType, body, 20, 20 + avail, Math.max(origlen, caplen), this.u32(body, 0));
    this.damaged = false;
  }

  /**
   * A packet block whose length leaves less room than the captured length it states: the block
   * is damaged (tshark stops reading there: "total block length … is too small for … bytes of
   * packet data"). What it holds is decoded, the rest counts as missing. Returns the bytes to take.
   */
  private shortBlock(what: string, caplen: number, room: number, framing = 32): number {
    if (caplen <= room) return caplen;
    const frame = this.frames + 1;
    this.damaged = true;
    this.note(frame, 'warn', 'corrupt-block',
      `frame ${frame}: the ${what} at byte offset ${this.offset} states ${caplen} captured bytes, but its block length of ${room + framing} leaves room for ${Math.max(0, room)}; the block is damaged, so the ${Math.max(0, room)} byte(s) it holds are decoded and the other ${caplen - Math.max(0, room)} count as missing (a stream-gap when they were TCP payload)`);
    return Math.max(0, room);
  }

  /** A packet block too short for its fixed fields (tshark stops reading there): noted, skipped, not counted as a frame. */
  private tooShort(what: string, bodyLen: number, min: number, fields: string): void {
    this.note(this.frames + 1, 'warn', 'corrupt-block',
      `the pcapng ${what} at byte offset ${this.offset} is ${bodyLen + 12} bytes long, less than the ${min} that hold its ${fields}; the block is damaged, so it is skipped and not counted as a frame (tshark stops reading here)`);
  }

  private readPb(body: Buffer): void {
    if (body.length < 20) return this.tooShort('packet block', body.length, 32, 'interface, timestamp and lengths');
    const id = this.u16(body, 0);
    const ifc = this.iface(id, 'packet block');
    if (!ifc) return;
    const caplen = this.u32(body, 12);
    const origlen = this.u32(body, 16);
    const avail = this.shortBlock('packet block', caplen, body.length - 20);
    this.snap = ifc.snapLen;
    this.emitBody(this.ts(ifc, this.u32(body, 4), this.u32(body, 8)), ifc.linkType, body, 20, 20 + avail, Math.max(origlen, caplen), id);
    this.damaged = false;
  }

  private readSpb(body: Buffer): void {
    if (body.length < 4) return this.tooShort('simple packet block', body.length, 16, 'packet length');
    const ifc = this.iface(0, 'simple packet block');
    if (!ifc) return;
    const origlen = this.u32(body, 0);
    // The block holds the packet up to the interface's snap length.
    const stated = ifc.snapLen > 0 ? Math.min(origlen, ifc.snapLen) : origlen;
    const caplen = this.shortBlock('simple packet block', stated, body.length - 4, 16);
    this.snap = ifc.snapLen;
    // SPBs carry no timestamp: reuse the previous frame's time.
    this.emitBody(this.lastTimeUs, ifc.linkType, body, 4, 4 + caplen, origlen, 0);
    this.damaged = false;
  }
}

/** A positive µs duration as seconds, e.g. `600.000000 s`. */
function formatSeconds(us: number): string {
  return `${(us / 1e6).toFixed(6)} s`;
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
