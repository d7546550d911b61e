// One proxied connection: a client End and an upstream End, bytes forwarded
// unchanged both ways with backpressure, half-close, resets and errors passed
// on. Taps see each chunk only after it was written onward.
import type { CloseHow } from '../engine/engine.js';
import type { ConnMeta, Direction } from '../model/types.js';
import type { End } from './ends.js';
import type { ConnectionTap, ProxyConnectionInfo } from './types.js';

export interface LinkHooks {
  now(): number;
  tap: ConnectionTap;
  /** A failure to reach the broker (counted as an upstream failure). */
  log(line: string): void;
  /** Any other one-line diagnostic. */
  notice(line: string): void;
  closed(link: Link): void;
  upstreamLabel: string;
  /** A CA was given for the broker's certificate (--cafile): an untrusted certificate was not signed by it. */
  upstreamCa?: boolean;
  /** The broker connection is TLS (--upstream-tls). */
  upstreamTls?: boolean;
  maxBufferedBytes: number;
  /**
   * Client bytes held by all links together while connecting (`used`), and the most
   * they may hold (`limit`): past it, a client that sends more is paused until its
   * broker connection is up. `full` is called when a client is paused for it.
   */
  heldAll?: { used: number; limit: number; full(link: Link, held: number): void };
}

/** Callbacks a pending upstream connection reports to. */
export interface UpstreamAttempt {
  connected(up: End): void;
  /** `duringTls`: the TCP connection was up and the TLS handshake had started. */
  failed(err: NodeJS.ErrnoException, duringTls?: boolean): void;
  /** With --upstream-tls: the TCP connection is up and the TLS handshake has started. */
  tcpUp?(): void;
}

export class Link {
  private upstream: End | null = null;
  private abortConnect: (() => void) | null = null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private heldPaused = false;
  private clientEndPending = false;
  /** The client / the broker is paused because the other side's writes are backed up. */
  private clientPaused = false;
  private upstreamPaused = false;
  /** The client / the broker is paused until the decoder catches up with its bytes. */
  private clientHeldForDecoder = false;
  private upstreamHeldForDecoder = false;
  private clientClosed = false;
  private upstreamClosed = false;
  private upstreamGone = false;
  private how: CloseHow = 'fin';
  /** The side that ended or failed first. */
  private by: Direction | null = null;
  private done = false;
  /** The taps have heard this connection's close (see supersede()). */
  private tapClosed = false;
  /** shutdown() closed the connection (the proxy, not the broker). */
  private shutDown = false;
  /** When the broker connection was asked for (µs). */
  private connectStart = 0;
  /** With --upstream-tls: the TCP connection to the broker is up, its TLS handshake not yet done. */
  private tlsHandshaking = false;
  bytesC2S = 0;
  bytesS2C = 0;
  /** Client bytes held while connecting, in total. */
  heldTotal = 0;

  constructor(
    readonly meta: ConnMeta,
    private readonly client: End,
    private readonly hooks: LinkHooks,
    connect: (attempt: UpstreamAttempt) => () => void,
  ) {
    hooks.tap.open(meta, hooks.now());
    client.listen({
      data: (c) => this.fromClient(c),
      end: () => this.clientEnd(),
      error: (e) => this.clientError(e),
      close: () => this.clientClose(),
      drain: () => {
        if (this.upstreamPaused) {
          this.upstreamPaused = false;
          this.resumeUpstream();
        }
      },
    });
    this.connectStart = hooks.now();
    this.abortConnect = connect({
      connected: (up) => this.attach(up),
      failed: (err, duringTls) => this.upstreamFailed(err, duringTls ?? false),
      tcpUp: () => { this.tlsHandshaking = true; },
    });
  }

  /** The broker connection is still being set up. */
  connecting(): boolean {
    return this.upstream === null && !this.upstreamGone && !this.done;
  }

  info(): ProxyConnectionInfo {
    return {
      id: this.meta.id,
      transport: this.meta.transport,
      held: this.heldBytes,
      bufferedToUpstream: this.upstream?.buffered ?? 0,
      bufferedToClient: this.client.buffered,
      bytesC2S: this.bytesC2S,
      bytesS2C: this.bytesS2C,
      clientPausedForDecoder: this.clientHeldForDecoder,
      brokerPausedForDecoder: this.upstreamHeldForDecoder,
    };
  }

