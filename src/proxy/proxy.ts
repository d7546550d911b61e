// startProxy: TCP / TLS / WebSocket listeners in front of one upstream broker.
// Every client connection gets its own upstream connection; bytes go through
// unchanged (link.ts) and are fed to one shared Engine after forwarding.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { Engine } from '../engine/engine.js';
import { connId, endpointString, type ConnMeta, type Endpoint } from '../model/types.js';
import { clockAtUs, nowUs } from './clock.js';
import { DecodeTap, TapSet } from './decode-tap.js';
import { SocketEnd, WebSocketEnd, type End } from './ends.js';
import { Link, type UpstreamAttempt } from './link.js';
import { FdWatch } from './fd-limit.js';
import { listenOn, normalizeHost, notHttpLine } from './listen.js';
import {
  DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_HELD_BYTES_TOTAL, DEFAULT_MAX_PACKET_SIZE, DEFAULT_MAX_WS_UNFINISHED_BYTES, DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
  type ProxyHandle, type ProxyOptions, type ProxyStats,
} from './types.js';

/** WebSocket subprotocols MQTT clients ask for: `mqtt` (3.1.1, 5) and `mqttv3.1`. */
const WS_PROTOCOLS = ['mqtt', 'mqttv3.1'];
/** An unfinished WebSocket message up to this size is never refused (as the framer's packets). */
const WS_FREE_UNFINISHED = 64 * 1024;

