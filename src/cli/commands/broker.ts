// `mqttscope broker`: the bundled aedes broker (or a managed mosquitto) with
// mosquitto password_file / acl_file semantics.
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { AclFileError } from '../../acl/errors.js';
import { loadAclFile, type AclFile } from '../../acl/acl-file.js';
import { escapeControls } from '../../acl/mosquitto-text.js';
import { loadMosquittoConf } from '../../broker/config.js';
import { startBroker } from '../../broker/broker.js';
import { startMosquitto, MosquittoError } from '../../broker/mosquitto.js';
import type { SecurityEvent } from '../../broker/security.js';

export const summary = 'the bundled broker (aedes) with mosquitto password/ACL files';

export const usage = `usage: mqttscope broker [--port N] [--host H] [-c mosquitto.conf | --acl FILE --passwd FILE --allow-anonymous] [--broker aedes|mosquitto]

Runs the bundled MQTT 3.1.1 broker (aedes), or with --broker mosquitto a managed
mosquitto (MQTT 3.1.1 and 5), that enforces mosquitto 2.0 password_file and
acl_file rules the way mosquitto does: refused logins get CONNACK 5, a PUBLISH
the ACL denies is accepted (a normal PUBACK/PUBREC at QoS 1/2, nothing at QoS 0)
and delivered to nobody, a SUBSCRIBE is always
granted and each message is checked for read access on delivery (and when it is
queued for an offline session); $share/GROUP/FILTER shared subscriptions deliver
each message to one member in turn.

Options:
  --port N            TCP port (default 1883, or the config's listener)
  --host H            address to listen on (default 127.0.0.1)
  -c, --config FILE   mosquitto.conf subset: listener, port, allow_anonymous,
                      password_file, acl_file, per_listener_settings, max_queued_messages,
                      max_inflight_messages (other mosquitto directives are ignored with a warning; what
                      mosquitto refuses is an error FILE:LINE)
  --passwd FILE       mosquitto password_file (plain text or $7$/$6$ hashes)
  --acl FILE          mosquitto acl_file
  --allow-anonymous   let clients without a username in (default: only when there is no --passwd)
  --broker NAME       aedes (bundled, default) or mosquitto (the mosquitto binary found on PATH or in /usr/sbin, /sbin,
                      /usr/local/sbin, run with the same files)
  -q, --quiet         do not log refused logins and ACL drops
  -h, --help          this help

Example (the Spanish tutorial):
  mqttscope broker --port 1883 --passwd passwd.txt --acl acl.txt
  mosquitto_pub -u user1 -P pass1 -t colombia/cundinamarca/cajica/user1 -m hola   (delivered)
  mosquitto_pub -u user1 -P pass1 -t panama/colon/user1 -m hola                   (accepted, dropped: QoS 0, no ack)`;

