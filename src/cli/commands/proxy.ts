// `mqttscope proxy`: the transparent proxy and live view in front of any broker.
import { readFile } from 'node:fs/promises';
import { endpointString, type Endpoint } from '../../model/types.js';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../../proxy/index.js';
import { parseCommandArgs, parseHostPort, type OptionSpec } from '../args.js';
import { CliError, UsageError } from '../errors.js';
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
  '  --tls-key FILE             ... and this private key',
  '  --upstream-tls             speak TLS to the broker',
  '  --cafile FILE              CA certificate(s) that signed the broker\'s certificate (implies --upstream-tls)',
  '  --ws-listen [HOST:]PORT    also accept MQTT over WebSocket (ws://HOST:PORT, subprotocol mqtt)',
  '  --max-buffered BYTES       bytes held per connection before reading pauses (default 1M)',
  ...LIVE_USAGE,
];

export const usage = `usage: mqttscope proxy --listen [HOST:]PORT --upstream HOST:PORT [OPTIONS]

Listens for MQTT clients and forwards every connection, byte for byte, to the
broker at --upstream, decoding both directions on the way: packets, sessions,
QoS flows and findings such as silent ACL drops. Decoding never changes or
delays what is forwarded.

Options:
  --upstream HOST:PORT       the broker (required)
${PROXY_USAGE.join('\n')}
  -h, --help                 this help

Examples:
  mqttscope proxy --listen 1884 --upstream 127.0.0.1:1883
  mosquitto_pub -p 1884 -t Room1/Light -m "Turn On"

  mqttscope cert --out certs
  mqttscope proxy --listen 8883 --upstream 127.0.0.1:1883 --tls-cert certs/server.crt --tls-key certs/server.key
  mosquitto_pub -p 8883 --cafile certs/ca.crt -t Room1/Light -m "Turn On"`;

type ProxyValues = { [K in keyof typeof PROXY_OPTIONS]?: (typeof PROXY_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { code: 'read-failed' });
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
    s.tls = { cert: await readPem(v['tls-cert'], '--tls-cert'), key: await readPem(v['tls-key'], '--tls-key') };
  }
  if (v['upstream-tls'] || v.cafile !== undefined) {
    s.upstreamTls = v.cafile !== undefined ? { ca: await readPem(v.cafile, '--cafile') } : {};
  }
  if (v['ws-listen'] !== undefined) s.wsListen = parseHostPort(v['ws-listen'], '--ws-listen');
  if (v['max-buffered'] !== undefined) s.maxBufferedBytes = parseSize(v['max-buffered'], '--max-buffered');
  return s;
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

export function clientHint(p: ProxyHandle, tls: boolean, needsLogin = false): string {
  const port = p.port === 1883 ? '' : ` -p ${p.port}`;
  const host = p.address.host === '127.0.0.1' || p.address.host === '0.0.0.0' || p.address.host === '::' ? '' : ` -h ${p.address.host}`;
  // With a password_file and no anonymous access, an anonymous client is refused (CONNACK 5).
  const login = needsLogin ? ' -u USER -P PASSWORD' : '';
  return `try: mosquitto_pub${host}${port}${tls ? ' --cafile ca.crt' : ''}${login} -t Room1/Light -m "Turn On"`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...PROXY_OPTIONS, upstream: { type: 'string', short: 'u' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.upstream === undefined) throw new UsageError('--upstream HOST:PORT is required (the broker to forward to)');
  const upstream = parseHostPort(values.upstream, '--upstream');
  const settings = await proxySettings(values);
  const cfg = liveConfig(values);
  return runLive(cfg, {
    title: `mqttscope proxy → ${endpointString(upstream)}`,
    start: (w) => startWiredProxy(settings, upstream, w),
    banner: (p) => [
      ...listenLines(p, Boolean(settings.tls)),
      `forwarding to ${settings.upstreamTls ? 'mqtts://' : ''}${endpointString(upstream)}`,
      clientHint(p, Boolean(settings.tls)),
    ],
  });
}
