// Runs the real TUI in a terminal for the tmux tests:
//   node harness.mjs DIST --pcap FILE [--width-test]
//   node harness.mjs DIST --live N      (N packets fed over time, live mode)
// DIST is a compiled copy of src/ (see build.ts). Exits when the user quits.
// SHOW_SECRETS=1 in the environment runs it as with --show-secrets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, mode, arg] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(dist, p)).href);

const { Engine } = await load('engine/engine.js');
const { Analyzer } = await load('analysis/index.js');
const { createTuiView } = await load('views/tui/index.js');

let view;
const pending = [];
const emit = (r) => (view ? view.record(r) : pending.push(r));
const analyzer = new Analyzer((f) => emit(f));
const engine = new Engine({ onRecord: emit, observers: [analyzer] });

if (mode === '--pcap') {
  const { readCaptureBuffer } = await load('capture/read-capture.js');
  view = createTuiView({ title: arg, live: false, showSecrets: process.env.SHOW_SECRETS === '1', snapshot: () => analyzer.snapshot(), onQuit: () => process.exit(0) });
  readCaptureBuffer(readFileSync(arg), { engine });
  for (const r of pending) view.record(r);
  await view.end();
  process.exit(0);
} else if (mode === '--live') {
  const n = Number(arg ?? 50);
  view = createTuiView({ title: 'live demo', live: true, ringSize: Number(process.env.RING ?? 100000), snapshot: () => analyzer.snapshot(), onQuit: () => process.exit(0) });
  const conn = { id: '127.0.0.1:40000-127.0.0.1:1883', client: { host: '127.0.0.1', port: 40000 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' };
  let t = Date.now() * 1000;
  engine.open(conn, t);
  engine.data(conn.id, 'c2s', Buffer.from('101000044d5154540402003c000470756231', 'hex'), t);
  engine.data(conn.id, 's2c', Buffer.from('20020000', 'hex'), t);
  let i = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < 5 && i < n; k++, i++) {
      t += 1000;
      const topic = Buffer.from(`live/${i}`);
      const body = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from(`m${i}`)]);
      engine.data(conn.id, 'c2s', Buffer.concat([Buffer.from([0x30, body.length]), body]), t);
    }
    if (i >= n) clearInterval(timer);
  }, 20);
}
