// startProxy: TCP / TLS / WebSocket listeners in front of one upstream broker.
// Every client connection gets its own upstream connection; bytes go through
// unchanged (link.ts) and are fed to one shared Engine after forwarding.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { Engine } from '../engine/engine.js';
import { connId, endpointString, type ConnMeta, type Endpoint } from '../model/types.js';
import { nowUs } from './clock.js';
import { DecodeTap, TapSet } from './decode-tap.js';
import { SocketEnd, WebSocketEnd, type End } from './ends.js';
import { Link, type UpstreamAttempt } from './link.js';
import { listenOn, normalizeHost } from './listen.js';
import {
  DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_PACKET_SIZE,
  type ProxyHandle, type ProxyOptions, type ProxyStats,
} from './types.js';

/** WebSocket subprotocols MQTT clients ask for: `mqtt` (3.1.1, 5) and `mqttv3.1`. */
const WS_PROTOCOLS = ['mqtt', 'mqttv3.1'];

export async function startProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const now = opts.now ?? nowUs;
  const log = opts.log ?? ((line: string) => { process.stderr.write(`mqttscope proxy: ${line}\n`); });
  const maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const engine = new Engine({
    ...opts.engineOpts,
    onRecord: opts.onRecord,
    maxPacketSize: opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE,
  });
  const decode = new DecodeTap(engine, opts.onRecord, opts.frameSource);
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
    closed: (link: Link) => {
      links.delete(link);
      counters.bytesC2S += link.bytesC2S;
      counters.bytesS2C += link.bytesS2C;
      counters.held += link.heldTotal;
      if (links.size === 0) idle?.();
    },
    upstreamLabel,
    maxBufferedBytes,
  };

  const connectUpstream = (attempt: UpstreamAttempt): (() => void) => {
    const raw = net.connect({ host: opts.upstream.host, port: opts.upstream.port, allowHalfOpen: true });
    raw.setNoDelay(true);
    let settled = false;
    const fail = (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      raw.destroy();
      attempt.failed(err);
    };
    raw.on('error', fail);
    const utls = opts.upstreamTls;
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
      raw.destroy();
    };
  };

  const accept = (client: End, meta: ConnMeta) => {
    counters.accepted++;
    if (closing) { client.destroy(); return; }
    links.add(new Link(meta, client, hooks, connectUpstream));
  };

  const metaOf = (sock: net.Socket, transport: ConnMeta['transport']): ConnMeta => {
    const c: Endpoint = { host: normalizeHost(sock.remoteAddress), port: sock.remotePort ?? 0 };
    const s: Endpoint = { host: normalizeHost(sock.localAddress), port: sock.localPort ?? 0 };
    return { id: connId(c, s), client: c, server: s, transport };
  };

  const secureContext = opts.tls ? tls.createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : null;
  const server = net.createServer({ allowHalfOpen: true }, (raw) => {
    raw.setNoDelay(true);
    if (!secureContext) {
      accept(new SocketEnd(raw), metaOf(raw, 'tcp'));
      return;
    }
    const meta = metaOf(raw, 'tls');
    const sock = new tls.TLSSocket(raw, { isServer: true, secureContext });
    const onError = (err: Error) => {
      log(`TLS handshake with ${endpointString(meta.client)} failed: ${err.message}`);
      sock.destroy();
      raw.destroy();
    };
    sock.once('error', onError);
    raw.on('error', () => { /* reported through the TLS socket */ });
    sock.once('secure', () => {
      sock.off('error', onError);
      accept(new SocketEnd(sock, raw), meta);
    });
  });
  const address = await listenOn(server, opts.listen, '--listen');

  let httpServer: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let wsAddress: Endpoint | null = null;
  if (opts.wsListen) {
    httpServer = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('This is an MQTT over WebSocket endpoint (subprotocol mqtt).\n');
    });
    wss = new WebSocketServer({
      server: httpServer,
      perMessageDeflate: false,
      handleProtocols: (protocols) => WS_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
    });
    // Listen errors are reported by listenOn through the http server; ws re-emits them here.
    wss.on('error', () => {});
    wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
      const sock = req.socket;
      accept(new WebSocketEnd(ws, 64 * 1024), metaOf(sock, 'ws'));
    });
    try {
      wsAddress = await listenOn(httpServer, opts.wsListen, '--ws-listen');
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
    for (const link of [...links]) link.shutdown();
    for (const c of wss?.clients ?? []) c.terminate();
    httpServer?.closeAllConnections();
    await Promise.race([
      Promise.all([serverClosed, httpClosed, drained]),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
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
    };
  };

  return {
    address,
    port: address.port,
    wsAddress,
    wsPort: wsAddress?.port ?? null,
    engine,
    stats,
    connections: () => [...links].map((l) => l.info()),
    close,
  };
}
