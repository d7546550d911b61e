// `mqttscope replay FILE --to [HOST:]PORT [--speed N|max] [--suffix-client-ids[=SUFFIX]] [--username U [--password-file F] | --credentials F]`
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { parseCommandArgs, parseHostPort } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { Progress } from '../progress.js';
import { openCapture, replay, formatReport, carriesCredentials, capturedUserName, userNameKey, userNameText, parseCredentialsFile, socketProblem, type Credentials, type CredentialsFor } from '../../replay/index.js';

export const summary = 'replay the client side of a capture against a broker';

export const usage = `usage: mqttscope replay FILE --to [HOST:]PORT [--speed N|max] [--suffix-client-ids[=SUFFIX]]
       [--username U [--password-file F | --password P] | --credentials F]
       [--port N]... [--timeout MS] [--only-different]

Re-sends what every captured MQTT client sent (packet by packet, packet ids kept,
except that acks of the broker's deliveries take the ids the live broker used)
to another broker, collects the broker's answers and reports, per connection,
how they differ from the captured ones, and connections the broker closed.
Exit 0 when identical, 1 when different or when nothing could be replayed.
Ctrl-C, SIGTERM or SIGHUP stops it: the report of what was played, exit 128 + the
signal number (130 for Ctrl-C).

Options:
  --to [HOST:]PORT          broker to replay against (required; HOST defaults to 127.0.0.1)
  --speed N|max             timing: N times the original speed (default 1), or max
  --suffix-client-ids[=S]   append S (default "-replay") to every client id, so the
                            replay does not take over live sessions
  --username U              user name sent in every CONNECT instead of the captured one
                            (the captured password is dropped unless one is given; so are
                            MQTT 5 Authentication Method/Data and the client's AUTH packets)
  --password-file F         password sent with --username: the first line of F (its
                            line end not included); kept out of ps, unlike --password
  --password P              password sent with --username, given on the command line
  --credentials F           a password per captured user name: lines USER:PASSWORD (a
                            plain mosquitto password file; '#' lines skipped); each
                            CONNECT keeps its user name and gets that password; one
                            whose user name is not in F is sent as captured
  --port N                  extra TCP port carrying MQTT in the capture (repeatable)
  --timeout MS              longest wait for an expected answer, a delivery to
                            acknowledge or a close (default 1500)
  --only-different          list only the connections that got different answers, and
                            count the others in one line (the exit status is the same)
  -h, --help                this help

Example:
  mqttscope proxy --listen 1884 --upstream 127.0.0.1:1883 --write seed.pcap
  mosquitto_pub -p 1884 -t Room1/Light -m "Turn On"
  mqttscope replay seed.pcap --to 127.0.0.1:1883 --speed max`;

