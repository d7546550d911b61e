// The live views' per-packet cost (issue 3): what `proxy`/`up`/`read` spend
// printing each record after decoding it. The same records (QoS 0 publisher →
// subscriber pairs with a small JSON payload, decoded once by Engine + Analyzer)
// go through the line, json and table views into a sink that only counts.
// The peer is cli-table3 drawing the table view's rows (the library the design
// names for tables), in the same run. Needs `npx tsc -p .` first.
// usage: node bench/views.bench.mjs [--write-doc] [--quick]
import Table from 'cli-table3';
import os from 'node:os';
import { Analyzer } from '../dist/analysis/index.js';
import { Engine } from '../dist/engine/engine.js';
import { palette } from '../dist/views/color.js';
import { createView } from '../dist/views/index.js';
import { PACKET_COLUMNS, packetRow } from '../dist/views/table.js';
import { TuiState } from '../dist/views/tui/state.js';
import { connackPacket, connectPacket, publishPacket, subackPacket, subscribePacket } from './packets.mjs';
import { writeDocSection } from './doc.mjs';

const writeDoc = process.argv.includes('--write-doc');
const QUICK = process.argv.includes('--quick');
const REPS = 5;
const PAIRS = QUICK ? 5_000 : 25_000;

const meta = (port) => ({ id: `127.0.0.1:${port}-127.0.0.1:1883`, client: { host: '127.0.0.1', port }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' });
const PUB = meta(40001);
const SUB = meta(40002);

/** Packet records of a pairs workload, as the engine makes them. */
function records() {
  const recs = [];
  const onRecord = (r) => { if (r.kind === 'packet') recs.push(r); };
  const engine = new Engine({ onRecord, observers: [new Analyzer(onRecord, { keepRecords: false, keepFlows: 0 })] });
  let t = 1_700_000_000_000_000;
  engine.open(PUB, t);
  engine.open(SUB, t);
  const feed = (m, dir, bytes) => engine.data(m.id, dir, bytes, (t += 10));
  feed(PUB, 'c2s', connectPacket('sensor-17'));
  feed(PUB, 's2c', connackPacket);
  feed(SUB, 'c2s', connectPacket('dashboard'));
  feed(SUB, 's2c', connackPacket);
  feed(SUB, 'c2s', subscribePacket('plant/+/temperature', 0));
  feed(SUB, 's2c', subackPacket(0));
  for (let i = 0; i < PAIRS; i++) {
    const p = publishPacket('plant/hall-3/temperature', Buffer.from(`{"seq":${i},"t":${(20 + (i % 50) / 10).toFixed(1)},"unit":"C"}`));
    feed(PUB, 'c2s', p);
    feed(SUB, 's2c', p);
  }
  return recs;
}

/** ns per record of `run(recs)`, best of REPS. */
function time(recs, run) {
  let best = Infinity;
  for (let r = 0; r < REPS; r++) {
    const t0 = process.hrtime.bigint();
    run(recs);
    const ns = Number(process.hrtime.bigint() - t0) / recs.length;
    if (ns < best) best = ns;
  }
  return best;
}

function viewRun(format) {
  return (recs) => {
    let bytes = 0;
    const v = createView(format, { out: { write: (s) => { bytes += s.length; } }, color: false, showSecrets: false, batchSize: 50, flushMs: 0 });
    for (const r of recs) v.record(r);
    v.end();
    if (bytes === 0) throw new Error(`${format} view wrote nothing`);
  };
}

/**
 * The TUI's per-packet work: its state takes each record (the packet ring and the
 * side views' model: clients, topics, flows). Drawing is throttled to 10 frames a
 * second whatever the rate, so it is not a per-packet cost.
 */
function tuiRun(recs) {
  const st = new TuiState(100_000, true);
  for (const r of recs) st.addPacket(r);
  if (st.all.size === 0) throw new Error('tui state kept nothing');
}

/** The peer: cli-table3 drawing the table view's rows, 50 to a table. */
function cliTable3Run(recs) {
  const p = palette(false);
  const style = { head: [], border: [] };
  const chars = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
  let bytes = 0;
  for (let i = 0; i < recs.length; i += 50) {
    const t = new Table({ head: [...PACKET_COLUMNS], style, chars });
    for (const rec of recs.slice(i, i + 50)) t.push(packetRow(rec, {}, p));
    bytes += t.toString().length;
  }
  if (bytes === 0) throw new Error('cli-table3 drew nothing');
}

const recs = records();
// The peer is slow: it gets a tenth of the records (its time is per record either way).
const peerNs = time(recs.slice(0, Math.max(500, Math.floor(recs.length / 10))), cliTable3Run);
const rows = [...['line', 'json', 'table'].map((f) => ({ f, ns: time(recs, viewRun(f)) })), { f: 'tui (state per packet)', ns: time(recs, tuiRun) }];
const fmtNs = (ns) => `${(ns / 1000).toFixed(2)} µs`;
console.log(`views benchmark: ${os.cpus().length} cores, node ${process.version}; ${recs.length} packet records, best of ${REPS}`);
console.log(`peer: cli-table3 drawing the table view's rows: ${fmtNs(peerNs)} per packet (${Math.round(1e9 / peerNs).toLocaleString('en-US')} packets/s)`);
for (const { f, ns } of rows) console.log(`${f}${f.startsWith('tui') ? '' : ' view'}: ${fmtNs(ns)} per packet (${Math.round(1e9 / ns).toLocaleString('en-US')} packets/s), ${(peerNs / ns).toFixed(1)}× the peer`);

if (writeDoc) {
  const section = [
    '## Live views (issue 3)',
    '',
    `Measured with \`node bench/views.bench.mjs --write-doc\` (after \`npx tsc -p .\`) on ${new Date().toISOString().slice(0, 10)}:`,
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}), node ${process.version}, best of ${REPS}. ${recs.length.toLocaleString('en-US')} packet records of QoS 0 publisher→subscriber pairs`,
    '(a 30-byte JSON payload), decoded once by Engine + Analyzer, then printed by each view into a sink that only counts (no terminal, no syscalls).',
    'The peer is cli-table3 drawing the same rows as the table view, 50 to a table, in the same run.',
    '',
    '| view | µs per packet | packets/s | vs cli-table3 |',
    '|---|---:|---:|---:|',
    `| cli-table3 (peer), the table view's rows | ${(peerNs / 1000).toFixed(2)} | ${Math.round(1e9 / peerNs).toLocaleString('en-US')} | 1.0× |`,
    ...rows.map(({ f, ns }) => `| ${f} | ${(ns / 1000).toFixed(2)} | ${Math.round(1e9 / ns).toLocaleString('en-US')} | ${(peerNs / ns).toFixed(1)}× |`),
    '',
    'A view runs on the proxy\'s thread after decoding, so its cost per packet adds to the Engine\'s and the Analyzer\'s (about 0.1–0.5 µs, see above).',
    'The table view used to draw its packet tables with cli-table3, which spends close to 300 µs per row: every cell merges some twenty options and',
    'measures its text with a freshly compiled ANSI regex. A live `--format table` then topped out near 3,400 packets/s. Packet rows are single-line',
    'cells, so `src/views/grid.ts` draws them itself, byte for byte as cli-table3 would (a property test compares the two); finding tables, which',
    'wrap text, still use cli-table3. The line view, decoding included, went from 4.6 to about 2.6 µs per packet when printable-ASCII payload previews stopped going',
    'through the UTF-8 decoder and a split into characters, and the clock reused its `HH:MM:SS` within a second.',
    'The tui row is what the TUI does for every packet: its state keeps the record in the packet ring and updates the side views\' model',
    '(clients, topics, flows). Drawing is throttled to at most 10 frames a second whatever the packet rate, so it is not a per-packet cost.',
    '',
  ].join('\n');
  writeDocSection(section);
  console.log('updated docs/benchmarks.md');
}
