// Dissector benchmark (issue 2): 1,000,000 mixed packets (PUBLISH QoS 0 and 1
// with 64-byte payloads, PUBACK, PINGREQ) concatenated into ~64 KiB chunks.
// Measures in one run: mqtt-packet's parser, Framer + summarize, and
// Framer + summarize + dissect (full tree). Needs `npx tsc -p .` first.
// usage: node bench/dissect.bench.mjs [PACKETS] [--write-doc]
import { createRequire } from 'node:module';
import os from 'node:os';
import { writeDocSection } from './doc.mjs';
import { Framer } from '../dist/stream/framer.js';
import { summarize, dissect } from '../dist/dissect/index.js';

const require = createRequire(import.meta.url);
const mqtt = require('mqtt-packet');

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const writeDoc = process.argv.includes('--write-doc');
const CHUNK = 64 * 1024;

function buildChunks() {
  const payload = Buffer.alloc(64, 0x61);
  const kinds = [
    mqtt.generate({ cmd: 'publish', topic: 'sensors/room1/temperature', payload, qos: 0, retain: false, dup: false }),
    mqtt.generate({ cmd: 'publish', topic: 'home/kitchen/light/state', payload, qos: 1, messageId: 42, retain: false, dup: false }),
    mqtt.generate({ cmd: 'puback', messageId: 42 }),
    mqtt.generate({ cmd: 'pingreq' }),
  ];
  const chunks = [];
  let cur = [];
  let curLen = 0;
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const p = kinds[i % kinds.length];
    cur.push(p);
    curLen += p.length;
    if (curLen >= CHUNK) { chunks.push(Buffer.concat(cur)); bytes += curLen; cur = []; curLen = 0; }
  }
  if (curLen) { chunks.push(Buffer.concat(cur)); bytes += curLen; }
  return { chunks, bytes };
}

function benchMqttPacket(chunks) {
  let count = 0;
  const parser = mqtt.parser({ protocolVersion: 4 });
  parser.on('packet', () => { count++; });
  parser.on('error', (e) => { throw e; });
  const t = process.hrtime.bigint();
  for (const c of chunks) parser.parse(c);
  return { count, ns: Number(process.hrtime.bigint() - t) };
}

function benchSummarize(chunks) {
  let count = 0;
  let sink = 0;
  const ctx = { version: 4 };
  const framer = new Framer({
    packet(bytes) { const s = summarize(bytes, ctx); sink += s.remainingLength; count++; },
    note() {},
  });
  const t = process.hrtime.bigint();
  for (const c of chunks) framer.push(c);
  const ns = Number(process.hrtime.bigint() - t);
  if (sink < 0) console.log(sink);
  return { count, ns };
}

function benchTree(chunks) {
  let count = 0;
  let sink = 0;
  const ctx = { version: 4 };
  const framer = new Framer({
    packet(bytes) {
      const s = summarize(bytes, ctx);
      const r = dissect(bytes, ctx);
      sink += s.remainingLength + r.fields.length;
      count++;
    },
    note() {},
  });
  const t = process.hrtime.bigint();
  for (const c of chunks) framer.push(c);
  const ns = Number(process.hrtime.bigint() - t);
  if (sink < 0) console.log(sink);
  return { count, ns };
}

const { chunks, bytes } = buildChunks();
console.log(`${N} packets, ${(bytes / 1e6).toFixed(1)} MB in ${chunks.length} chunks of ~64 KiB; node ${process.version}, ${os.cpus().length} cores`);

// Warm up each path on a slice, then take the best of 5 runs.
const warm = chunks.slice(0, Math.min(20, chunks.length));
benchMqttPacket(warm); benchSummarize(warm); benchTree(warm);
const best = (f) => {
  let r = null;
  for (let i = 0; i < 5; i++) { const x = f(chunks); if (!r || x.ns < r.ns) r = x; }
  return r;
};
const base = best(benchMqttPacket);
const sum = best(benchSummarize);
const tree = best(benchTree);
const pps = (r) => r.count / (r.ns / 1e9);
const fmt = (x) => Math.round(x).toLocaleString('en-US');
const rows = [
  ['mqtt-packet parser', base],
  ['Framer + summarize', sum],
  ['Framer + summarize + dissect (tree)', tree],
];
for (const [name, r] of rows) {
  console.log(`${name.padEnd(38)} ${fmt(pps(r)).padStart(12)} packets/s  (${r.count} packets, ${(r.ns / 1e6).toFixed(0)} ms)  ×${(pps(r) / pps(base)).toFixed(2)} vs mqtt-packet`);
}

if (writeDoc) {
  const section = [
    '## Dissector (issue 2)',
    '',
    `Measured with \`node bench/dissect.bench.mjs --write-doc\` (after \`npx tsc -p .\`) on ${new Date().toISOString().slice(0, 10)}:`,
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}.`,
    `Input: ${fmt(N)} packets (PUBLISH QoS 0 and QoS 1 with 64-byte payloads, PUBACK, PINGREQ in rotation), ${(bytes / 1e6).toFixed(1)} MB in ~64 KiB chunks. Best of 5 runs each.`,
    '',
    '| path | packets/s | vs mqtt-packet | target |',
    '|---|---:|---:|---:|',
    `| mqtt-packet \`parser()\` | ${fmt(pps(base))} | 1.00× | – |`,
    `| Framer + summarize | ${fmt(pps(sum))} | ${(pps(sum) / pps(base)).toFixed(2)}× | ≥ 5× |`,
    `| Framer + summarize + dissect (full tree) | ${fmt(pps(tree))} | ${(pps(tree) / pps(base)).toFixed(2)}× | ≥ 1× |`,
    '',
    'All three paths get the same Buffer chunks; "summarize + dissect" runs both per packet (the tree path of a view that also needs the summary).',
    'The machine is a shared 2-core VM: with other jobs running, single runs varied from about 4× to 11× (summarize) and 0.8× to 1.9× (tree), and mqtt-packet itself from 350k to 780k packets/s;',
    'the ratios above come from one best-of-5 run under that load (unloaded runs gave about 6.6× and 1.1–1.5×). A CPU profile of Framer + summarize puts roughly half of its time in the Framer',
    '(one `Buffer.subarray` per packet, i.e. a FastBuffer construction) and about a third in summarize (mostly the topic string).',
    '',
  ].join('\n');
  writeDocSection(section);
  console.log('updated docs/benchmarks.md');
}