/** Every option `broker` accepts (each one is in the usage text). */
export const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string', short: 'c' },
  passwd: { type: 'string' },
  acl: { type: 'string' },
  'allow-anonymous': { type: 'boolean' },
  broker: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export function describeEvent(e: SecurityEvent): string {
  const who = `${e.clientId === '' ? '(empty client id)' : e.clientId}${e.username !== null ? ` (user ${e.username})` : ' (no username)'}`;
  switch (e.kind) {
    case 'connect-refused': return `refused CONNECT from ${who}: ${e.reason}; sent CONNACK ${e.returnCode}`;
    // QoS 0 has no acknowledgement: the client is told nothing either way.
    case 'publish-denied': return `denied PUBLISH from ${who} to '${e.topic}' (QoS ${e.qos}): ${e.qos === 0 ? 'dropped (QoS 0: no acknowledgement)' : e.qos === 1 ? 'acknowledged (PUBACK 0) and dropped' : 'acknowledged (PUBREC 0) and dropped'}`;
    case 'delivery-withheld': return e.offline
      ? `withheld '${e.topic}' from the offline session ${who}: no read access, not queued`
      : `withheld '${e.topic}' from ${who}: no read access`;
    case 'connection-closed': return `closed the connection of ${who}: ${e.reason}`;
    case 'queue-full': return `dropping messages for the offline session ${who} from '${e.topic}' on: ${e.limit} are queued (mosquitto's max_queued_messages)`;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, options, false);
  const engine = values.broker ?? 'aedes';
  if (engine !== 'aedes' && engine !== 'mosquitto') throw new UsageError(`--broker must be aedes or mosquitto, got '${engine}'`);
  if (values.config && (values.passwd || values.acl || values['allow-anonymous'])) {
    throw new UsageError('use either -c mosquitto.conf or --passwd/--acl/--allow-anonymous, not both');
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port: expected a port number, got '${values.port}'`);
  }

  let host = values.host;
  let passwd = values.passwd;
  let acl = values.acl;
  let allowAnonymous: boolean | undefined = values['allow-anonymous'] ? true : undefined;
  // max_queued_messages from -c (mosquitto's default, 1,000, when absent).
  let maxQueuedMessages: number | undefined;
  // max_inflight_messages from -c (mosquitto's default, 20, when absent; 0 = no limit).
  let maxInflightMessages: number | undefined;
  try {
    if (values.config) {
      const cfg = await loadMosquittoConf(values.config);
      for (const w of cfg.warnings) process.stderr.write(`warning: ${w}\n`);
      const [first, ...others] = cfg.listeners;
      for (const l of others) process.stderr.write(`warning: ${cfg.path}:${l.line}: only the first listener is used\n`);
      port ??= first?.port;
      host ??= first?.host;
      passwd = cfg.passwordFile;
      acl = cfg.aclFile;
      maxQueuedMessages = cfg.maxQueuedMessages;
      maxInflightMessages = cfg.maxInflightMessages;
      // mosquitto 2.0: allow_anonymous defaults to false once a listener is declared; a file
      // without one starts mosquitto in "local only mode", where it defaults to true
      // (password_file or not: users in it must still give their password).
      allowAnonymous = cfg.allowAnonymous ?? !first;
    }
    port ??= 1883;
    host ??= '127.0.0.1';
    const log = (e: SecurityEvent): void => { if (!values.quiet) process.stderr.write(`${escapeControls(describeEvent(e))}\n`); };
    // The acl_file as mqttscope reads it: warnings for both engines; for mosquitto,
    // a line-level reason to add to mosquitto's own error if it refuses the file.
    let aclFile: AclFile | null = null;
    let aclProblem: string | null = null;
    if (acl !== undefined) {
      try {
        aclFile = await loadAclFile(acl);
        for (const w of aclFile.warnings) process.stderr.write(`warning: ${w}\n`);
      } catch (err) {
        if (engine === 'aedes' || !(err instanceof AclFileError)) throw err;
        aclProblem = err.message;
      }
    }
    let running;
    // Set when the managed mosquitto died and is not restarted: the command ends with 1.
    let gaveUp: (() => void) | null = null;
    let failed = false;
    if (engine === 'aedes') {
      running = await startBroker({ host, port, passwd, acl: aclFile, allowAnonymous, onEvent: log, ...(maxQueuedMessages !== undefined ? { maxQueuedMessages } : {}),
        ...(maxInflightMessages !== undefined ? { maxInflightMessages } : {}) });
    } else {
      // mosquitto's start-up log is held until it listens: if it refuses to start, the
      // error below carries that log, and it is printed once.
      let held: string | null = '';
      try {
        running = await startMosquitto({ host, port, passwdFile: passwd, aclFile: acl, allowAnonymous, ...(maxQueuedMessages !== undefined ? { maxQueuedMessages } : {}),
          ...(maxInflightMessages !== undefined ? { maxInflightMessages } : {}),
          onExit: (i) => process.stderr.write(`mosquitto exited (${i.signal ?? `code ${i.code}`})\n`),
          onGiveUp: (i) => {
            process.stderr.write(`mqttscope broker: mosquitto exited (${i.signal ?? `code ${i.code}`}) after ${i.restarts} restart(s); giving up\n`);
            failed = true;
            gaveUp?.();
          },
          onLog: (t) => {
            if (values.quiet) return;
            if (held !== null) held += t;
            else process.stderr.write(t);
          },
          restart: true });
      } catch (err) {
        if (err instanceof MosquittoError && aclProblem) err.message += `\n(mqttscope reads the acl_file the same way: ${aclProblem})`;
        throw err;
      }
      process.stderr.write(held);
      held = null;
    }
    const anon = allowAnonymous ?? passwd === undefined;
    process.stderr.write(`mqttscope broker: ${engine} listening on ${running.host}:${running.port}`
      + ` (password_file ${passwd ?? 'none'}, acl_file ${acl ?? 'none'}, allow_anonymous ${anon})\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); process.off('SIGHUP', stop); gaveUp = null; resolve(); };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      process.on('SIGHUP', stop); // the terminal closed: stop as cleanly as on SIGTERM
      gaveUp = stop;
    });
    await running.close();
    return failed ? 1 : 0;
  } catch (err) {
    if (err instanceof AclFileError || err instanceof MosquittoError) throw new CliError(err.message, { code: err.code, exitCode: 1 });
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' || (err as NodeJS.ErrnoException).code === 'EACCES') {
      const why = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is already in use; pick another with --port' : (err as Error).message;
      throw new CliError(`cannot listen on ${host}:${port}: ${why}`, { code: 'listen-failed', exitCode: 1 });
    }
    throw err;
  }
}
