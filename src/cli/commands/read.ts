// `mqttscope read FILE... [--format ...] [--filter EXPR] [--port N]... [--summary]`
// capture file → CaptureSession → Engine (+ Analyzer) → filter → view, with stdout
// written in large chunks and progress on stderr when it is a TTY.
import { statSync } from 'node:fs';
import { loadAclFile, type AclFile } from '../../acl/index.js';
import { Analyzer, DEFAULT_DELIVERY_WINDOW_US } from '../../analysis/index.js';
import { captureFileChunks, createCaptureReader } from '../../capture/read-capture.js';
import type { CaptureNote } from '../../capture/notes.js';
import { Engine, type EngineObserver } from '../../engine/engine.js';
import { FilterSyntaxError, maskFilterSecrets, RecordFilter } from '../../filter/index.js';
import type { OutputRecord } from '../../model/packet.js';
import type { ProtocolVersion } from '../../model/types.js';
import { shouldColor } from '../../views/color.js';
import { createView, type View } from '../../views/index.js';
import { type CaptureNoteCount, FilteredFlowCounter, renderSummary, SummaryCounter, type SummarySnapshot } from '../../views/summary.js';
import type { AnalysisSnapshot } from '../../analysis/index.js';
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { Progress } from '../progress.js';
import { HeapGuard } from '../heap.js';
import { HoldBack, holdBackWarning } from '../../views/hold-back.js';

export const summary = 'read pcap/pcapng captures';

const FORMATS = ['line', 'table', 'json', 'tree', 'hex', 'tui'] as const;
type Format = (typeof FORMATS)[number];

export const usage = `usage: mqttscope read FILE... [--format line|table|json|tree|hex|tui] [--filter EXPR] [--port N]... [--summary]

Reads pcap (µs or ns, also modified pcap) and pcapng captures, gzip-compressed or
not: reassembles TCP, finds MQTT (port 1883, any --port, and by content on any port,
also over WebSocket), decodes every packet and runs the analysis (QoS flows, silent
drops, wills, take-overs). Capture notes (TLS not decoded, …) go to stderr.

Options:
  -f, --format F        line (default), table, json (NDJSON), tree, hex, tui (needs a terminal)
  -Y, --filter EXPR     display filter, e.g. 'publish && topic matches "home/+/temp"'
  -p, --port N          another TCP port that carries MQTT (repeatable)
  --summary             print only the summary: packets per type, per client and per
                        topic, findings, QoS flows (with --format json: one summary record)
  --acl FILE            mosquitto acl_file, to explain undelivered/withheld messages
  --show-secrets        show passwords, MQTT 5 Authentication Data and the undecoded
                        bytes of a CONNECT, CONNACK or AUTH instead of ********
  --fields              with --format json: add the flat field list of every packet
  --protocol-version V  3, 4 or 5: the version assumed on connections whose CONNECT was
                        not captured (default: inferred from the packets, starting from 4)
  --delivery-window S   seconds a publish waits for its deliveries (default 5)
  --no-color            no ANSI colours
  --color               ANSI colours even when stdout is not a terminal
  -h, --help            this help

Exit status: 0 ok, 1 the input had errors (reported on stderr), 2 usage error.

Example:
  mosquitto_pub -t Room1/Light -m "Turn On"   (recorded with: mqttscope up --write seed.pcap)
  mqttscope read seed.pcap --filter 'topic == "Room1/Light"'`;

/** Collects output text and writes it in large chunks; waits for drain when asked. */
class ChunkedOut {
  private parts: string[] = [];
  private size = 0;
  broken = false;
  /**
   * Called before each write to the stream: the progress line on stderr clears itself
   * there when stdout is the same terminal, so no output is glued to its end.
   */
  beforeWrite: (() => void) | null = null;
  constructor(private readonly stream: NodeJS.WritableStream, private readonly limit = 1 << 20) {}

  write(s: string): void {
    if (this.broken) return;
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }

  /** Returns false when the stream asked us to wait. */
  flush(): boolean {
    if (this.size === 0 || this.broken) return true;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.beforeWrite?.();
    return this.stream.write(s);
  }