/** Every option `replay` accepts besides --suffix-client-ids[=S] (each one is in the usage text). */
export const options = {
  to: { type: 'string' },
  speed: { type: 'string' },
  port: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'password-file': { type: 'string' },
  credentials: { type: 'string' },
  'only-different': { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  // --suffix-client-ids may come bare; node's parseArgs wants a value for strings.
  let suffix: string | undefined;
  const rest: string[] = [];
  for (const a of argv) {
    if (a === '--suffix-client-ids') suffix = '-replay';
    else if (a.startsWith('--suffix-client-ids=')) {
      suffix = a.slice('--suffix-client-ids='.length);
      // An empty suffix would change nothing, so the replay would take over the captured (maybe live) sessions.
      if (suffix === '') throw new UsageError('--suffix-client-ids=: the suffix is empty; give one (--suffix-client-ids=-r1) or none for "-replay"');
    }
    else rest.push(a);
  }
  const { values, positionals } = parseCommandArgs(rest, options);
  if (positionals.length !== 1) throw new UsageError('expected exactly one capture FILE');
  const file = positionals[0]!;
  if (!values.to) throw new UsageError('--to [HOST:]PORT is required');
  const to = parseHostPort(values.to, '--to', undefined, true);
  let speed: number | 'max' = 1;
  if (values.speed !== undefined) {
    if (values.speed === 'max') speed = 'max';
    else {
      const n = Number(values.speed);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--speed: expected a positive number or 'max', got '${values.speed}'`);
      speed = n;
    }
  }
  const ports = (values.port ?? []).map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new UsageError(`--port: expected a TCP port, got '${p}'`);
    return n;
  });
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--timeout: expected milliseconds, got '${values.timeout}'`);
  }
  let credentials: Credentials | CredentialsFor | undefined;
  /** --credentials: captured user names (userNameKey of their bytes) with no line in the file, and how many connections had each. */
  const unmatched = new Map<string, { bytes: Uint8Array; n: number }>();
  /** --credentials: connections whose CONNECT had no user name but a password or Authentication Data. */
  let anonymousWithSecret = 0;
  if (values.credentials !== undefined) {
    const given = ['username', 'password', 'password-file'].filter((o) => values[o as 'username'] !== undefined);
    if (given.length > 0) throw new UsageError(`give either --credentials or --${given[0]}, not both (--credentials has a password per captured user name)`);
    const byUser = credentialsFile(values.credentials);
    credentials = (user, connect) => {
      // No user name to look up: sent as captured, with its password or Authentication Data if it has one.
      if (user === null) { if (carriesCredentials(connect)) anonymousWithSecret++; return null; }
      // Looked up and sent as the captured bytes: a user name that is not UTF-8 must neither
      // match another line (both decoded to U+FFFD) nor go out repaired (EF BF BD).
      const bytes = capturedUserName(connect) ?? Buffer.from(user, 'utf8');
      const key = userNameKey(bytes);
      const password = byUser.get(key);
      if (password === undefined) {
        const u = unmatched.get(key);
        if (u) u.n++; else unmatched.set(key, { bytes: Uint8Array.from(bytes), n: 1 });
        return null;
      }
      return { username: bytes, password };
    };
  } else credentials = credentialsOf(values.username, values.password, values['password-file']);
  checkReadable(file);

  // The capture is read as it is played (a bounded read-ahead): the progress is the file read so far.
  const capture = openCapture(file, { ports });
  const progress = new Progress({ label: `replay ${file} → ${values.to}`, total: capture.stats.fileSize });
  // Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops the replay: nothing more is sent,
  // the sockets close, and the report of what was played is printed. A second Ctrl-C or
  // SIGTERM exits at once; a second SIGHUP (a closing terminal may send two) is ignored.
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stoppedBy && sig === 'SIGHUP') return;
    if (stoppedBy) { removeSignals(); process.kill(process.pid, sig); return; }
    stoppedBy = sig;
    progress.clear();
    process.stderr.write(`mqttscope replay: stopping (${sig}): closing the replayed connections\n`);
    stop.abort();
  };
  const removeSignals = (): void => { for (const s of STOP_SIGNALS) process.off(s, onSignal); };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    return await runReplay();
  } finally {
    // Only now: a signal while the report is written must not cut it.
    removeSignals();
  }

  async function runReplay(): Promise<number> {
    let res;
    try {
      res = await replay(capture, {
        host: to.host, port: to.port, speed, clientIdSuffix: suffix, answerTimeoutMs: timeout, credentials,
        onProgress: (_d, n) => progress.update(capture.stats.fileBytesRead, n),
        signal: stop.signal,
      });
    } finally {
      progress.clear();
    }
    for (const n of capture.notes) {
      // Most capture notes already start with "frame N:"; add it only where missing.
      // Informational notes (a TLS connection not decoded, ...) matter only when they explain why nothing is replayed.
      if (n.severity === 'info' && res.conns.length > 0) continue;
      const where = n.frame > 0 && !/^frame \d+:/.test(n.text) ? `frame ${n.frame}: ` : '';
      process.stderr.write(`mqttscope replay: ${file}: ${where}${n.text}\n`);
    }
    if (capture.readError !== null) process.stderr.write(`mqttscope replay: ${file}: ${capture.readError}\n`);
    for (const { bytes, n } of unmatched.values()) {
      const user = userNameText(bytes);
      process.stderr.write(`mqttscope replay: --credentials ${values.credentials}: no line for user name '${user.text}' (${user.utf8 ? '' : 'not UTF-8; '}${n} connection(s)); its CONNECT was sent with the captured password\n`);
    }
    if (anonymousWithSecret > 0) {
      process.stderr.write(`mqttscope replay: --credentials ${values.credentials}: ${anonymousWithSecret} connection(s) sent no user name but a password or Authentication Data (MQTT 5 allows that); --credentials gives passwords by user name, so their CONNECT was sent with the captured one\n`);
    }
    if (res.unreachable !== undefined) {
      throw new CliError(`cannot connect to ${values.to}: ${socketProblem(res.unreachable)}; nothing was replayed`, { code: 'unreachable', exitCode: 1 });
    }
    // A file that is no capture at all (or cut inside its file header) holds no connections to look
    // for: say so, rather than hint at ports as for a capture without MQTT.
    const unreadable = res.conns.length === 0
      ? capture.notes.find((n) => n.severity === 'error' && (n.code === 'not-a-capture' || n.code === 'truncated-header'))
      : undefined;
    if (unreadable !== undefined) {
      process.stdout.write(`nothing was replayed: ${file} could not be read as a pcap or pcapng capture (${unreadable.text})\n`);
      return 1;
    }
    process.stdout.write(formatReport(res, `${to.host}:${to.port}`, suffix, { onlyDifferent: values['only-different'] === true }));
    // Stopped by a signal: 128 + its number, as a shell reports a command the signal ended
    // (0 would say "same answers", 1 "different"; neither is known).
    if (stoppedBy !== null) return 128 + osConstants.signals[stoppedBy];
    // Nothing replayed is not "the same answers".
    return res.identical && !capture.hadErrors && res.conns.length > 0 ? 0 : 1;
  }
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * --username, --password / --password-file as the credentials of every replayed CONNECT.
 * Error messages never repeat the password.
 */
