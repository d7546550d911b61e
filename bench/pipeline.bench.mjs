// The live pipeline's hot path in one process (issues 3 and 5): what the proxy
// runs per forwarded chunk, without sockets. Engine (framing, summary, records)
// and Engine + Analyzer (sessions, flows, topics, delivery correlation), against
// mqtt-packet's parser on the same bytes, in one run. Needs `npx tsc -p .` first.
// usage: node bench/pipeline.bench.mjs [--write-doc] [--quick]
import { createRequire } from 'node:module';
import os from 'node:os';
import { Engine } from '../dist/engine/engine.js';
import { Analyzer } from '../dist/analysis/index.js';
import { connackPacket as CONNACK, connectPacket as connect, publishPacket as publish, pubackPacket as puback, subackPacket as suback, subscribePacket as subscribe } from './packets.mjs';
import { writeDocSection } from './doc.mjs';

const require = createRequire(import.meta.url);
const mqtt = require('mqtt-packet');
const writeDoc = process.argv.includes('--write-doc');
const QUICK = process.argv.includes('--quick');
const REPS = 5;


const meta = (port) => ({ id: `127.0.0.1:${port}-127.0.0.1:1883`, client: { host: '127.0.0.1', port }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' });
const PUB = meta(40001);
const SUB = meta(40002);

/**
 * A workload: a list of steps [conn, dir, bytes, packets], fed in order, with the
 * clock moving 10 µs per step. The setup (CONNECT, SUBSCRIBE) is part of it.
 */
function capacity() {
  const p = publish('bench/capacity', Buffer.alloc(70, 0x61));
  if (p.length !== 88) throw new Error('PUBLISH is not 88 bytes');
  const batch = Buffer.concat(Array.from({ length: 100 }, () => p));
  const steps = [[PUB, 'c2s', connect('capacity'), 1], [PUB, 's2c', CONNACK, 1]];
  for (let i = 0; i < (QUICK ? 2000 : 10_000); i++) steps.push([PUB, 'c2s', batch, 100]);
  return { name: '1,000,000 QoS 0 PUBLISH of 88 bytes, 100 per chunk, no subscriber', steps };
}

function pairs(qos, drop = false, size = 64) {
  const topic = 'bench/pairs';
  // Telemetry-like text rather than one repeated byte (a comparison must still read it all).
  const payload = Buffer.from('{"seq":0,"v":[' + '1.25,'.repeat(size) + '0]}').subarray(0, size);
  const steps = [
    [PUB, 'c2s', connect('pub'), 1], [PUB, 's2c', CONNACK, 1],
    [SUB, 'c2s', connect('sub'), 1], [SUB, 's2c', CONNACK, 1],
    [SUB, 'c2s', subscribe(topic, qos), 1], [SUB, 's2c', suback(qos), 1],
  ];
  const n = QUICK ? 20_000 : (qos ? 100_000 : 200_000);
  for (let i = 0; i < n; i++) {
    const id = (i % 65535) + 1;
    steps.push([PUB, 'c2s', publish(topic, payload, qos, id), 1]);
    if (qos) steps.push([PUB, 's2c', puback(id), 1]);
    // drop: the broker loses every other delivery of the first half (identical payloads).
    if (drop && i < n / 2 && i % 2 === 1) continue;
    steps.push([SUB, 's2c', publish(topic, payload, qos, id), 1]);
    if (qos) steps.push([SUB, 'c2s', puback(id), 1]);
  }
  const what = drop ? 'QoS 0 pairs, identical payloads, every other delivery of the first half dropped' : `QoS ${qos} publisher→subscriber pairs${qos ? ' with PUBACKs both ways' : ''}`;
  return { name: `${what}, ${size}-byte payloads`, steps, n };
}

/**
 * QoS 0 pairs where each delivery comes `lag` messages after its publish, as
 * through a broker with a backlog (the proxy benchmark's publisher outruns aedes
 * by about 60,000 messages). Every publish is held until its delivery arrives.
 */
function lagging(lag) {
  const topic = 'bench/lag';
  const payload = Buffer.alloc(64, 0x61);
  const steps = [
    [PUB, 'c2s', connect('pub'), 1], [PUB, 's2c', CONNACK, 1],
    [SUB, 'c2s', connect('sub'), 1], [SUB, 's2c', CONNACK, 1],
    [SUB, 'c2s', subscribe(topic, 0), 1], [SUB, 's2c', suback(0), 1],
  ];
  const n = QUICK ? 40_000 : 200_000;
  const pubs = [];
  for (let i = 0; i < n; i++) {
    // Distinct payloads (a counter in the first bytes), as real traffic mostly has.
    const p = Buffer.from(payload);
    p.writeUInt32BE(i, 0);
    pubs.push(publish(topic, p));
    steps.push([PUB, 'c2s', pubs[i], 1]);
    if (i >= lag) steps.push([SUB, 's2c', pubs[i - lag], 1]);
  }
  for (let i = Math.max(0, n - lag); i < n; i++) steps.push([SUB, 's2c', pubs[i], 1]);
  return { name: `QoS 0 pairs, each delivery ${fmt(lag)} messages behind its publish (a broker with a backlog), 64-byte payloads`, steps, n };
}

function countPackets(steps) {
  return steps.reduce((s, x) => s + x[3], 0);
}

function runEngine(steps, analysis) {
  let packets = 0;
  let findings = 0;
  const onRecord = (r) => { if (r.kind === 'packet') packets++; else findings++; };
  const engine = new Engine({ onRecord, observers: analysis ? [new Analyzer(onRecord, { keepRecords: false, keepFlows: 0 })] : [] });
  let t = 1_700_000_000_000_000;
  engine.open(PUB, t);
  engine.open(SUB, t);
  const t0 = process.hrtime.bigint();
  for (const [m, dir, bytes] of steps) { t += 10; engine.data(m.id, dir, bytes, t); }
  engine.end(t + 10_000_000);
  return { ns: Number(process.hrtime.bigint() - t0), packets, findings };
}

function runMqttPacket(steps) {
  let packets = 0;
  const parsers = new Map();
  const t0 = process.hrtime.bigint();
  for (const [m, dir, bytes] of steps) {
    const k = m.id + dir;
    let p = parsers.get(k);
    if (!p) {
      p = mqtt.parser({ protocolVersion: 4 });
      p.on('packet', () => { packets++; });
      p.on('error', (e) => { throw e; });
      parsers.set(k, p);
    }
    p.parse(bytes);
  }
  return { ns: Number(process.hrtime.bigint() - t0), packets };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rate = (r) => r.packets / (r.ns / 1e9);
function best(f) {
  let b = null;
  for (let i = 0; i < REPS; i++) { const r = f(); if (!b || r.ns < b.ns) b = r; }
  return b;
}

const workloads = [capacity(), pairs(0), pairs(0, false, 512), pairs(1), pairs(0, true), lagging(QUICK ? 10_000 : 50_000)];
const rows = [];
console.log(`pipeline benchmark: ${os.cpus().length} cores, node ${process.version}; best of ${REPS}`);
for (const w of workloads) {
  const total = countPackets(w.steps);
  const peer = best(() => runMqttPacket(w.steps));
  const eng = best(() => runEngine(w.steps, false));
  const an = best(() => runEngine(w.steps, true));
  for (const [name, r] of [['mqtt-packet', peer], ['engine', eng], ['engine+analysis', an]]) {
    if (r.packets !== total) throw new Error(`${name} saw ${r.packets} packets of ${total} in "${w.name}"`);
  }
  rows.push({ w, total, peer, eng, an });
  console.log(`${w.name} (${fmt(total)} packets): mqtt-packet ${fmt(rate(peer))}/s, engine ${fmt(rate(eng))}/s (${(rate(eng) / rate(peer)).toFixed(2)}×), engine + analysis ${fmt(rate(an))}/s (${(rate(an) / rate(peer)).toFixed(2)}×, ${an.findings} findings)`);
}

if (writeDoc && !QUICK) {
  const section = [
    '## Live pipeline in one process (issues 3 and 5)',
    '',
    `Measured with \`node bench/pipeline.bench.mjs --write-doc\` (after \`npx tsc -p .\`) on ${new Date().toISOString().slice(0, 10)}:`,
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}, best of ${REPS} runs each.`,
    'What the proxy does per forwarded chunk, without sockets: `Engine.data` (framing, summary, one record per packet) and, as `up`/`proxy` run it,',
    'the Analyzer on top (sessions, flows, topics, delivery correlation). The peer is mqtt-packet\'s `parser()` on the same chunks (one parser per direction).',
    '',
    '| workload | packets | mqtt-packet (pkt/s) | engine (pkt/s) | engine + analysis (pkt/s) | engine / analysis vs mqtt-packet |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(({ w, total, peer, eng, an }) => `| ${w.name} | ${fmt(total)} | ${fmt(rate(peer))} | ${fmt(rate(eng))} | ${fmt(rate(an))} | ${(rate(eng) / rate(peer)).toFixed(2)}× / ${(rate(an) / rate(peer)).toFixed(2)}× |`),
    '',
    'The "dropped" row is the case that used to collapse: when a broker drops some of a run of identical QoS 0 messages, the undecided ones',
    'stay in the topic\'s pending list for the whole delivery window; retiring a matched message no longer walks that list',
    '(decided messages stay in place behind a head index, and each subscriber is matched from a cursor).',
    'Each delivery is matched by comparing its payload with the held publish, in place. The 512-byte row shows why payloads of 96 bytes',
    'or more use Buffer\'s native range compare (100–150 ns flat, against 1–2 ns a byte in a JS loop): in an A/B run the row went from 0.91 M to 1.55 M packets/s with analysis.',
    'The last row holds 50,000 publishes at a time, as the proxy does when a publisher outruns aedes: what each held message costs',
    '(what delivery correlation keeps for it) outlives V8\'s young generation. Decided messages\' objects are now reused for later publishes,',
    'so a backlog no longer means a new object per publish for the GC to copy and promote: against the previous recorded run (same day) this row went from 2.48× to 2.87×',
    'mqtt-packet with analysis, and the "dropped" row from 2.04× to 2.38×.',
    'Later the same day the "dropped" row gave 2.14× and 2.23× in two runs (2.41× before): each of its 50,000 findings now also says whether',
    'another publish of the same connection on the topic got through (then the drop is not an ACL denial), a longer text per finding.',
    'Runs on this shared 2-core VM vary by up to 1.5× even as best of 5: the QoS 0 pairs row gave 1.12 M and 1.65 M packets/s with analysis in two consecutive runs.',
    "After that day's analysis fixes (QoS 2 routed at PUBREL, DISCONNECT and pipelined-publish handling, PUBREL before PUBREC, persistent-session PUBRELs, denied wills), a run on a slow machine (mqtt-packet at 229k–669k packets/s across rows) gave the \"dropped\" row 1.37×, against 2.18× in the run before the fixes. An A/B of that row right after it, alternating the build before the fixes (55d7066) and the current one twice, gave 647k and 613k against 590k and 606k packets/s with analysis (mqtt-packet about 230k in all four), so the fixes cost at most a few percent there. The recorded run above was made later, on a quieter machine (mqtt-packet at 374k–618k), and gave 1.96×.",
    '',
  ].join('\n');
  writeDocSection(section);
  console.log('updated docs/benchmarks.md');
}