export async function startProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const now = opts.now ?? nowUs;
  const log = opts.log ?? ((line: string) => { process.stderr.write(`mqttscope proxy: ${line}\n`); });
  const maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const maxPacketSize = opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
  const engine = new Engine({
    ...opts.engineOpts,
    onRecord: opts.onRecord,
    maxPacketSize,
  });
  // With the real clock, a chunk's timestamp is the time box's clock too (DecodeTap clockAt).
  const schedule = opts.now === undefined && opts.decodeSchedule?.clock === undefined
    ? { ...opts.decodeSchedule, clockAt: clockAtUs } : opts.decodeSchedule;
  const decode = new DecodeTap(engine, opts.onRecord, opts.frameSource, schedule);
  const byId = new Map<string, Link>();
  decode.throttle = (id, dir, paused) => byId.get(id)?.holdForDecoder(dir, paused);
  decode.tickFailed = (err) => log(`analysis tick failed: ${err instanceof Error ? err.message : String(err)}`);
  // The pcap tap (if any) writes first, so the decoder can take its frame numbers.
  const tap = new TapSet([...(opts.taps ?? []), decode], log);
  const links = new Set<Link>();
  const counters = { accepted: 0, upstreamFailures: 0, bytesC2S: 0, bytesS2C: 0, held: 0 };
  const upstreamLabel = endpointString(opts.upstream);
  let closing = false;
  let idle: (() => void) | null = null;

  const hooks = {
    now,
    tap,
    log: (line: string) => {
      counters.upstreamFailures++;
      log(line);
    },
    notice: log,
    closed: (link: Link) => {
      links.delete(link);
      if (byId.get(link.meta.id) === link) byId.delete(link.meta.id);
      counters.bytesC2S += link.bytesC2S;
      counters.bytesS2C += link.bytesS2C;
      counters.held += link.heldTotal;
      if (links.size === 0) idle?.();
    },
    upstreamLabel,
    upstreamCa: opts.upstreamTls?.ca !== undefined,
    upstreamTls: opts.upstreamTls !== undefined,
    maxBufferedBytes,
    heldAll: {
      used: 0,
      limit: opts.maxHeldBytesTotal ?? DEFAULT_MAX_HELD_BYTES_TOTAL,
      full: (link: Link, held: number) => heldFull(link, held),
    },
  };
  // One line when clients are first paused for the total held cap, then at most one every 10 s.
  let heldFullAt = -Infinity;
  let heldFullSince = 0;
  const heldFull = (link: Link, held: number): void => {
    heldFullSince++;
    const t = Date.now();
    if (t - heldFullAt < 10_000) return;
    heldFullAt = t;
    const waiting = [...links].filter((l) => l.connecting()).length;
    const more = heldFullSince > 1 ? ` (and ${heldFullSince - 1} other client(s) since the last such line)` : '';
    heldFullSince = 0;
    log(`client ${endpointString(link.meta.client)} is paused after ${held} bytes until its broker connection is up${more}: `
      + `clients waiting for ${upstreamLabel} hold ${hooks.heldAll.used} bytes in all, `
      + `the most held for connections still being set up (${hooks.heldAll.limit}; --max-buffered caps one connection at ${maxBufferedBytes}); `
      + `${waiting} connection(s) are waiting for the broker`);
  };

  const connectUpstream = (attempt: UpstreamAttempt): (() => void) => {
    const raw = net.connect({ host: opts.upstream.host, port: opts.upstream.port, allowHalfOpen: true });
    raw.setNoDelay(true);
    let settled = false;
    let tcpUp = false;
    const utls = opts.upstreamTls;
    // A broker that takes the TCP connection and never finishes the TLS handshake held the
    // client (and what it sent) for good: it gets as long as a TLS client does.
    let tlsTimer: NodeJS.Timeout | null = null;
    const fail = (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (tlsTimer) clearTimeout(tlsTimer);
      raw.destroy();
      attempt.failed(err, tcpUp && Boolean(utls));
    };
    raw.on('error', fail);
    raw.once('connect', () => {
      tcpUp = true;
      if (utls && !settled) {
        attempt.tcpUp?.();
        const ms = opts.tlsHandshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
        tlsTimer = setTimeout(() => {
          fail(Object.assign(new Error(`TLS handshake not finished within ${ms} ms`), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT', timeoutMs: ms }));
        }, ms);
        tlsTimer.unref();
      }
    });
    if (utls) {
      const host = opts.upstream.host;
      const sock = tls.connect({
        socket: raw,
        host,
        servername: net.isIP(host) ? undefined : host,
        ca: utls.ca,
        rejectUnauthorized: utls.rejectUnauthorized ?? true,
      });
      sock.on('error', fail);
      sock.once('secureConnect', () => {
        if (settled) return;
        settled = true;
        if (tlsTimer) clearTimeout(tlsTimer);
        sock.off('error', fail);
        raw.off('error', fail);
        raw.on('error', () => { /* reported through the TLS socket */ });
        attempt.connected(new SocketEnd(sock, raw));
      });
    } else {
      raw.once('connect', () => {
        if (settled) return;
        settled = true;
        raw.off('error', fail);
        attempt.connected(new SocketEnd(raw));
      });
    }
    return () => {
      if (settled) return;
      settled = true;
      if (tlsTimer) clearTimeout(tlsTimer);
      raw.destroy();
    };
  };

  const fds = new FdWatch();
  const accept = (client: End, meta: ConnMeta) => {
    counters.accepted++;
    if (closing) { client.destroy(); return; }
    // Another connection open under this id is over (see Link.supersede): it closes first.
    byId.get(meta.id)?.supersede();
    const link = new Link(meta, client, hooks, connectUpstream);
    links.add(link);
    byId.set(meta.id, link);
    const nearLimit = fds.check(links.size);
    if (nearLimit !== null) log(nearLimit);
  };

  const metaOf = (sock: net.Socket, transport: ConnMeta['transport']): ConnMeta => {
    const c: Endpoint = { host: normalizeHost(sock.remoteAddress), port: sock.remotePort ?? 0 };
    const s: Endpoint = { host: normalizeHost(sock.localAddress), port: sock.localPort ?? 0 };
    return { id: connId(c, s), client: c, server: s, transport };
  };

  const secureContext = opts.tls ? tls.createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : null;
  const handshakeMs = opts.tlsHandshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
  // TLS clients that have not finished their handshake (not yet in `links`): each
  // entry closes its sockets without a log line, for close().
  const handshaking = new Set<() => void>();

  const acceptTls = (raw: net.Socket, ctx: tls.SecureContext): void => {
    const meta = metaOf(raw, 'tls');
    const who = endpointString(meta.client);
    let sock: tls.TLSSocket | null = null;
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      handshaking.delete(quiet);
    };
    const abort = (line: string | null): void => {
      if (settled) return;
      settle();
      if (line !== null) log(line);
      sock?.destroy();
      raw.destroy();
    };
    const quiet = (): void => abort(null);
    handshaking.add(quiet);
    const timer = setTimeout(() => {
      abort(`TLS handshake with ${who} did not finish within ${seconds(handshakeMs)}; closing the connection`);
    }, handshakeMs);
    timer.unref();
    raw.on('error', () => { /* reported through the TLS socket, or the close below */ });
    raw.once('close', quiet);
    // Look at the first byte before OpenSSL does: a TLS connection starts with a
    // handshake record (content type 22, 0x16). Anything else gets a clear line.
    raw.once('data', (first: Buffer) => {
      if (settled) return;
      const b = first[0]!;
      if (b !== 0x16) {
        abort(b === 0x10
          ? `client ${who} sent plain MQTT (not TLS) to the TLS listener; closing the connection`
          : `client ${who} sent bytes that are not TLS (first byte 0x${b.toString(16).padStart(2, '0')}) to the TLS listener; closing the connection`);
        return;
      }
      raw.pause();
      raw.unshift(first); // TLSSocket takes over bytes already read from `raw`
      const s = new tls.TLSSocket(raw, { isServer: true, secureContext: ctx });
      sock = s;
      const onError = (err: Error): void => abort(`TLS handshake with ${who} failed: ${handshakeFailure(err)}`);
      s.once('error', onError);
      // A client that leaves mid-handshake (FIN, with allowHalfOpen) is closed quietly.
      s.once('end', quiet);
      s.once('close', quiet);
      s.once('secure', () => {
        if (settled) return;
        settle();
        s.off('error', onError);
        s.off('end', quiet);
        s.off('close', quiet);
        raw.off('close', quiet);
        accept(new SocketEnd(s, raw), meta);
      });
    });
  };

  const server = net.createServer({ allowHalfOpen: true }, (raw) => {
    raw.setNoDelay(true);
    if (!secureContext) {
      accept(new SocketEnd(raw), metaOf(raw, 'tcp'));
      return;
    }
    if (closing) { raw.destroy(); return; }
    acceptTls(raw, secureContext);
  });
  const address = await listenOn(server, opts.listen, '--listen');
  warnIfOpen(address, '--listen', upstreamLabel, log);

  // What all WebSocket clients together make the proxy hold in unfinished messages
  // (maxPayload caps one message, not how many connections hold one), as the framer
  // caps unfinished packets over TCP. ws keeps a message's received frames and the
  // bytes of the frame under way (Receiver._messageLength, _bufferedBytes) until the
  // message is complete; these are read after ws has taken each chunk of the socket.
  // Past the cap, a connection whose own unfinished message passes 64 KiB is closed
  // (1009, message too big): a message cannot be forwarded before it is complete.
  const wsCap = opts.maxWsUnfinishedBytes ?? DEFAULT_MAX_WS_UNFINISHED_BYTES;
  let wsUnfinished = 0;
  const watchUnfinished = (ws: WebSocket, sock: net.Socket, meta: ConnMeta): void => {
    const r = (ws as unknown as { _receiver?: { _bufferedBytes?: unknown; _messageLength?: unknown } })._receiver;
    if (r === undefined || typeof r._bufferedBytes !== 'number' || typeof r._messageLength !== 'number') return;
    const rx = r as { _bufferedBytes: number; _messageLength: number };
    let mine = 0;
    const check = (): void => {
      const now = rx._bufferedBytes + rx._messageLength;
      wsUnfinished += now - mine;
      mine = now;
      if (wsUnfinished > wsCap && now > WS_FREE_UNFINISHED && wsUnfinished > now) {
        log(`client ${endpointString(meta.client)} holds an unfinished WebSocket message of ${now} bytes while all WebSocket clients hold ${wsUnfinished} (more than ${wsCap}); closing the connection`);
        release();
        ws.close(1009, 'unfinished messages over the proxy limit');
        // ws would go on reading until the client answers the close: stop holding now.
        ws.terminate();
      }
    };
    const release = (): void => {
      sock.off('data', check);
      wsUnfinished -= mine;
      mine = 0;
    };
    sock.on('data', check);
    ws.once('close', release);
  };

  /**
   * A finding about a WebSocket connection's framing, which the engine never sees. It
   * goes through the decoder's queue, so it follows every record of the bytes that came
   * before it, and carries the client id and user name of the connection's CONNECT when
   * that was decoded. (It used to empty the queue at once: a backlog decoded outside the
   * time box, holding up every connection.)
   */
  const wsFinding = (meta: ConnMeta, severity: 'warn' | 'error', text: string, extra: Record<string, unknown>): void => {
    const time = now();
    decode.record(() => {
      const who = engine.identity(meta);
      return {
        kind: 'finding', code: 'protocol-violation', severity, time, conn: meta.id,
        clientId: who.clientId, username: who.username, frames: [], topic: null, text, extra,
      };
    });
  };

  let httpServer: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let wsAddress: Endpoint | null = null;
  if (opts.wsListen) {
    httpServer = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('This is an MQTT over WebSocket endpoint (subprotocol mqtt).\n');
    });
    // Bytes the HTTP parser refuses. MQTT or TLS sent to this port is a client pointed at the
    // wrong port or scheme: one line, and the connection closed (an HTTP 400 means nothing to
    // an MQTT or TLS client). Other request errors keep Node's answer.
    httpServer.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: net.Socket) => {
      const first = err.rawPacket?.[0];
      const printable = first !== undefined && first >= 0x20 && first < 0x7f;
      if (first !== undefined && !printable && err.code?.startsWith('HPE_')) {
        log(notHttpLine(first, endpointString({ host: normalizeHost(socket.remoteAddress), port: socket.remotePort ?? 0 }), endpointString(address)));
        socket.destroy();
        return;
      }
      // Node's own answers when no listener is set.
      if (!socket.writable || err.code === 'ECONNRESET') { socket.destroy(); return; }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    });
    // ws hands a message on only once it has all of it, so the largest message is what
    // one connection can make the proxy hold (ws's own default is 100 MiB). A packet of
    // the largest decoded size fits in one message, with room for its fixed header.
    const maxWsMessage = maxPacketSize + 5;
    wss = new WebSocketServer({
      server: httpServer,
      perMessageDeflate: false,
      maxPayload: maxWsMessage,
      // A text frame is refused as such (WebSocketEnd, [MQTT-6.0.0-1]); MQTT in one is
      // rarely valid UTF-8 (c0 00 is a PINGREQ), and ws's UTF-8 check would report it as a
      // broken WebSocket instead of naming the text frame.
      skipUTF8Validation: true,
      handleProtocols: (protocols) => WS_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
      // Subprotocols offered, none of them MQTT's: ws would upgrade without one, and the
      // client then fails the handshake itself, with nothing said here. mosquitto 2.0.11
      // closes such a connection; so does the proxy, with a line naming what was offered.
      verifyClient: (info: { req: http.IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
        const offered = offeredProtocols(info.req);
        if (offered.length === 0 || offered.some((p) => WS_PROTOCOLS.includes(p))) { done(true); return; }
        const who = endpointString({ host: normalizeHost(info.req.socket.remoteAddress), port: info.req.socket.remotePort ?? 0 });
        log(`client ${who} offered WebSocket subprotocol(s) ${offered.join(', ')}, not mqtt; MQTT over WebSocket needs subprotocol mqtt [MQTT-6.0.0-3]; refusing the upgrade (400)`);
        done(false, 400, 'MQTT over WebSocket needs subprotocol mqtt');
      },
    });
    // Listen errors are reported by listenOn through the http server; ws re-emits them here.
    wss.on('error', () => {});
    wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
      const sock = req.socket;
      const meta = metaOf(sock, 'ws');
      watchUnfinished(ws, sock, meta);
      if (ws.protocol === '') {
        // No subprotocol offered at all. mosquitto 2.0.11 upgrades such a connection but hands
        // its bytes to no MQTT handler: the CONNECT goes unanswered and the connection hangs.
        // The proxy forwards it (the broker behind it may accept it), and says so.
        log(`client ${endpointString(meta.client)} offered no WebSocket subprotocol; MQTT over WebSocket must offer mqtt [MQTT-6.0.0-3] (mosquitto 2.0.11 never answers its CONNECT); forwarding it anyway`);
        wsFinding(meta, 'warn', `the client offered no WebSocket subprotocol; an MQTT client must offer "mqtt" and the server must select it [MQTT-6.0.0-3, MQTT-6.0.0-4]. mqttscope forwarded the connection anyway; mosquitto 2.0.11 upgrades such a connection but never passes its bytes to MQTT, so its CONNECT goes unanswered`, { note: 'websocket-no-subprotocol', spec: 'MQTT-6.0.0-3' });
      }
      ws.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          log(`client ${endpointString(meta.client)} sent a WebSocket message larger than ${maxWsMessage} bytes (--max-packet-size + 5); closing the connection`);
        } else if (err.code?.startsWith('WS_ERR_')) {
          // A frame ws refuses (no mask, a reserved opcode or RSV bit, a continuation with no
          // message, a bad close frame): ws closes the connection, which resets the broker's.
          // Without a line the user saw only a dropped client.
          const why = err.message.replace(/^(?:Invalid|Unsupported) WebSocket frame: /, '');
          log(`client ${endpointString(meta.client)} broke the WebSocket protocol (${why}; ${err.code}); closing the connection`);
        }
      });
      // A text frame is not MQTT [MQTT-6.0.0-1]: WebSocketEnd closes the client (1003) and
      // forwards none of it; the finding follows the packets decoded before it.
      const onTextFrame = (bytes: number): void => {
        log(`client ${endpointString(meta.client)} sent a WebSocket text frame (${bytes} bytes); MQTT over WebSocket must use binary frames [MQTT-6.0.0-1]; closing the connection (1003), the frame was not forwarded`);
        wsFinding(meta, 'error', `the client sent a WebSocket text frame of ${bytes} bytes; MQTT over WebSocket must be sent in binary frames [MQTT-6.0.0-1]. mqttscope did not forward it to the broker and closed the WebSocket (1003)`, { note: 'websocket-text-frame', spec: 'MQTT-6.0.0-1', bytes });
      };
      accept(new WebSocketEnd(ws, 64 * 1024, onTextFrame), meta);
    });
    try {
      wsAddress = await listenOn(httpServer, opts.wsListen, '--ws-listen');
      warnIfOpen(wsAddress, '--ws-listen', upstreamLabel, log);
    } catch (err) {
      server.close();
      throw err;
    }
  }

  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    const serverClosed = new Promise<void>((r) => server.close(() => r()));
    const httpClosed = httpServer ? new Promise<void>((r) => httpServer!.close(() => r())) : Promise.resolve();
    wss?.close();
    const drained = links.size === 0 ? Promise.resolve() : new Promise<void>((r) => { idle = r; });
    for (const stop of [...handshaking]) stop();
    for (const link of [...links]) link.shutdown();
    for (const c of wss?.clients ?? []) c.terminate();
    httpServer?.closeAllConnections();
    await Promise.race([
      Promise.all([serverClosed, httpClosed, drained]),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    // What the decoder has not reached yet is decoded now, before the caller ends the engine.
    decode.flush();
  };

  const stats = (): ProxyStats => {
    let c2s = counters.bytesC2S;
    let s2c = counters.bytesS2C;
    let held = counters.held;
    for (const l of links) { c2s += l.bytesC2S; s2c += l.bytesS2C; held += l.heldTotal; }
    return {
      accepted: counters.accepted,
      active: links.size,
      bytesC2S: c2s,
      bytesS2C: s2c,
      decodeFailures: decode.failures,
      upstreamFailures: counters.upstreamFailures,
      heldBytes: held,
      decodeQueuedBytes: decode.queuedBytes,
      decodeQueuedPeak: decode.peakQueued,
    };
  };

  return {
    address,
    port: address.port,
    wsAddress,
    wsPort: wsAddress?.port ?? null,
    engine,
    tick: (time: number) => decode.tick(time),
    stats,
    connections: () => [...links].map((l) => l.info()),
    close,
  };
}

