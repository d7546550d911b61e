// Incremental WebSocket deframer for one direction of an MQTT-over-WebSocket
// connection [RFC 6455 §5]. Optionally skips the HTTP upgrade request or
// response first. Data frames (binary, text and their continuations) are
// unmasked and their payload handed on as it arrives, so one MQTT packet may
// span frames and one frame may hold several packets. Messages compressed with
// permessage-deflate [RFC 7692] are collected and inflated when they end. Control
// frames (ping, pong, close) are consumed. Chunks may split anywhere; memory is
// bounded (the HTTP header is capped, plain payloads are streamed, a compressed
// message is held up to 16 MiB, plus a 32 KiB window).
import { constants as zc, inflateRawSync } from 'node:zlib';
import type { Note } from '../model/types.js';

export interface WebSocketSink {
  /** Payload bytes of data frames, in order. */
  data(bytes: Uint8Array): void;
  note?(note: Note): void;
  /** A close frame was seen (code when present). */
  close?(code: number | null): void;
  /** The HTTP upgrade header was skipped; `status` is the response status (null for a request). */
  upgraded?(status: number | null): void;
}

export interface WebSocketDeframerOptions {
  /** Skip an HTTP request/response header before the first frame. Default true. */
  http?: boolean;
  /** Largest HTTP header accepted. Default 16 KiB. */
  maxHttpHeader?: number;
}

const enum St { Http, Header, Payload, Control, Closed, Lost }

/** Most payload bytes a control frame may have [RFC 6455 §5.5]; only a close frame's first two are read. */
const MAX_CONTROL = 125;
/** Largest compressed message held to be inflated, and largest it may inflate to. */
const MAX_COMPRESSED = 16 * 1024 * 1024;
const MAX_INFLATED = 64 * 1024 * 1024;
/** The LZ77 window permessage-deflate may refer back into across messages [RFC 7692 §7.2.3.1]. */
const WINDOW = 32 * 1024;
/** What ends every compressed message, removed by the sender [RFC 7692 §7.2.1]. */
const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

export class WebSocketDeframer {
  private readonly sink: WebSocketSink;
  private readonly maxHttp: number;
  private st: St;
  private http = '';
  private readonly hdr = new Uint8Array(14);
  private hdrLen = 0;
  private left = 0; // payload bytes left in the current frame
  private mask: Uint8Array | null = null;
  private maskPos = 0;
  private opcode = 0;
  /** Opcode of the message being continued (1 or 2), 0 when none. */
  private msgOpcode = 0;
  private control: number[] = [];
  /** The current data frame has FIN set (its message ends with it). */
  /** Frames seen so far. */
  frames = 0;
  /**
   * The message being read is compressed (permessage-deflate, RSV1 on its first frame
   * [RFC 7692 §6]): its payload is collected here and inflated when it ends.
   */
  private deflated: Uint8Array[] | null = null;
  private deflatedLen = 0;
  /** The last 32 KiB of inflated output: the window later messages may refer back into. */
  private window: Buffer | null = null;
  /** Inflating failed once (a message whose window was not captured): later ones are not tried. */
  private inflateFailed = false;

  constructor(sink: WebSocketSink, opts: WebSocketDeframerOptions = {}) {
    this.sink = sink;
    this.maxHttp = opts.maxHttpHeader ?? 16 * 1024;
    this.st = opts.http === false ? St.Header : St.Http;
  }

  get closed(): boolean {
    return this.st === St.Closed;
  }

