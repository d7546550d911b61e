// Shared wiring of a live session (proxy, up, and later the TUI and labs):
// Engine observers + Analyzer + filter + view + optional pcap file, a 1 s
// clock tick (the core never touches timers), and a clean SIGINT/SIGTERM/SIGHUP
// shutdown: stop listening, close connections, engine.end(), flush the pcap
// file, end the view, exit 0.
import { HeapGuard } from './heap.js';
import { Analyzer, DEFAULT_DELIVERY_WINDOW_US } from '../analysis/index.js';
import { AclFileError, loadAclFile, loadPasswordFile, type AclFile } from '../acl/index.js';
import { PasswordChecker } from '../acl/password-file.js';
import { FilterSyntaxError, RecordFilter } from '../filter/index.js';
import type { OutputRecord, SummaryRecord } from '../model/packet.js';
import { nowUs } from '../proxy/clock.js';
import { startWarmUp } from '../proxy/warm-up.js';
import type { WarmUpOptions } from '../analysis/warm-up.js';
import { describeFsError, PcapTap } from '../proxy/pcap-tap.js';
import { DEFAULT_MAX_PACKET_SIZE, type ConnectionTap, type ProxyHandle, type ProxyOptions } from '../proxy/types.js';
import { createView } from '../views/index.js';
import { SummaryCounter } from '../views/summary.js';
import { HoldBack, holdBackWarning } from '../views/hold-back.js';
import type { OptionSpec } from './args.js';
import { CliError, UsageError } from './errors.js';

export type LiveFormat = 'line' | 'table' | 'json' | 'tui';
const FORMATS: readonly LiveFormat[] = ['line', 'table', 'json', 'tui'];

/** Options every live command accepts (merge into the command's parseArgs spec). */
export const LIVE_OPTIONS = {
  format: { type: 'string' },
  filter: { type: 'string' },
  write: { type: 'string', short: 'w' },
  'show-secrets': { type: 'boolean' },
  acl: { type: 'string' },
  passwd: { type: 'string' },
  'delivery-window': { type: 'string' },
  'max-packet-size': { type: 'string' },
  'no-color': { type: 'boolean' },
} as const satisfies OptionSpec;

/** Help text for LIVE_OPTIONS, shared by the commands' usage. */
export const LIVE_USAGE = [
  '  --format line|table|json|tui  output (default: tui on a terminal, else line)',
  '  --filter EXPR              display filter, e.g. \'publish && topic matches "Room1/#"\'',
  '  -w, --write FILE.pcap      also record the traffic as pcap (flushed every second)',
  '  --show-secrets             show passwords instead of ********',
  '  --acl FILE                 mosquitto acl_file, to explain silent drops',
  '  --passwd FILE              mosquitto password_file, to explain refused CONNECTs',
  '  --delivery-window SECONDS  how long a publish waits for its deliveries (default 5)',
  '  --max-packet-size BYTES    largest packet decoded, e.g. 16M (larger ones are forwarded, not decoded)',
  '  --no-color                 no ANSI colours in the line/table views',
];

export interface LiveConfig {
  format: LiveFormat;
  /** The format was picked by default (no --format). */
  formatDefaulted: boolean;
  filter: string | null;
  write: string | null;
  showSecrets: boolean;
  aclPath: string | null;
  passwdPath: string | null;
  deliveryWindowUs: number | undefined;
  maxPacketSize: number;
  color: boolean;
}