  /**
   * Proxy shutdown: close both sides now. Unless a side had already ended, the
   * proxy closes first; to the client that is the server side (`s2c`), which is
   * how the pcap file records it.
   */
  shutdown(): void {
    if (this.done) return;
    this.shutDown = true;
    if (this.how === 'fin') this.how = 'end';
    this.first('s2c');
    this.abortConnect?.();
    this.abortConnect = null;
    this.upstream?.destroy();
    this.client.destroy();
    // 'close' events follow; finish now in case a side never opened.
    if (!this.upstream) this.upstreamGone = true;
  }

  private fromClient(chunk: Buffer): void {
    const up = this.upstream;
    if (up === null) {
      // Hold what arrives before the broker answers, within the cap.
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      this.heldTotal += chunk.length;
      const all = this.hooks.heldAll;
      if (all) all.used += chunk.length;
      if (!this.heldPaused) {
        const allFull = all !== undefined && all.used >= all.limit;
        if (this.heldBytes >= this.hooks.maxBufferedBytes || allFull) {
          this.heldPaused = true;
          this.client.pause();
          if (allFull && this.heldBytes < this.hooks.maxBufferedBytes) all.full(this, this.heldBytes);
        }
      }
      return;
    }
    this.forward(up, this.client, 'c2s', chunk);
  }

  private fromUpstream(chunk: Buffer): void {
    this.forward(this.client, this.upstream!, 's2c', chunk);
  }

  private forward(dst: End, src: End, dir: Direction, chunk: Buffer): void {
    // The other side is gone, or takes no more bytes (a WebSocket closing): the bytes have
    // nowhere to go, so they are neither counted nor given to the decoder and the pcap file.
    if (dst.destroyed || dst.writable === false) return;
    const ok = dst.write(chunk);
    if (dir === 'c2s') this.bytesC2S += chunk.length;
    else this.bytesS2C += chunk.length;
    if (!this.tapClosed) this.hooks.tap.data(this.meta.id, dir, chunk, this.hooks.now());
    if (!ok) {
      if (dir === 'c2s') {
        if (!this.clientPaused) { this.clientPaused = true; src.pause(); }
      } else if (!this.upstreamPaused) {
        this.upstreamPaused = true;
        src.pause();
      }
    }
  }

  private attach(up: End): void {
    this.abortConnect = null;
    if (this.done || this.clientClosed) {
      up.destroy();
      this.upstreamGone = true;
      this.maybeFinish();
      return;
    }
    this.upstream = up;
    up.listen({
      data: (c) => this.fromUpstream(c),
      end: () => {
        this.first('s2c');
        this.client.end();
        this.tapEnd('s2c');
      },
      error: (e) => this.upstreamError(e),
      close: () => {
        this.upstreamClosed = true;
        if (!this.clientClosed && !this.client.destroyed && this.how !== 'fin') this.client.destroy();
        this.maybeFinish();
      },
      drain: () => {
        if (this.clientPaused) {
          this.clientPaused = false;
          this.resumeClient();
        }
      },
    });
    const held = this.held;
    this.dropHeld();
    for (const chunk of held) this.forward(up, this.client, 'c2s', chunk);
    if (this.heldPaused) {
      this.heldPaused = false;
      this.resumeClient();
    }
    if (this.clientEndPending) {
      up.end();
      this.tapEnd('c2s');
    }
  }

  /** A half-close passed on: the taps hear it after the bytes sent before it. */
  private tapEnd(dir: Direction): void {
    if (!this.tapClosed) this.hooks.tap.end?.(this.meta.id, dir, this.hooks.now());
  }

  /**
   * A new connection arrived with this one's id before this one was seen to close: the
   * client's address and port were reused (the kernel allows that once this connection
   * is over, after a reset) or neither could be read (a client gone before it was
   * accepted). The taps hear this one's close now, before the new one's open, so the
   * engine and the pcap file do not take the new connection's bytes for this one's; this
   * one's sockets are still forwarded and closed as usual, no longer seen by the taps.
   * Nothing having been seen from either side means the client reset.
   */
  supersede(): void {
    if (this.done || this.tapClosed) return;
    this.tapClosed = true;
    const how: CloseHow = this.how === 'fin' && this.by === null ? 'reset' : this.how;
    this.hooks.tap.close(this.meta.id, this.hooks.now(), how, this.by ?? 'c2s');
    // No decoder holds any more: read on to the close.
    this.holdForDecoder('c2s', false);
    this.holdForDecoder('s2c', false);
  }