  /** Bytes were lost: frame boundaries are unknown from here on, so stop. */
  gap(): void {
    if (this.st === St.Closed || this.st === St.Lost) return;
    this.st = St.Lost;
    this.note('warn', 'websocket-gap', 'bytes are missing from the WebSocket stream; WebSocket frame boundaries cannot be recovered, the rest of this direction is not decoded');
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.st) {
        case St.Http:
          i = this.pushHttp(chunk, i);
          break;
        case St.Header:
          i = this.pushHeader(chunk, i);
          break;
        case St.Payload:
        case St.Control: {
          const n = Math.min(this.left, chunk.length - i);
          const part = chunk.subarray(i, i + n);
          i += n;
          this.left -= n;
          const plain = this.mask ? this.unmask(part) : part;
          if (this.st === St.Payload) {
            if (this.deflated !== null) this.collect(plain);
            else if (plain.length) this.sink.data(plain);
          } else {
            // A control frame carries at most 125 bytes [RFC 6455 §5.5]; past that (a bad
            // length, a reserved opcode's payload) the bytes are skipped, not kept: they
            // were held one array element each, whatever the frame's 64-bit length said.
            const room = MAX_CONTROL - this.control.length;
            for (let k = 0; k < plain.length && k < room; k++) this.control.push(plain[k]!);
          }
          if (this.left === 0) this.frameDone();
          break;
        }
        case St.Closed:
        case St.Lost:
          return;
      }
    }
  }

  private note(severity: Note['severity'], code: string, text: string): void {
    this.sink.note?.({ severity, code, text });
  }

  private pushHttp(chunk: Uint8Array, i: number): number {
    // Look for the blank line ending the header; keep at most maxHttp characters.
    for (let j = i; j < chunk.length; j++) {
      this.http += String.fromCharCode(chunk[j]!);
      const h = this.http;
      if (h.length >= 4 && h.charCodeAt(h.length - 1) === 10 && h.endsWith('\r\n\r\n')) {
        const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(h);
        const status = m ? Number(m[1]) : null;
        if (status !== null && status !== 101) {
          this.st = St.Closed;
          this.note('warn', 'websocket-refused', `the server answered the WebSocket upgrade with HTTP ${status}, not 101; no WebSocket frames follow`);
        } else {
          this.st = St.Header;
        }
        this.sink.upgraded?.(status);
        this.http = '';
        return j + 1;
      }
      if (h.length > this.maxHttp) {
        this.st = St.Lost;
        this.note('warn', 'websocket-bad-upgrade', `no end of the HTTP upgrade header within ${this.maxHttp} bytes; the WebSocket stream is not decoded`);
        return chunk.length;
      }
    }
    return chunk.length;
  }

  private pushHeader(chunk: Uint8Array, i: number): number {
    while (i < chunk.length) {
      this.hdr[this.hdrLen++] = chunk[i++]!;
      const need = this.headerSize();
      if (need !== null && this.hdrLen === need) {
        this.startFrame();
        return i;
      }
    }
    return i;
  }

  /** Full header size once the first two bytes are known. */
  private headerSize(): number | null {
    if (this.hdrLen < 2) return null;
    const b1 = this.hdr[1]!;
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  private startFrame(): void {
    const h = this.hdr;
    const b0 = h[0]!;
    const b1 = h[1]!;
    this.frames++;
    this.opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let o = 2;
    if (len === 126) {
      len = (h[2]! << 8) | h[3]!;
      o = 4;
    } else if (len === 127) {
      // 64-bit length; the top bit must be 0 [RFC 6455 §5.2].
      let v = 0;
      for (let k = 0; k < 8; k++) v = v * 256 + h[2 + k]!;
      len = v;
      o = 10;
    }
    this.mask = b1 & 0x80 ? h.slice(o, o + 4) : null;
    this.maskPos = 0;
    this.hdrLen = 0;
    this.left = len;
    const op = this.opcode;
    if (op >= 8) {
      // 0xb to 0xf are reserved control opcodes [RFC 6455 §5.2]: said as such, the payload skipped.
      if (op > 10) this.note('warn', 'websocket-bad-opcode', `WebSocket frame with reserved opcode ${op}; its payload is skipped`);
      else if (!fin || len > 125) this.note('warn', 'websocket-bad-control', `WebSocket control frame (opcode ${op}) is fragmented or longer than 125 bytes [RFC 6455 §5.5]`);
      this.control = [];
      this.st = St.Control;
    } else {
      if (op === 0) {
        if (this.msgOpcode === 0) this.note('warn', 'websocket-bad-continuation', 'WebSocket continuation frame without a message to continue');
      } else if (op === 1 || op === 2) {
        if (op === 1) this.note('warn', 'websocket-text-frame', 'MQTT sent in a WebSocket text frame; MQTT over WebSocket must use binary frames [MQTT-6.0.0-1]');
        this.msgOpcode = op;
        // RSV1 on a message's first frame: compressed with permessage-deflate [RFC 7692 §6].
        this.deflated = (b0 & 0x40) !== 0 ? [] : null;
        this.deflatedLen = 0;
      } else {
        this.note('warn', 'websocket-bad-opcode', `WebSocket frame with reserved opcode ${op}; its payload is skipped`);
        this.control = [];
        this.st = St.Control;
        if (len === 0) this.frameDone();
        return;
      }
      this.finPending = fin;
      this.st = St.Payload;
    }
    if (len === 0) this.frameDone();
  }

  private finPending = false;

  private frameDone(): void {
    if (this.st === St.Control && this.opcode === 8) {
      const c = this.control;
      this.sink.close?.(c.length >= 2 ? (c[0]! << 8) | c[1]! : null);
      this.st = St.Closed;
      return;
    }
    if (this.st === St.Payload && this.finPending) {
      this.msgOpcode = 0;
      if (this.deflated !== null) this.inflateMessage();
    }
    this.control = [];
    this.st = St.Header;
  }

  private collect(part: Uint8Array): void {
    const d = this.deflated!;
    if (this.deflatedLen + part.length > MAX_COMPRESSED) {
      if (this.deflatedLen <= MAX_COMPRESSED) {
        this.note('warn', 'websocket-inflate-failed', `compressed WebSocket message longer than ${MAX_COMPRESSED} bytes; it is not decoded`);
      }
      this.deflatedLen = MAX_COMPRESSED + 1;
      d.length = 0;
      return;
    }
    if (part.length) d.push(part.slice());
    this.deflatedLen += part.length;
  }

  /**
   * A compressed message ended: inflate it as raw DEFLATE with its tail put back, the
   * window of earlier messages as a preset dictionary (context takeover; harmless when
   * the sender resets it), and hand the MQTT bytes on.
   */
  private inflateMessage(): void {
    const parts = this.deflated!;
    const len = this.deflatedLen;
    this.deflated = null;
    this.deflatedLen = 0;
    if (len > MAX_COMPRESSED || this.inflateFailed) return;
    let out: Buffer;
    try {
      out = inflateRawSync(Buffer.concat([...parts, TAIL]), {
        finishFlush: zc.Z_SYNC_FLUSH,
        maxOutputLength: MAX_INFLATED,
        ...(this.window !== null ? { dictionary: this.window } : {}),
      });
    } catch (err) {
      this.inflateFailed = true;
      const why = err instanceof Error ? err.message : String(err);
      this.note('warn', 'websocket-inflate-failed', `a compressed (permessage-deflate) WebSocket message could not be inflated (${why}); it refers back to bytes not in the capture, or is damaged. This direction's compressed messages are not decoded from here on`);
      return;
    }
    const w = this.window;
    this.window = out.length >= WINDOW ? out.subarray(out.length - WINDOW)
      : w === null ? out : Buffer.concat([w, out]).subarray(Math.max(0, w.length + out.length - WINDOW));
    if (out.length) this.sink.data(out);
  }

  private unmask(part: Uint8Array): Uint8Array {
    const m = this.mask!;
    const out = new Uint8Array(part.length);
    let p = this.maskPos;
    for (let k = 0; k < part.length; k++) {
      out[k] = part[k]! ^ m[p]!;
      p = (p + 1) & 3;
    }
    this.maskPos = p;
    return out;
  }
}