type LiveValues = { [K in keyof typeof LIVE_OPTIONS]?: (typeof LIVE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** `1048576`, `64k`, `16M`, `1G` → bytes. */
export function parseSize(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]?|[bB])?$/.exec(s.trim());
  if (!m) throw new UsageError(`${what}: expected a size such as 65536, 64k or 16M, got '${s}'`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mul = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Math.floor(Number(m[1]) * mul);
  if (!(n >= 2)) throw new UsageError(`${what}: must be at least 2 bytes, got '${s}'`);
  return n;
}

export function liveConfig(v: LiveValues, isTTY = Boolean(process.stdout.isTTY)): LiveConfig {
  let format: LiveFormat;
  const formatDefaulted = v.format === undefined;
  if (v.format === undefined) format = isTTY ? 'tui' : 'line';
  else if ((FORMATS as readonly string[]).includes(v.format)) format = v.format as LiveFormat;
  else throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${v.format}'`);
  let deliveryWindowUs: number | undefined;
  if (v['delivery-window'] !== undefined) {
    const s = Number(v['delivery-window']);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--delivery-window: expected a number of seconds > 0, got '${v['delivery-window']}'`);
    deliveryWindowUs = Math.round(s * 1e6);
  }
  return {
    format,
    formatDefaulted,
    filter: v.filter ?? null,
    write: v.write ?? null,
    showSecrets: v['show-secrets'] ?? false,
    aclPath: v.acl ?? null,
    passwdPath: v.passwd ?? null,
    deliveryWindowUs,
    maxPacketSize: v['max-packet-size'] !== undefined ? parseSize(v['max-packet-size'], '--max-packet-size') : DEFAULT_MAX_PACKET_SIZE,
    color: !v['no-color'] && Boolean(process.stdout.isTTY) && process.env['NO_COLOR'] === undefined,
  };
}

/** What a command needs to start its proxy inside a live session. */
export interface LiveWiring {
  onRecord: ProxyOptions['onRecord'];
  engineOpts: NonNullable<ProxyOptions['engineOpts']>;
  taps: ConnectionTap[];
  frameSource?: () => number;
  maxPacketSize: number;
  now: () => number;
  log: (line: string) => void;
}

export interface LiveHooks {
  /** Start the proxy (and whatever is behind it) with the session's wiring. */
  start(w: LiveWiring): Promise<ProxyHandle>;
  /** Lines for stderr once started (where to connect, an example). */
  banner?(proxy: ProxyHandle): string[];
  /**
   * Called once the view is up and the banner shown, with the session's diagnostics line
   * (the TUI's message line, else stderr); lines given after the session began stopping are dropped.
   */
  started?(log: (line: string) => void): void;
  /** Stop what start() started besides the proxy (the bundled broker). */
  stop?(): Promise<void>;
  /** Wording of findings. */
  brokerKind?: 'mosquitto' | 'aedes' | 'unknown';
  title?: string;
  /** Ends the session like SIGINT does (tests, labs). */
  signal?: AbortSignal;
  /** Where the line/table/json views write. Default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Bytes `out` may fall behind by before records are dropped (default VIEW_OUTPUT_LIMIT). */
  outLimit?: number;
  /** Diagnostics. Default process.stderr. */
  err?: NodeJS.WritableStream;
}

interface LiveView {
  record(r: OutputRecord): void;
  end(summary?: SummaryRecord): void | Promise<void>;
  destroy?(): void;
  done?: Promise<void>;
  warn?(text: string): void;
}

async function loadAcl(path: string): Promise<AclFile> {
  try {
    const acl = await loadAclFile(path);
    // Lines mosquitto reads differently from what they seem to say (a tab inside a topic).
    for (const w of acl.warnings) process.stderr.write(`warning: ${w}\n`);
    return acl;
  } catch (err) {
    if (err instanceof AclFileError) throw new CliError(err.message, { code: 'acl-file' });
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, { code: 'acl-file' });
  }
}

/** The password_file, as a checker that connect-refused findings consult (never blocking on a $7$ hash). */
async function loadPasswd(path: string): Promise<PasswordChecker> {
  try {
    return new PasswordChecker(await loadPasswordFile(path));
  } catch (err) {
    if (err instanceof AclFileError) throw new CliError(err.message, { code: 'passwd-file' });
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, { code: 'passwd-file' });
  }
}

/**
 * The views' output, bounded: when whoever reads it (a pipe into a slow program, a
 * terminal scrolled back) falls behind by more than `limit` bytes, writes are dropped
 * until it catches up, with a line on stderr each way. Forwarding never waits for the
 * view, and without this Node would queue every unwritten line in memory.
 */
export class BoundedOut {
  /** Writes dropped since the output fell behind (0 while it keeps up). */
  private dropping = 0;
  /** Writes dropped in all. */
  dropped = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
    private readonly limit = VIEW_OUTPUT_LIMIT,
  ) {}

  write(s: string): void {
    const behind = (this.out as { writableLength?: number }).writableLength ?? 0;
    if (behind > this.limit) {
      if (this.dropping === 0) this.err.write(`mqttscope: the output is not read fast enough (${Math.round(behind / 1048576)} MiB waiting): records are not shown until it catches up; forwarding goes on\n`);
      this.dropping++;
      this.dropped++;
      return;
    }
    if (this.dropping > 0) {
      this.err.write(`mqttscope: the output caught up; ${this.dropping} record(s) were not shown\n`);
      this.dropping = 0;
    }
    this.out.write(s);
  }
}

/** Bytes the views' output may fall behind by before records are dropped (BoundedOut). */
export const VIEW_OUTPUT_LIMIT = 16 * 1024 * 1024;

async function makeView(cfg: LiveConfig, hooks: LiveHooks, analyzer: Analyzer, quit: () => void, intro: string[]): Promise<LiveView> {
  const err = hooks.err ?? process.stderr;
  const out = new BoundedOut(hooks.out ?? process.stdout, err, hooks.outLimit);
  if (cfg.format === 'tui') {
    try {
      const tui = await import('../views/tui/index.js');
      return tui.createTuiView({
        live: true,
        title: hooks.title ?? 'mqttscope',
        snapshot: () => analyzer.snapshot(),
        onQuit: quit,
        showSecrets: cfg.showSecrets,
        intro,
        ...(cfg.filter ? { filter: cfg.filter } : {}),
      });
    } catch (e) {
      err.write(`mqttscope: the TUI is not available (${(e as Error).message}); using the line view\n`);
      return createView('line', { out, color: cfg.color, showSecrets: cfg.showSecrets });
    }
  }
  return createView(cfg.format, { out, color: cfg.color, showSecrets: cfg.showSecrets });
}

/**
 * Run a live session until SIGINT/SIGTERM/SIGHUP (or hooks.signal). Resolves with the
 * exit code: 0 after a clean shutdown.
 */
export async function runLive(cfg: LiveConfig, hooks: LiveHooks): Promise<number> {
  const errOut = hooks.err ?? process.stderr;
  // Compiled for every format, the TUI's too: a bad expression is a usage error
  // before anything starts (the TUI then applies the same expression itself).
  let filter: RecordFilter | null = null;
  if (cfg.filter) {
    try {
      filter = new RecordFilter(cfg.filter);
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new UsageError(`--filter: ${e.message}`);
      throw e;
    }
  }
  const acl = cfg.aclPath ? await loadAcl(cfg.aclPath) : undefined;
  const credentials = cfg.passwdPath ? await loadPasswd(cfg.passwdPath) : undefined;

  // The summary counts what the filter shows, as `read` does.
  const counter = new SummaryCounter();
  let view: LiveView | null = null;
  let viewFailed = false;
  // Set once the view exists: the TUI filters by itself (and its filter can be changed).
  let viewFilters = false;
  const show = (r: OutputRecord): void => {
    const passed = !filter || filter.test(r);
    if (passed) counter.record(r);
    if (viewFailed || view === null) return;
    if (!passed && !viewFilters) return;
    try {
      view.record(r);
    } catch (e) {
      viewFailed = true;
      errOut.write(`mqttscope: the view failed and was stopped: ${(e as Error).message}\n`);
    }
  };
  // A filter on `finding` must see each packet's findings, which analysis raises up to
  // the delivery window later: hold records back that long before filtering, as read
  // does (the TUI keeps its records and marks them when a finding comes).
  const holdUs = (cfg.deliveryWindowUs ?? DEFAULT_DELIVERY_WINDOW_US) + 1_500_000;
  const hold = filter?.filter.mentionsFinding && cfg.format !== 'tui'
    ? new HoldBack(show, holdUs, { onEarly: (why) => log(holdBackWarning(why, holdUs)) })
    : null;
  const sink = hold ? (r: OutputRecord): void => hold.push(r) : show;

  // What the warm-up's private Analyzer shares with the real one (no password checks).
  const warmOpts: WarmUpOptions = {
    ...(acl ? { acl } : {}),
    // An acl_file or password_file is mosquitto's: with either, an upstream of unknown kind is taken
    // for mosquitto, and the texts name it.
    brokerKind: hooks.brokerKind ?? (acl || credentials ? 'mosquitto' : 'unknown'),
    // Only the TUI looks at a record again after showing it (its findings marker)
    // and lists finished flows; the line, table and json views print each packet
    // and finding as it comes.
    // A filter on `finding` needs them too: a finding marks its packets before they are let out.
    keepRecords: cfg.format === 'tui' || hold !== null,
    ...(cfg.format === 'tui' ? {} : { keepFlows: 0 }),
  };
  const analyzer = new Analyzer(sink, {
    ...(cfg.deliveryWindowUs !== undefined ? { deliveryWindowUs: cfg.deliveryWindowUs } : {}),
    ...(credentials ? { credentials } : {}),
    ...warmOpts,
  });

  // The TUI owns the terminal: show diagnostics on its message line, and keep
  // them for stderr until it is gone.
  const held: string[] = [];
  const log = (line: string): void => {
    if (cfg.format === 'tui' && view?.destroy) {
      held.push(line);
      if (held.length > 200) held.shift();
      try { view.warn?.(line); } catch { /* the screen is gone */ }
    } else {
      errOut.write(`mqttscope: ${line}\n`);
    }
  };

  let pcap: PcapTap | null = null;
  if (cfg.write) {
    try {
      // Staged beside the path until the proxy listens: a failed start leaves no header-only file and truncates nothing.
      pcap = new PcapTap(cfg.write, { onError: log, staged: true });
    } catch (e) {
      throw new CliError(`--write: cannot write ${cfg.write}: ${describeFsError(e as NodeJS.ErrnoException)}`, { code: 'write-failed' });
    }
  }

  let resolveStop!: () => void;
  const stopped = new Promise<void>((r) => { resolveStop = r; });
  const onSignal = (): void => resolveStop();

  const now = nowUs;
  let proxy: ProxyHandle;
  try {
    proxy = await hooks.start({
      onRecord: sink,
      engineOpts: { observers: [analyzer] },
      taps: pcap ? [pcap] : [],
      frameSource: pcap ? () => pcap.frames : undefined,
      maxPacketSize: cfg.maxPacketSize,
      now,
      log,
    });
  } catch (e) {
    pcap?.discard();
    await hooks.stop?.().catch(() => undefined);
    throw e;
  }
  if (pcap) {
    try {
      pcap.place();
    } catch (e) {
      pcap.discard();
      await proxy.close().catch(() => undefined);
      await hooks.stop?.().catch(() => undefined);
      throw new CliError(`--write: cannot write ${cfg.write}: ${describeFsError(e as NodeJS.ErrnoException)}`, { code: 'write-failed' });
    }
  }

  const banner = hooks.banner?.(proxy) ?? [];
  view = await makeView(cfg, hooks, analyzer, onSignal, banner.filter((l) => l !== 'Ctrl-C to stop'));
  viewFilters = cfg.format === 'tui' && view.destroy !== undefined; // not the line view it falls back to
  if (cfg.format !== 'tui' || !view.destroy) {
    for (const line of banner) errOut.write(`mqttscope: ${line}\n`);
    if (cfg.format === 'tui') errOut.write('mqttscope: (no terminal UI yet; showing the line view)\n');
  }

  // Once a second: advance the analysis clock, and after every 32 MiB of traffic run a
  // full collection so RSS follows the (small) live set rather than V8's lazy growth.
  const heap = new HeapGuard(32 << 20);
  const timer = setInterval(() => {
    try {
      const t = now();
      proxy.tick(t);
      hold?.release(t);
      heap.consumed(proxy.engine.bytes);
    } catch (e) {
      log(`analysis tick failed: ${(e as Error).message}`);
    }
  }, 1000);
  timer.unref();
  // While no client has connected yet, run synthetic traffic through a private Engine and
  // Analyzer so that the first real traffic runs compiled code (docs/proxy.md, "Warm-up").
  const warm = startWarmUp(warmOpts, { busy: () => proxy.stats().accepted > 0 });

  // SIGHUP: the terminal closed (or the session's leader left): stop as for SIGTERM, flushing
  // --write. The handlers stay until the cleanup is done: a second Ctrl-C or SIGTERM exits at
  // once, a second SIGHUP (a closing terminal may send two) is ignored rather than left to
  // its default action, which would cut the --write flush.
  let signalled = false;
  const onProcessSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      if (sig === 'SIGHUP') return;
      removeSignals();
      process.kill(process.pid, sig);
      return;
    }
    signalled = true;
    onSignal();
  };
  const removeSignals = (): void => { for (const s of STOP_SIGNALS) process.off(s, onProcessSignal); };
  for (const s of STOP_SIGNALS) process.on(s, onProcessSignal);
  hooks.signal?.addEventListener('abort', onSignal, { once: true });
  const out = hooks.out ?? process.stdout;
  let outGone = false;
  const onOutError = (e: NodeJS.ErrnoException): void => {
    // The reader of the output went away (`| head`): stop, and say why, or the session
    // just ends and clients are refused with no hint.
    if (e.code !== 'EPIPE' || outGone) return;
    outGone = true;
    viewFailed = true;
    errOut.write(`mqttscope: stopping: the output pipe closed (the program reading stdout exited), so the proxy stops accepting clients${pcap ? ` and finishes ${cfg.write}` : ''}\n`);
    resolveStop();
  };
  out.on('error', onOutError);
  if (view.done) void view.done.then(onSignal);

  let ending = false;
  hooks.started?.((line) => { if (!ending) log(line); });

  await stopped;
  ending = true;
  warm.cancel();

  clearInterval(timer);
  await proxy.close();
  const t = now();
  try {
    proxy.engine.end(t);
  } catch (e) {
    log(`analysis failed at the end: ${(e as Error).message}`);
  }
  hold?.flush();
  pcap?.finish(t); // never throws: a failure is logged and stops only the recording
  const summary: SummaryRecord = counter.toRecord({
    proxy: proxy.stats(),
    ...(pcap ? { pcap: cfg.write } : {}),
    ...(pcap?.failed ? { pcap_error: describeFsError(pcap.failed) } : {}),
  });
  if (view.destroy) view.destroy();
  else if (!viewFailed) await view.end(summary);
  for (const line of held) errOut.write(`mqttscope: ${line}\n`);
  await hooks.stop?.().catch((e: Error) => { errOut.write(`mqttscope: stopping the broker failed: ${e.message}\n`); });
  // Once broken, late write errors may still come: the listener stays to swallow them.
  if (!outGone) out.off('error', onOutError);
  // Only now: a signal during the cleanup above must not cut it.
  removeSignals();
  return 0;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