function credentialsOf(username: string | undefined, password: string | undefined, passwordFile: string | undefined): Credentials | undefined {
  if (password !== undefined && passwordFile !== undefined) throw new UsageError('give either --password or --password-file, not both');
  if (username === undefined) {
    // MQTT 3.1/3.1.1 allow a password only with a user name [MQTT-3.1.2-22].
    if (password !== undefined || passwordFile !== undefined) throw new UsageError(`--${password !== undefined ? 'password' : 'password-file'} needs --username (a CONNECT may only carry a password with a user name)`);
    return undefined;
  }
  if (username === '') throw new UsageError('--username: the user name is empty (brokers such as mosquitto take an empty one as anonymous); leave --username off to send the captured one');
  // Both are sent with a two-byte length [MQTT 3.1.1 §1.5.3, §3.1.3.5]: longer, no CONNECT
  // could carry them, and every one would be reported as not parsable instead.
  const userBytes = Buffer.byteLength(username, 'utf8');
  if (userBytes > MAX_FIELD) throw new UsageError(`--username: the user name is ${userBytes} bytes; an MQTT CONNECT carries at most ${MAX_FIELD}`);
  if (passwordFile === undefined) {
    const pw = password === undefined ? null : Buffer.from(password, 'utf8');
    if (pw && pw.length > MAX_FIELD) throw new UsageError(`--password: the password is ${pw.length} bytes; an MQTT CONNECT carries at most ${MAX_FIELD}`);
    return { username, password: pw };
  }
  let text: Buffer;
  try {
    if (!statSync(passwordFile).isFile()) throw new CliError(`--password-file ${passwordFile}: not a regular file`);
    text = readFileSync(passwordFile);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`--password-file ${passwordFile}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new CliError(`--password-file ${passwordFile}: permission denied`);
    throw new CliError(`--password-file ${passwordFile}: cannot be read (${code ?? String(e)})`);
  }
  // The first line, without its line end (\n or \r\n), as bytes: a password need not be UTF-8.
  let end = text.indexOf(0x0a);
  if (end < 0) end = text.length;
  if (end > 0 && text[end - 1] === 0x0d) end--;
  if (end === 0) throw new CliError(`--password-file ${passwordFile}: its first line is empty (the password is the first line of the file)`);
  if (end > MAX_FIELD) throw new CliError(`--password-file ${passwordFile}: its first line (the password) is ${end} bytes; an MQTT CONNECT carries at most ${MAX_FIELD}`);
  return { username, password: Uint8Array.from(text.subarray(0, end)) };
}

/** --credentials F read and checked; error messages name lines, never a password. */
function credentialsFile(path: string): Map<string, Uint8Array> {
  let text: Buffer;
  try {
    if (!statSync(path).isFile()) throw new CliError(`--credentials ${path}: not a regular file`);
    text = readFileSync(path);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`--credentials ${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new CliError(`--credentials ${path}: permission denied`);
    throw new CliError(`--credentials ${path}: cannot be read (${code ?? String(e)})`);
  }
  let byUser: Map<string, Uint8Array>;
  try {
    byUser = parseCredentialsFile(text);
  } catch (e) {
    throw new CliError(`--credentials ${path}: ${(e as Error).message}`);
  }
  if (byUser.size === 0) throw new CliError(`--credentials ${path}: no USER:PASSWORD line in it`);
  return byUser;
}

/** The longest User Name or Password a CONNECT can carry (two-byte length prefix). */
const MAX_FIELD = 0xffff;

/**
 * The capture can be opened and read, or a one-line error naming it (as `read` gives): a
 * directory or an unreadable file made the reader throw a stack trace.
 */
function checkReadable(file: string): void {
  try {
    if (!statSync(file).isFile()) throw new CliError(`${file}: not a regular file`);
    closeSync(openSync(file, 'r'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new CliError(`${file}: permission denied`);
    throw new CliError(`${file}: cannot be opened (${code ?? String(e)})`);
  }
}