  /**
   * The decoder has fallen behind on the bytes this connection sends in `dir`
   * (paused = true), or caught up again: pause or resume that sender. Its bytes
   * already read are forwarded as always; the peer just reads more slowly.
   */
  holdForDecoder(dir: Direction, paused: boolean): void {
    if (this.done) return;
    if (dir === 'c2s') {
      if (paused === this.clientHeldForDecoder) return;
      this.clientHeldForDecoder = paused;
      if (paused) this.client.pause();
      else this.resumeClient();
    } else {
      if (paused === this.upstreamHeldForDecoder) return;
      this.upstreamHeldForDecoder = paused;
      if (paused) this.upstream?.pause();
      else this.resumeUpstream();
    }
  }

  /** Resume the client unless something else still holds it. */
  private resumeClient(): void {
    if (!this.clientPaused && !this.heldPaused && !this.clientHeldForDecoder) this.client.resume();
  }

  private resumeUpstream(): void {
    if (!this.upstreamPaused && !this.upstreamHeldForDecoder) this.upstream?.resume();
  }

  private upstreamFailed(err: NodeJS.ErrnoException, duringTls: boolean): void {
    this.abortConnect = null;
    this.upstreamGone = true;
    if (this.done) return;
    // The client is closed with a FIN (nothing of it is unread: held bytes were read), and
    // the pcap file shows that FIN; the engine hears why, not a broker hanging up on a CONNECT.
    // A client paused for sending more than is held has bytes unread in the kernel: closing
    // its socket sends an RST, which the pcap file shows (an `error` from the server side).
    if (this.how === 'fin' || this.how === 'end') this.how = this.heldPaused ? 'error' : 'upstream-failed';
    this.first('s2c');
    this.hooks.log(`upstream ${this.hooks.upstreamLabel} ${upstreamFailure(err, duringTls, this.hooks.upstreamCa)}; closing client ${endpoint(this.meta)}`);
    this.dropHeld();
    this.client.destroy();
    this.maybeFinish();
  }

  /** Let go of the client bytes held while connecting (and of their share of heldAll). */
  private dropHeld(): void {
    if (this.hooks.heldAll) this.hooks.heldAll.used -= this.heldBytes;
    this.held = [];
    this.heldBytes = 0;
  }

  private first(dir: Direction): void {
    if (this.by === null) this.by = dir;
  }

  private clientEnd(): void {
    this.first('c2s');
    if (this.upstream) {
      this.upstream.end();
      this.tapEnd('c2s');
    } else this.clientEndPending = true;
  }

  private clientError(err: NodeJS.ErrnoException): void {
    if (err.code?.startsWith('WS_ERR_') === true) {
      // A WebSocket frame the proxy refuses (ws's WS_ERR_ codes, and WS_ERR_TEXT_FRAME):
      // the proxy's side sends the close frame and then the FIN, so it closed first.
      this.first('s2c');
      this.how = 'proxy-closed';
    } else {
      this.first('c2s');
      this.how = err.code === 'ECONNRESET' ? 'reset' : 'error';
    }
    if (this.upstream) this.upstream.reset();
    else this.giveUpConnect();
  }

  /**
   * The client left before the broker connection was up. An unreachable broker (packets
   * dropped) takes the kernel about two minutes to give up on, and a client usually gives
   * up first: without a line the user saw only clients that kept failing. A client that
   * leaves within a second (a port check) is not worth one.
   */
  private giveUpConnect(): void {
    if (this.abortConnect !== null && !this.shutDown) {
      const waited = (this.hooks.now() - this.connectStart) / 1e6;
      if (waited >= CONNECT_WAIT_NOTED_S) {
        this.hooks.log(this.tlsHandshaking
          // The broker took the TCP connection: its address is right; it is the TLS handshake that hangs.
          ? `upstream ${this.hooks.upstreamLabel} accepted the TCP connection but did not finish the TLS handshake within ${waited.toFixed(1)} s, when client ${endpoint(this.meta)} gave up (does that port speak TLS? the broker's log should say why)`
          : `upstream ${this.hooks.upstreamLabel} did not answer the connection attempt within ${waited.toFixed(1)} s, when client ${endpoint(this.meta)} gave up (is the broker's address right, and is it reachable?)`);
      }
    }
    this.abortConnect?.();
    this.abortConnect = null;
    this.upstreamGone = true;
  }