/** The subprotocols a WebSocket upgrade request offers (Sec-WebSocket-Protocol), in order. */
function offeredProtocols(req: http.IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  if (h === undefined) return [];
  return h.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * A wildcard listen address lets other hosts in: say so once, as the default (127.0.0.1)
 * does not. Clients reach the broker through the proxy whatever the broker itself listens on.
 */
function warnIfOpen(at: Endpoint, flag: string, upstream: string, log: (line: string) => void): void {
  if (at.host !== '0.0.0.0' && at.host !== '::') return;
  log(`${flag} ${endpointString(at)} accepts clients from other hosts (all interfaces), and they reach the broker ${upstream} through it; `
    + `${flag} 127.0.0.1:${at.port} keeps it to this machine`);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** A TLS handshake error as a short reason, without OpenSSL's source locations. */
export function handshakeFailure(err: Error & { code?: string; reason?: string }): string {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'the client closed the connection during the handshake';
  const reason = err.reason ?? /:(?:[^:]*):([^:]+):[^:]*\.c:\d+/.exec(err.message)?.[1] ?? err.message.split('\n')[0]!.trim();
  const alert = /alert (.+)$/i.exec(reason);
  if (alert) {
    const what = alert[1]!.toLowerCase();
    // The client checked our certificate and refused it (unknown CA, bad or expired certificate).
    if (/certificate|unknown ca/.test(what)) return `the client did not accept the certificate (TLS alert: ${what}; does it trust the CA that signed --tls-cert?)`;
    return `the client sent TLS alert '${what}'`;
  }
  return reason.replace(/\s+/g, ' ').trim() || (err.code ?? 'unknown error');
}
