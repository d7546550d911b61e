// `mqttscope proxy`: the transparent proxy and live view in front of any broker.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { endpointString, type Endpoint } from '../../model/types.js';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../../proxy/index.js';
import { upstreamFailure } from '../../proxy/link.js';
import { parseCommandArgs, parseHostPort, type OptionSpec } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { compileFilter } from '../../filter/index.js';
import { LIVE_OPTIONS, LIVE_USAGE, liveConfig, parseSize, runLive, type LiveWiring } from '../live.js';

export const summary = 'transparent MQTT proxy in front of any broker';

/** Proxy options shared with `up`. */
export const PROXY_OPTIONS = {
  listen: { type: 'string', short: 'l' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'upstream-tls': { type: 'boolean' },
  cafile: { type: 'string' },
  'ws-listen': { type: 'string' },
  'max-buffered': { type: 'string' },
  ...LIVE_OPTIONS,
} as const satisfies OptionSpec;

export const PROXY_USAGE = [
  '  -l, --listen [HOST:]PORT   where clients connect (default 127.0.0.1:1883; a bare port means 127.0.0.1)',
  '  --tls-cert FILE            terminate TLS from clients with this certificate (PEM; see mqttscope cert)',
  '  --tls-key FILE             ... and this private key (PEM, without a passphrase)',
  '  --upstream-tls             speak TLS to the broker (up: only with --broker HOST:PORT)',
  '  --cafile FILE              CA certificate(s) that signed the broker\'s certificate (implies --upstream-tls)',
  '  --ws-listen [HOST:]PORT    also accept MQTT over WebSocket (ws://HOST:PORT, subprotocol mqtt)',
  '  --max-buffered BYTES       client bytes held while the broker connection is set up (default 1M)',
  ...LIVE_USAGE,
];

export const usage = `usage: mqttscope proxy --listen [HOST:]PORT --upstream HOST:PORT [OPTIONS]

Listens for MQTT clients and forwards every connection, byte for byte, to the
broker at --upstream, decoding both directions on the way: packets, sessions,
QoS flows and findings such as silent ACL drops. Decoding never changes what is
forwarded; only a client or broker that sends faster than mqttscope can decode is
slowed to the decoder's pace (docs/proxy.md, Forwarding guarantees).

Options:
  -u, --upstream HOST:PORT   the broker (required)
${PROXY_USAGE.join('\n')}
  -h, --help                 this help

Examples:
  mqttscope proxy --listen 1884 --upstream 127.0.0.1:1883
  mosquitto_pub -p 1884 -t Room1/Light -m "Turn On"

  mqttscope cert --out certs
  mqttscope proxy --listen 8883 --upstream 127.0.0.1:1883 --tls-cert certs/server.crt --tls-key certs/server.key
  mosquitto_pub -p 8883 --cafile certs/ca.crt -t Room1/Light -m "Turn On"`;

/** Every option `proxy` accepts (each one is in the usage text). */
export const options = { ...PROXY_OPTIONS, upstream: { type: 'string', short: 'u' } } as const satisfies OptionSpec;

type ProxyValues = { [K in keyof typeof PROXY_OPTIONS]?: (typeof PROXY_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * A problem with a file given to --tls-cert, --tls-key or --cafile: one line
 * naming the option, the file and what is wrong; exit 1 (an input error, as for a bad --acl file).
 */
function tlsFileError(flag: string, path: string, problem: string): CliError {
  // A file given on the command line that cannot be used is an input error (exit 1), as a bad --acl or --passwd line is.
  return new CliError(`${flag} ${path}: ${problem}`, { code: 'tls-file', exitCode: 1 });
}

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw tlsFileError(flag, path, `cannot read it (${why})`);
  }
}

const PEM_CERT = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
const PEM_CERT_LINE = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/** OpenSSL's reason without the error number and library: `error:0480006C:PEM routines::no start line` → `no start line`. */
function opensslReason(err: unknown): string {
  const m = (err as Error).message ?? String(err);
  return m.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '').split('\n')[0]!.trim();
}

/** The PEM certificates in a file, parsed, or a problem that names the file. */
function certificates(flag: string, path: string, pem: Buffer, what: string): X509Certificate[] {
  const text = pem.toString('latin1');
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    if (PEM_KEY.test(text)) {
      throw tlsFileError(flag, path, `holds a private key, not ${what}${flag === '--tls-cert' ? ' (are --tls-cert and --tls-key swapped?)' : ''}`);
    }
    throw tlsFileError(flag, path, `not a PEM certificate file (no -----BEGIN CERTIFICATE----- line)`);
  }
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw tlsFileError(flag, path, `certificate ${i + 1} cannot be parsed (${opensslReason(err)})`);
    }
  });
}

