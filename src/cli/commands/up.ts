// `mqttscope up` (the default command): the bundled broker on a private
// loopback port, the proxy on 127.0.0.1:1883 in front of it, and the live view.
import { AclFileError } from '../../acl/errors.js';
import { startBroker } from '../../broker/broker.js';
import { MosquittoError, startMosquitto } from '../../broker/mosquitto.js';
import { endpointString, type Endpoint } from '../../model/types.js';
import { parseCommandArgs, parseHostPort } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { liveConfig, runLive } from '../live.js';
import { clientHint, listenLines, PROXY_OPTIONS, PROXY_USAGE, proxySettings, requireTerminalForTui, startWiredProxy, warnIfUpstreamDown } from './proxy.js';

export const summary = 'bundled broker + proxy on 127.0.0.1:1883 + live view (the default)';

export const usage = `usage: mqttscope up [--listen [HOST:]PORT] [--broker aedes|mosquitto|HOST:PORT] [--acl FILE] [--passwd FILE] [--allow-anonymous] [OPTIONS]

Starts a broker on a private loopback port, the proxy in front of it on
127.0.0.1:1883, and the live view: the terminal UI when stdout is a terminal,
otherwise one line per packet. Point any MQTT client at the proxy.
Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closed) stops everything cleanly and flushes --write.

Options:
  -b, --broker BROKER        aedes (bundled, default), mosquitto (runs the mosquitto binary),
                             or HOST:PORT of a broker that is already running
  --acl FILE                 mosquitto acl_file: the broker up starts enforces it, and drops are explained
                             with it (with --broker HOST:PORT it only explains: that broker has its own)
  --passwd FILE              mosquitto password_file: the broker up starts checks logins with it, and
                             refused CONNECTs say what it makes of the user name and password
  --allow-anonymous          let clients without a username in (default: only when there is no --passwd)
${PROXY_USAGE.filter((l) => !/--acl |--passwd /.test(l)).join('\n')}
  -h, --help                 this help

Example:
  mqttscope up
  mosquitto_sub -t 'Room1/#' -v &
  mosquitto_pub -t Room1/Light -m "Turn On"`;

/** Every option `up` accepts (each one is in the usage text). */
export const options = {
  ...PROXY_OPTIONS,
  broker: { type: 'string', short: 'b' },
  'allow-anonymous': { type: 'boolean' },
} as const;

interface Backend {
  kind: 'aedes' | 'mosquitto' | 'external';
  at: Endpoint;
  close(): Promise<void>;
}

async function startBackend(broker: string, opts: { acl?: string; passwd?: string; allowAnonymous?: boolean }, log: (line: string) => void): Promise<Backend> {
  if (broker === 'aedes') {
    try {
      const b = await startBroker({
        host: '127.0.0.1', port: 0,
        ...(opts.acl ? { acl: opts.acl } : {}),
        ...(opts.passwd ? { passwd: opts.passwd } : {}),
        ...(opts.allowAnonymous !== undefined ? { allowAnonymous: opts.allowAnonymous } : {}),
      });
      return { kind: 'aedes', at: { host: b.host, port: b.port }, close: () => b.close() };
    } catch (err) {
      if (err instanceof AclFileError) throw new CliError(err.message, { code: err.code });
      throw err;
    }
  }
  if (broker === 'mosquitto') {
    try {
      const m = await startMosquitto({
        host: '127.0.0.1', port: 0,
        ...(opts.acl ? { aclFile: opts.acl } : {}),
        ...(opts.passwd ? { passwdFile: opts.passwd } : {}),
        ...(opts.allowAnonymous !== undefined ? { allowAnonymous: opts.allowAnonymous } : {}),
        // Supervised: a mosquitto that dies is said so (with its last log lines) and restarted.
        restart: true,
        onExit: (i) => log(`mosquitto exited (${i.signal ?? `code ${i.code}`}); its last log lines:\n${lastLines(i.log, 5)}`),
        onGiveUp: (i) => log(`mosquitto exited (${i.signal ?? `code ${i.code}`}) after ${i.restarts} restart(s); not restarting it again, so clients will be refused until up is restarted`),
      });
      return { kind: 'mosquitto', at: { host: m.host, port: m.port }, close: () => m.close() };
    } catch (err) {
      if (err instanceof MosquittoError) throw new CliError(err.message, { code: err.code });
      throw err;
    }
  }
  if (!/:\d+$/.test(broker)) throw new UsageError(`--broker: expected aedes, mosquitto or HOST:PORT, got '${broker}'`);
  return { kind: 'external', at: parseHostPort(broker, '--broker', undefined, true), close: async () => {} };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const broker = values.broker ?? 'aedes';
  if (broker !== 'aedes' && broker !== 'mosquitto' && !/:\d+$/.test(broker)) {
    throw new UsageError(`--broker: expected aedes, mosquitto or HOST:PORT, got '${broker}'`);
  }
  const external = broker !== 'aedes' && broker !== 'mosquitto';
  if (external && (values.passwd !== undefined || values['allow-anonymous'])) {
    throw new UsageError('--passwd and --allow-anonymous configure the bundled broker; with --broker HOST:PORT configure that broker instead');
  }
  if (!external && (values['upstream-tls'] || values.cafile !== undefined)) {
    // The broker `up` starts (aedes, or the managed mosquitto) listens on plain TCP only.
    throw new UsageError(`--upstream-tls and --cafile are for a broker that speaks TLS, but the ${broker} broker that up starts speaks plain TCP; leave them out, or give a TLS broker with --broker HOST:PORT (--tls-cert/--tls-key offer TLS to clients)`);
  }
  requireTerminalForTui(values.format, values.filter);
  const settings = await proxySettings(values);
  const cfg = liveConfig(values);
  let backend: Backend | null = null;
  return runLive(cfg, {
    title: 'mqttscope up',
    brokerKind: broker === 'mosquitto' ? 'mosquitto' : broker === 'aedes' ? 'aedes' : 'unknown',
    start: async (w) => {
      backend = await startBackend(broker, {
        ...(values.acl !== undefined ? { acl: values.acl } : {}),
        ...(values.passwd !== undefined ? { passwd: values.passwd } : {}),
        ...(values['allow-anonymous'] ? { allowAnonymous: true } : {}),
      }, w.log);
      return startWiredProxy(settings, backend.at, w);
    },
    // The address clients use first: the TUI joins these lines on one status line, and at 80
    // columns the end of it is cut.
    banner: (p) => [
      ...listenLines(p, Boolean(settings.tls)),
      backend!.kind === 'external'
        ? `forwarding to the broker at ${endpointString(backend!.at)}`
        : `${backend!.kind} broker on ${endpointString(backend!.at)} (private; connect through the proxy)`,
      clientHint(p, settings.tls ? values['tls-cert'] : undefined, values.passwd !== undefined && !values['allow-anonymous']),
      'Ctrl-C to stop',
    ],
    // A broker of the user's (--broker HOST:PORT) may be down: say so now, not at the first client.
    started: (log) => { if (backend?.kind === 'external') warnIfUpstreamDown(backend.at, settings.upstreamTls, log); },
    stop: async () => { await backend?.close(); },
  });
}

/** The last `n` non-empty lines of a log, indented. */
function lastLines(log: string, n: number): string {
  return log.trim().split('\n').filter((l) => l.trim() !== '').slice(-n).map((l) => `  ${l}`).join('\n');
}