  private upstreamError(err: NodeJS.ErrnoException): void {
    this.first('s2c');
    if (this.how === 'fin') this.how = err.code === 'ECONNRESET' ? 'reset' : 'error';
    this.client.reset();
  }

  private clientClose(): void {
    this.clientClosed = true;
    if (this.upstream === null) this.giveUpConnect();
    else if (this.how !== 'fin' && !this.upstream.destroyed) {
      this.upstream.destroy();
    }
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.done || !this.clientClosed) return;
    if (!(this.upstreamClosed || this.upstreamGone)) return;
    this.done = true;
    this.dropHeld();
    if (this.by === 's2c' && this.upstream !== null && !this.shutDown && this.bytesS2C === 0 && this.bytesC2S > 0) {
      // The broker hung up on the client's first bytes without a word: say so, or the
      // user sees only a CONNECT and a client saying "connection lost".
      this.hooks.notice(`upstream ${this.hooks.upstreamLabel} closed the connection without answering `
        + `(client ${endpoint(this.meta)} sent ${this.bytesC2S} bytes, the broker none); `
        + (this.hooks.upstreamTls
          ? `the broker's log should say why`
          : `if that port expects TLS, add --upstream-tls (and --cafile); otherwise the broker's log should say why`));
    }
    if (!this.tapClosed) {
      this.tapClosed = true;
      this.hooks.tap.close(this.meta.id, this.hooks.now(), this.how, this.by ?? 'c2s');
    }
    this.hooks.closed(this);
  }
}

/** A client that gave up on a broker connection for this long gets a line saying so (s). */
const CONNECT_WAIT_NOTED_S = 1;

/** Certificate checks (OpenSSL verify results) that mean the broker's chain is not trusted. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE', 'INVALID_CA', 'CERT_CHAIN_TOO_LONG', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE',
]);

/** Why the broker connection failed, as the rest of `upstream HOST:PORT ...`. */
export function upstreamFailure(err: NodeJS.ErrnoException & { reason?: string }, duringTls = false, caGiven = false): string {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused the connection';
  // Not the broker's doing: mqttscope could not open a socket (each connection takes two).
  if (code === 'EMFILE' || code === 'ENFILE') {
    return `could not be connected to: mqttscope has too many files open (${code}); raise the open-file limit (ulimit -n) before starting it`;
  }
  if (UNTRUSTED.has(code)) {
    // With --cafile, telling the user to give --cafile is no help: that CA is the wrong one.
    return caGiven
      ? `sent a TLS certificate that the --cafile CA did not sign (${code}); give the CA that signed the broker's certificate with --cafile`
      : `sent a TLS certificate that is not trusted (${code}); give the CA that signed it with --cafile`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `sent a TLS certificate that is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'} (${code})`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const detail = (err.reason ?? err.message).replace(/:\s*$/, '');
    return `sent a TLS certificate for another name (${code}: ${detail}); use the host name the certificate lists in --upstream`;
  }
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
    const ms = (err as { timeoutMs?: number }).timeoutMs;
    return `accepted the TCP connection but did not finish the TLS handshake${ms !== undefined ? ` within ${(ms / 1000).toFixed(1)} s` : ''} (does that port speak TLS? the broker's log should say why)`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(err.message)) {
    return 'did not answer in TLS (is this a plain MQTT port? then leave out --upstream-tls and --cafile)';
  }
  if (duringTls && (code === 'ECONNRESET' || code === 'EPIPE' || /TLS|secure/i.test(err.message))) {
    return 'closed the connection during the TLS handshake (is this a plain MQTT port? then leave out --upstream-tls and --cafile)';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `could not be reached: its host name does not resolve (${code}${code === 'EAI_AGAIN' ? ', DNS did not answer' : ''}); check the HOST in --upstream`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') {
    return `could not be reached (${code}: ${code === 'ETIMEDOUT' ? 'no answer to the connection attempt' : 'no route to that address'})`;
  }
  return `could not be reached (${code || err.message})`;
}

function endpoint(meta: ConnMeta): string {
  const h = meta.client.host;
  return h.includes(':') ? `[${h}]:${meta.client.port}` : `${h}:${meta.client.port}`;
}