/** Check a --tls-cert/--tls-key pair: each file holds what it should, and the key belongs to the certificate. */
export function checkServerPair(certPath: string, cert: Buffer, keyPath: string, key: Buffer): void {
  const leaf = certificates('--tls-cert', certPath, cert, 'a certificate')[0]!;
  const keyText = key.toString('latin1');
  if (!PEM_KEY.test(keyText)) {
    if (PEM_CERT_LINE.test(keyText)) {
      throw tlsFileError('--tls-key', keyPath, 'holds a certificate, not a private key (are --tls-cert and --tls-key swapped?)');
    }
    throw tlsFileError('--tls-key', keyPath, 'not a PEM private key (no -----BEGIN PRIVATE KEY----- line)');
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(keyText)) {
    throw tlsFileError('--tls-key', keyPath, 'the private key is protected by a passphrase; give an unencrypted copy (openssl pkey -in KEY -out plain.key)');
  }
  let k;
  try {
    k = createPrivateKey(key);
  } catch (err) {
    throw tlsFileError('--tls-key', keyPath, `the private key cannot be parsed (${opensslReason(err)})`);
  }
  if (!leaf.checkPrivateKey(k)) {
    throw tlsFileError('--tls-key', keyPath, `does not belong to the certificate in ${certPath} (${leaf.subject.replace(/\n/g, ', ')})`);
  }
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    throw tlsFileError('--tls-cert', certPath, `cannot be used with ${keyPath} (${opensslReason(err)})`);
  }
}

/** Check a --cafile: at least one PEM certificate, every one readable. */
export function checkCaFile(path: string, ca: Buffer): void {
  certificates('--cafile', path, ca, 'a CA certificate');
  try {
    tls.createSecureContext({ ca });
  } catch (err) {
    throw tlsFileError('--cafile', path, `cannot be used (${opensslReason(err)})`);
  }
}

export interface ProxySettings {
  listen: Endpoint;
  tls?: ProxyOptions['tls'];
  upstreamTls?: ProxyOptions['upstreamTls'];
  wsListen?: Endpoint;
  maxBufferedBytes?: number;
}

/** Validate and load the proxy options (certificates are read here). */
export async function proxySettings(v: ProxyValues): Promise<ProxySettings> {
  const s: ProxySettings = { listen: parseHostPort(v.listen ?? '1883', '--listen') };
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  if (v['tls-cert'] !== undefined && v['tls-key'] !== undefined) {
    const cert = await readPem(v['tls-cert'], '--tls-cert');
    const key = await readPem(v['tls-key'], '--tls-key');
    checkServerPair(v['tls-cert'], cert, v['tls-key'], key);
    s.tls = { cert, key };
  }
  if (v['upstream-tls'] || v.cafile !== undefined) {
    if (v.cafile !== undefined) {
      const ca = await readPem(v.cafile, '--cafile');
      checkCaFile(v.cafile, ca);
      s.upstreamTls = { ca };
    } else {
      s.upstreamTls = {};
    }
  }
  if (v['ws-listen'] !== undefined) s.wsListen = parseHostPort(v['ws-listen'], '--ws-listen');
  if (v['max-buffered'] !== undefined) s.maxBufferedBytes = parseSize(v['max-buffered'], '--max-buffered');
  return s;
}

/**
 * `--format tui` draws with escape sequences and reads keys: into a pipe or a file
 * that is garbage and a session nobody can quit, so it is a usage error (as for
 * `read`). A bad --filter is reported first, by the live session, as for every format.
 */
export function requireTerminalForTui(format: string | undefined, filter: string | undefined, isTTY = Boolean(process.stdout.isTTY)): void {
  if (format !== 'tui' || isTTY) return;
  if (filter !== undefined) {
    try { compileFilter(filter); } catch { return; }
  }
  throw new UsageError('--format tui needs a terminal on stdout; use --format line, table or json when piping or redirecting');
}

/** startProxy with the live session's wiring. */
export function startWiredProxy(s: ProxySettings, upstream: Endpoint, w: LiveWiring): Promise<ProxyHandle> {
  return startProxy({
    listen: s.listen,
    upstream,
    ...(s.tls ? { tls: s.tls } : {}),
    ...(s.upstreamTls ? { upstreamTls: s.upstreamTls } : {}),
    ...(s.wsListen ? { wsListen: s.wsListen } : {}),
    ...(s.maxBufferedBytes !== undefined ? { maxBufferedBytes: s.maxBufferedBytes } : {}),
    onRecord: w.onRecord,
    engineOpts: w.engineOpts,
    taps: w.taps,
    ...(w.frameSource ? { frameSource: w.frameSource } : {}),
    maxPacketSize: w.maxPacketSize,
    now: w.now,
    log: w.log,
  });
}