  async flushAndDrain(): Promise<void> {
    if (!this.flush() && !this.broken) {
      await new Promise<void>((resolve) => {
        const done = (): void => { this.stream.off('drain', done); this.stream.off('close', done); resolve(); };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    }
  }
}

interface Opts {
  format: Format;
  filter: RecordFilter | null;
  ports: number[];
  summary: boolean;
  acl: AclFile | undefined;
  showSecrets: boolean;
  fields: boolean;
  deliveryWindowUs: number | undefined;
  color: boolean;
  /** Version assumed where no CONNECT was captured (the engine still infers from the packets). */
  defaultVersion: ProtocolVersion | undefined;
}

/** Every option `read` accepts (each one is in the usage text; test/cli/help-options.test.ts). */
export const options = {
  format: { type: 'string', short: 'f' },
  filter: { type: 'string', short: 'Y' },
  port: { type: 'string', multiple: true, short: 'p' },
  summary: { type: 'boolean' },
  acl: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  fields: { type: 'boolean' },
  'delivery-window': { type: 'string' },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
  'protocol-version': { type: 'string' },
} as const;

function parse(argv: string[]): { files: string[]; o: Opts; aclPath: string | undefined } {
  const { values, positionals } = parseCommandArgs(argv, options);
  if (positionals.length === 0) throw new UsageError('expected at least one capture FILE');
  const format = (values.format ?? 'line') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${values.format}'`);
  let filter: RecordFilter | null = null;
  if (values.filter !== undefined && values.filter.trim() !== '') {
    try {
      filter = new RecordFilter(values.filter);
    } catch (err) {
      if (err instanceof FilterSyntaxError) throw new UsageError(`--filter: ${err.message}`);
      throw err;
    }
  }
  const ports = (values.port ?? []).map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new UsageError(`--port: expected a TCP port 1-65535, got '${p}'`);
    return n;
  });
  let deliveryWindowUs: number | undefined;
  if (values['delivery-window'] !== undefined) {
    const s = Number(values['delivery-window']);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--delivery-window: expected seconds > 0, got '${values['delivery-window']}'`);
    deliveryWindowUs = Math.round(s * 1_000_000);
  }
  const pv = values['protocol-version'];
  if (pv !== undefined && pv !== '3' && pv !== '4' && pv !== '5') throw new UsageError(`--protocol-version: expected 3, 4 or 5, got '${pv}'`);
  if (values.fields && format !== 'json') {
    throw new UsageError(`--fields needs --format json (it adds the flat 'fields' array to each JSON record); --format ${format} ${format === 'tree' || format === 'hex' || format === 'tui' ? 'already shows every field' : 'has no place for them: use --format tree for every field'}`);
  }
  if (format === 'tui' && positionals.length > 1) throw new UsageError('--format tui reads one FILE at a time');
  // The viewer draws with escape sequences: into a pipe or file they are garbage.
  if (format === 'tui' && !process.stdout.isTTY) throw new UsageError('--format tui needs a terminal on stdout; use --format line, table or json when piping or redirecting');
  const color = values['no-color'] ? false : values.color ? true : shouldColor(process.stdout);
  return {
    files: positionals,
    aclPath: values.acl,
    o: {
      format, filter, ports, summary: values.summary ?? false, acl: undefined,
      showSecrets: values['show-secrets'] ?? false, fields: values.fields ?? false, deliveryWindowUs, color,
      defaultVersion: pv === undefined ? undefined : Number(pv) as ProtocolVersion,
    },
  };
}

/** `mqttscope read: FILE: frame N: text` (note texts may already start with their `frame N:`). */
function noteLine(file: string, n: CaptureNote): string {
  const text = n.text.startsWith('frame ') ? n.text.replace(/^frame \d+: /, '') : n.text;
  return `mqttscope read: ${file}: ${n.frame > 0 ? `frame ${n.frame}: ` : ''}${text}`;
}

/** Capture notes per code over all files, for --summary. */
class NoteTally {
  private readonly byCode = new Map<string, CaptureNoteCount>();

  /** The first note of a code gives the example text and severity. */
  seen(n: CaptureNote): void {
    // notes-suppressed only says that others were cut: the counts here are complete.
    if (n.code === 'notes-suppressed' || this.byCode.has(n.code)) return;
    this.byCode.set(n.code, { code: n.code, severity: n.severity, count: 0, text: n.text });
  }

  /** The full counts of one file (the per-code limit of its notes does not apply to them). */
  add(counts: ReadonlyMap<string, number>): void {
    for (const [code, n] of counts) {
      const c = this.byCode.get(code);
      if (c) c.count += n;
    }
  }

  list(): CaptureNoteCount[] {
    return [...this.byCode.values()].filter((c) => c.count > 0);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { files, o, aclPath } = parse(argv);
  if (aclPath !== undefined) {
    try {
      o.acl = await loadAclFile(aclPath);
      for (const w of o.acl.warnings) process.stderr.write(`warning: ${w}\n`);
    } catch (err) {
      // AclFileError messages start with the file (`FILE:LINE: …`): name it once.
      const msg = (err as Error).message;
      throw new CliError(`--acl ${msg.startsWith(aclPath) ? msg : `${aclPath}: ${msg}`}`);
    }
  }
  if (o.format === 'tui') return runTui(files[0]!, o);

  const out = new ChunkedOut(process.stdout);
  const onPipeError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') out.broken = true; // reader went away (| head): stop quietly
  };
  process.stdout.on('error', onPipeError);
  const counter = new SummaryCounter();
  const notes = new NoteTally();
  // A filtered summary counts the QoS flows whose first packet passes the filter.
  const flowCounter = o.summary && o.filter ? new FilteredFlowCounter() : null;
  // --summary prints only the summary; otherwise the chosen view gets every record.
  const view: View | null = o.summary && o.format !== 'json' ? null : createView(o.format, {
    out, color: o.color, showSecrets: o.showSecrets, fields: o.fields,
  });
  let failed = false;
  const analyzers: Analyzer[] = [];
  const show = (r: OutputRecord): void => {
    const passed = !o.filter || o.filter.test(r);
    if (flowCounter && r.kind === 'packet') flowCounter.packet(r, passed);
    if (!passed) return;
    counter.record(r);
    if (view && !o.summary) view.record(r);
  };
  // A filter on `finding` must see each packet's findings, which analysis raises up to
  // the delivery window later: hold records back that long (bounded) before filtering.
  const holdUs = (o.deliveryWindowUs ?? DEFAULT_DELIVERY_WINDOW_US) + 1_500_000;
  const hold = o.filter?.filter.mentionsFinding
    ? new HoldBack(show, holdUs, { onEarly: (why) => { shownProgress?.clear(); process.stderr.write(`mqttscope read: warning: ${holdBackWarning(why, holdUs)}\n`); } })
    : null;
  for (const file of files) {
    if (out.broken) break;
    // The filtered flow table learns of directions a capture never had, as the analysis does,
    // and settles a connection's flows when it closes.
    const gaps: EngineObserver[] = flowCounter ? [{ gap: (m, d, _t, _f, why) => flowCounter.gap(m, d, why), close: (m) => flowCounter.close(m) }] : [];
    const res = await readOne(file, o, hold ? (r) => hold.push(r) : show, out, (a) => analyzers.push(a), notes, gaps);
    hold?.flush();
    if (res) failed = true;
  }
  const noteList = notes.list();
  const extra = o.summary && noteList.length > 0 ? { capture_notes: Object.fromEntries(noteList.map((n) => [n.code, n.count])) } : {};
  if (view) {
    // json: the summary record only with --summary (NDJSON stays one record per packet otherwise).
    view.end(o.summary || o.format !== 'json' ? counter.toRecord(extra) : undefined);
  } else {
    let snap = mergeSnapshots(analyzers.map((a) => a.snapshot()));
    if (o.filter && snap) {
      // Every section counts only what passes the filter: sessions with a passing record,
      // topics from the passing PUBLISHes (the counter's), flows whose first packet passed.
      snap = {
        ...snap,
        sessions: snap.sessions?.filter((x) => counter.hasConnection(x.conn)),
        topics: undefined,
        flows: { inFlight: [], stats: flowCounter!.stats() },
      };
    }
    out.write(renderSummary(counter.toRecord(extra), {
      color: o.color, findings: counter.findings, snapshot: snap, captureNotes: noteList,
      filter: o.filter ? (o.showSecrets ? o.filter.filter.source : maskFilterSecrets(o.filter.filter.source)) : undefined,
    }).replace(/\n?$/, '\n'));
  }
  await out.flushAndDrain();
  process.stdout.off('error', onPipeError);
  return failed ? 1 : 0;
}

/** One snapshot for the summary over several files (each file has its own analysis). */
function mergeSnapshots(snaps: AnalysisSnapshot[]): SummarySnapshot | undefined {
  if (snaps.length <= 1) return snaps[0];
  type Row = { count: number; complete: number; rejected: number; incomplete: number; unobserved?: number; avgUs?: number | null; maxUs?: number };
  const stats: Record<string, Row> = {};
  for (const s of snaps) {
    for (const [k, v] of Object.entries(s.flows.stats) as [string, Row][]) {
      const t = stats[k] ?? { count: 0, complete: 0, rejected: 0, incomplete: 0, unobserved: 0, avgUs: null, maxUs: 0 };
      const sum = (t.avgUs ?? 0) * t.complete + (v.avgUs ?? 0) * v.complete;
      t.count += v.count; t.complete += v.complete; t.rejected += v.rejected; t.incomplete += v.incomplete;
      t.unobserved = (t.unobserved ?? 0) + (v.unobserved ?? 0);
      t.avgUs = t.complete > 0 ? sum / t.complete : null;
      t.maxUs = Math.max(t.maxUs ?? 0, v.maxUs ?? 0);
      stats[k] = t;
    }
  }
  return {
    sessions: snaps.flatMap((s) => s.sessions),
    topics: snaps.flatMap((s) => s.topics),
    flows: { inFlight: snaps.flatMap((s) => s.flows.inFlight), stats },
    pendingDeliveries: snaps.reduce((n, s) => n + s.pendingDeliveries, 0),
    untrackedDeliveryPublishes: snaps.reduce((n, s) => n + s.untrackedDeliveryPublishes, 0),
  };
}

/** The progress line of the file being read: erased before any other stderr line. */
let shownProgress: Progress | null = null;

/** Read one capture into a fresh engine. Returns true when the file had errors. */
async function readOne(
  file: string, o: Opts, emit: (r: OutputRecord) => void, out: ChunkedOut, keep: (a: Analyzer) => void, tally?: NoteTally,
  observers: EngineObserver[] = [],
): Promise<boolean> {
  let total: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    total = st.size;
  } catch (err) {
    process.stderr.write(`mqttscope read: ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`);
    return true;
  }
  // An acl_file is mosquitto's: whoever passes one says the captured broker was mosquitto,
  // and the texts then name it (as `up --broker mosquitto` does).
  const analyzer = new Analyzer((f) => emit(f), { deliveryWindowUs: o.deliveryWindowUs, acl: o.acl, ...(o.acl ? { brokerKind: 'mosquitto' as const } : {}) });
  keep(analyzer);
  const engine = new Engine({ onRecord: emit, observers: [analyzer, ...observers], ...(o.defaultVersion ? { defaultVersion: o.defaultVersion } : {}) });
  const progress = new Progress({ label: file, total });
  shownProgress = progress;
  // stdout on a terminal too (the line view in a shell): the progress line is drawn after
  // the output and erased before more is written, or the next line would follow it.
  const sharesTerminal = Boolean(process.stdout.isTTY) && progress.enabled;
  if (sharesTerminal) out.beforeWrite = () => progress.clear();
  // Every note goes to stderr, info ones too: they say why traffic was not decoded
  // (TLS, an unknown block, notes cut after the per-code limit). The per-code limit
  // of the capture session keeps a long run of one problem to 100 lines and a count.
  const noteSink = (n: CaptureNote): void => {
    tally?.seen(n);
    progress.clear();
    process.stderr.write(noteLine(file, n) + '\n');
  };
  const reader = createCaptureReader({ engine, ports: o.ports, onNote: noteSink });
  const heap = new HeapGuard();
  let failed = false;
  let chunks;
  try {
    chunks = captureFileChunks(file, 1 << 20);
  } catch (err) {
    process.stderr.write(`mqttscope read: ${file}: ${(err as Error).message}\n`);
    return true;
  }
  let inflated = 0;
  try {
    for await (const b of chunks) {
      inflated += b.length;
      reader.push(b);
      // The heap guard weighs what was decoded, which for a gzip file is more than the file.
      heap.consumed(inflated);
      await out.flushAndDrain();
      if (out.broken) { chunks.destroy(); break; }
      progress.update(chunks.fileBytesRead, engine.packetCount);
    }
  } catch (err) {
    // A read error or a damaged gzip stream: say so, then decode what was read.
    progress.clear();
    process.stderr.write(`mqttscope read: ${file}: ${(err as Error).message}\n`);
    failed = true;
  }
  if (out.broken) {
    // The reader of our output went away (| head): the rest of the file was not read on
    // purpose, so ending the reader would call it cut short. Stop quietly.
    progress.clear();
    return failed;
  }
  const res = reader.end();
  tally?.add(reader.session.noteCounts);
  progress.clear();
  return res.hadErrors || failed;
}

async function runTui(file: string, o: Opts): Promise<number> {
  const { createTuiView } = await import('../../views/tui/index.js');
  let analyzer: Analyzer | null = null;
  const tui = createTuiView({
    title: file, live: false, showSecrets: o.showSecrets, filter: o.filter?.filter.source,
    snapshot: () => analyzer!.snapshot(),
  });
  const errors: string[] = [];
  const out = new ChunkedOut(process.stdout);
  const failed = await readOne(file, o, (r) => tui.record(r), out, (a) => { analyzer = a; });
  void errors;
  await tui.end();
  return failed ? 1 : 0;
}
