// One side of a proxied connection, behind one small interface so that the
// forwarding logic (link.ts) is the same for TCP, TLS and WebSocket.
import type net from 'node:net';
import type { WebSocket } from 'ws';

export interface EndEvents {
  data(chunk: Buffer): void;
  /** The peer finished sending (FIN, or a WebSocket close frame). */
  end(): void;
  error(err: NodeJS.ErrnoException): void;
  /** The side is fully closed. */
  close(): void;
  /** Buffered bytes were written out; a paused reader may resume. */
  drain(): void;
}

export interface End {
  /** Queue bytes; false when the reader feeding this side should pause. */
  write(chunk: Buffer): boolean;
  /** Half-close: no more bytes from us. */
  end(): void;
  /** Abortive close (TCP RST). */
  reset(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  /** Bytes queued here and not yet written to the kernel. */
  readonly buffered: number;
  readonly destroyed: boolean;
  /**
   * False when bytes written now would be dropped, not sent (a WebSocket that is
   * closing). Absent: writes are taken while the End is not destroyed.
   */
  readonly writable?: boolean;
  listen(ev: EndEvents): void;
}

/** A TCP socket, or a TLS socket over `raw` (used for resets). */
export class SocketEnd implements End {
  constructor(private readonly sock: net.Socket, private readonly raw: net.Socket = sock) {}

  write(chunk: Buffer): boolean {
    return this.sock.write(chunk);
  }
  end(): void {
    if (!this.sock.destroyed && !this.sock.writableEnded) this.sock.end();
  }
  reset(): void {
    if (this.raw.destroyed) { this.sock.destroy(); return; }
    // Our FIN to this side is still under way (end() was called, its shutdown has not
    // completed): libuv refuses a reset then (EINVAL), and Node reports the error but
    // never closes the socket, so it stayed open for good, and its peer with it (a client
    // that half-closed, then reset while the broker was sending, left the broker's
    // connection open and the link in the proxy's count). Closing is all that is left:
    // the kernel still sends a reset if bytes from the peer are unread.
    // Over TLS the shutdown is the TLS socket's (on the same handle).
    if (shutting(this.raw) || shutting(this.sock)) { this.destroy(); return; }
    try {
      this.raw.resetAndDestroy();
    } catch {
      this.raw.destroy();
    }
    if (this.sock !== this.raw) this.sock.destroy();
  }
  destroy(): void {
    this.sock.destroy();
    if (this.sock !== this.raw) this.raw.destroy();
  }
  pause(): void {
    this.sock.pause();
  }
  resume(): void {
    this.sock.resume();
  }
  get buffered(): number {
    return this.sock.writableLength;
  }
  get destroyed(): boolean {
    return this.sock.destroyed;
  }
  listen(ev: EndEvents): void {
    const s = this.sock;
    s.on('data', ev.data);
    s.on('end', ev.end);
    s.on('error', ev.error);
    s.on('close', ev.close);
    s.on('drain', ev.drain);
  }
}

/** end() was called and the shutdown it asked for has not completed. */
function shutting(s: net.Socket): boolean {
  return s.writableEnded && !s.writableFinished;
}

/** Close code sent to a client that sent a text frame: RFC 6455 1003, a kind of data not accepted. */
export const WS_CLOSE_TEXT_FRAME = 1003;

/**
 * A WebSocket carrying MQTT: each binary message's payload is a piece of the
 * byte stream, and bytes written here go out as one binary message each.
 * A WebSocket has no half-close; a close frame ends both directions.
 *
 * MQTT goes in binary frames only, and the receiver of any other data frame must
 * close the network connection [MQTT-6.0.0-1]. The proxy is that receiver (it ends
 * the WebSocket): a text message is not forwarded, `onTextFrame` is told its size,
 * the client gets a close frame 1003, and the side reports an error
 * (code `WS_ERR_TEXT_FRAME`), so the broker connection is reset. What arrives
 * after it is dropped.
 */
export class WebSocketEnd implements End {
  private pending = 0;
  private waitingDrain = false;
  private ev: EndEvents | null = null;
  private closed = false;
  private refused = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly highWaterMark: number,
    private readonly onTextFrame?: (bytes: number) => void,
  ) {}

  write(chunk: Buffer): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return true; // dropped: the socket is closing
    const n = chunk.length;
    this.pending += n;
    this.ws.send(chunk, { binary: true }, () => {
      this.pending -= n;
      if (this.waitingDrain && this.pending < this.highWaterMark) {
        this.waitingDrain = false;
        this.ev?.drain();
      }
    });
    if (this.pending >= this.highWaterMark) {
      this.waitingDrain = true;
      return false;
    }
    return true;
  }
  end(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
  }
  reset(): void {
    this.ws.terminate();
  }
  destroy(): void {
    this.ws.terminate();
  }
  pause(): void {
    this.ws.pause();
  }
  resume(): void {
    this.ws.resume();
  }
  get buffered(): number {
    return this.pending;
  }
  get destroyed(): boolean {
    return this.closed || this.ws.readyState === this.ws.CLOSED;
  }
  /** A closing WebSocket sends nothing more: what write() is given then is dropped. */
  get writable(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }
  listen(ev: EndEvents): void {
    this.ev = ev;
    let errored = false;
    this.ws.on('message', (msg: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (this.refused) return;
      const bytes = Array.isArray(msg) ? Buffer.concat(msg) : Buffer.isBuffer(msg) ? msg : Buffer.from(msg);
      if (isBinary === false) {
        this.refused = true;
        errored = true;
        try {
          this.onTextFrame?.(bytes.length);
        } catch {
          // Reporting must not keep the connection from closing.
        }
        if (this.ws.readyState === this.ws.OPEN) this.ws.close(WS_CLOSE_TEXT_FRAME, 'MQTT needs binary frames [MQTT-6.0.0-1]');
        const err: NodeJS.ErrnoException = new Error(`WebSocket text frame of ${bytes.length} bytes; MQTT must be sent in binary frames [MQTT-6.0.0-1]`);
        err.code = 'WS_ERR_TEXT_FRAME';
        ev.error(err);
        return;
      }
      ev.data(bytes);
    });
    this.ws.on('error', (err: NodeJS.ErrnoException) => {
      errored = true;
      ev.error(err);
    });
    this.ws.on('close', (code: number) => {
      this.closed = true;
      if (code === 1006 && !errored) {
        // No close frame: the TCP connection under the WebSocket was lost.
        const err: NodeJS.ErrnoException = new Error('WebSocket closed without a close frame (1006)');
        err.code = 'ECONNRESET';
        ev.error(err);
      } else if (!errored) {
        ev.end();
      }
      ev.close();
    });
  }
}