/** Where to connect, for the banner. */
export function listenLines(p: ProxyHandle, tls: boolean): string[] {
  const lines = [`proxy listening on ${tls ? 'mqtts://' : ''}${endpointString(p.address)}`];
  if (p.wsAddress) lines.push(`MQTT over WebSocket on ws://${endpointString(p.wsAddress)} (subprotocol mqtt)`);
  return lines;
}

/**
 * The client command for the banner. `tlsCert`: the --tls-cert file (TLS to clients), whose
 * CA the hint names: `mqttscope cert --out DIR` writes DIR/ca.crt next to DIR/server.crt, so
 * that file when it is there, else a placeholder (not a path that does not exist).
 */
export function clientHint(p: ProxyHandle, tlsCert: string | undefined, needsLogin = false): string {
  const port = p.port === 1883 ? '' : ` -p ${p.port}`;
  const host = p.address.host === '127.0.0.1' || p.address.host === '0.0.0.0' || p.address.host === '::' ? '' : ` -h ${p.address.host}`;
  // With a password_file and no anonymous access, an anonymous client is refused (CONNACK 5).
  const login = needsLogin ? ' -u USER -P PASSWORD' : '';
  let cafile = '';
  if (tlsCert !== undefined) {
    const ca = join(dirname(tlsCert), 'ca.crt');
    cafile = ` --cafile ${existsSync(ca) ? ca : 'CA_FILE'}`;
  }
  return `try: mosquitto_pub${host}${port}${cafile}${login} -t Room1/Light -m "Turn On"`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.upstream === undefined) throw new UsageError('--upstream HOST:PORT is required (the broker to forward to)');
  const upstream = parseHostPort(values.upstream, '--upstream', undefined, true);
  requireTerminalForTui(values.format, values.filter);
  const settings = await proxySettings(values);
  const cfg = liveConfig(values);
  return runLive(cfg, {
    title: `mqttscope proxy → ${endpointString(upstream)}`,
    start: (w) => startWiredProxy(settings, upstream, w),
    banner: (p) => [
      ...listenLines(p, Boolean(settings.tls)),
      `forwarding to ${settings.upstreamTls ? 'mqtts://' : ''}${endpointString(upstream)}`,
      clientHint(p, settings.tls ? values['tls-cert'] : undefined),
    ],
    // Say now, not at the first client, when nothing answers there; the session goes on
    // (the broker may come up later).
    started: (log) => warnIfUpstreamDown(upstream, settings.upstreamTls, log),
  });
}

/** Check the upstream once (probeUpstream) and give one warning line when it does not answer. */
export function warnIfUpstreamDown(upstream: Endpoint, upstreamTls: ProxySettings['upstreamTls'], log: (line: string) => void): void {
  void probeUpstream(upstream, upstreamTls).then((why) => {
    if (why !== null) {
      log(`warning: upstream ${upstreamTls ? 'mqtts://' : ''}${endpointString(upstream)} ${why} (checked at start); `
        + 'clients are dropped until a broker answers there; the proxy keeps listening');
    }
  });
}

/** How long the start-up check of the upstream waits for the TCP connect (and TLS handshake). */
export const UPSTREAM_PROBE_TIMEOUT_MS = 3000;

/**
 * One connection to the upstream, straight from here (not through the proxy, so it is in
 * neither the analysis nor the --write file): a TCP connect, and with TLS the handshake,
 * then closed at once without a byte of MQTT. Resolves with why it failed (the words of
 * the proxy's own upstream errors), or null when the upstream answered.
 */
export function probeUpstream(upstream: Endpoint, upstreamTls: ProxySettings['upstreamTls'], timeoutMs = UPSTREAM_PROBE_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const raw = net.connect({ host: upstream.host, port: upstream.port });
    let sock: net.Socket = raw;
    let tcpUp = false;
    let settled = false;
    const done = (why: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      raw.destroy();
      resolve(why);
    };
    const fail = (err: NodeJS.ErrnoException): void => done(upstreamFailure(err, tcpUp && upstreamTls !== undefined, upstreamTls?.ca !== undefined));
    const timer = setTimeout(() => {
      done(tcpUp
        ? `did not finish the TLS handshake within ${timeoutMs / 1000} s`
        : `could not be reached (no answer to the connection attempt within ${timeoutMs / 1000} s)`);
    }, timeoutMs);
    // Never what keeps the process alive.
    timer.unref();
    raw.unref();
    raw.on('error', fail);
    raw.once('connect', () => { tcpUp = true; });
    if (upstreamTls) {
      const host = upstream.host;
      sock = tls.connect({ socket: raw, host, servername: net.isIP(host) ? undefined : host, ca: upstreamTls.ca, rejectUnauthorized: upstreamTls.rejectUnauthorized ?? true });
      sock.on('error', fail);
      sock.once('secureConnect', () => done(null));
    } else {
      raw.once('connect', () => done(null));
    }
  });
}
