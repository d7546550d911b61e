// Capture-reading benchmark (issue 4). Builds (does not commit) a capture of
// ≥ 1,000,000 MQTT packets from real traffic: the packets of captures/qos-levels.pcapng
// (mosquitto_pub/mosquitto_sub against mosquitto 2.0) replicated into many TCP
// conversations by the project's pcap writer, one MQTT packet per TCP segment.
// Then times, in the same run:
//   mqttscope read F --format json > /dev/null
//   mqttscope read F --summary > /dev/null
//   tshark -r F -d tcp.port==1883,mqtt -T fields -e frame.number -e mqtt.msgtype -e mqtt.topic > /dev/null
// and prints MQTT packets/s, the ratios to tshark, and peak RSS (/usr/bin/time -v).
// Needs `npm run build` first and tshark installed.
// usage: node bench/read.bench.mjs [MIN_PACKETS] [--write-doc] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, statSync, closeSync, writeSync } from 'node:fs';
import { writeDocSection } from './doc.mjs';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../dist/engine/engine.js';
import { readCaptureFile } from '../dist/capture/read-capture.js';
import { pcapGlobalHeader, PcapConversationEncoder } from '../dist/capture/pcap-writer.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MIN = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const writeDoc = process.argv.includes('--write-doc');
const keep = process.argv.includes('--keep');
const SOURCE = join(ROOT, 'captures/qos-levels.pcapng');

function which(b) {
  const r = spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' });
  return r.stdout.trim() || null;
}
const TSHARK = which('tshark');
if (!TSHARK) throw new Error('tshark is not installed: apt-get install -y tshark');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** The real conversations of the source capture: [{ events: [{dir, bytes}] }]. */
async function loadConversations() {
  const convs = new Map();
  const engine = new Engine({
    onRecord: (r) => {
      if (r.kind !== 'packet') return;
      let c = convs.get(r.conn.id);
      if (!c) convs.set(r.conn.id, (c = []));
      c.push({ dir: r.dir, bytes: Buffer.from(r.bytes) });
    },
  });
  await readCaptureFile(SOURCE, { engine });
  return [...convs.values()];
}

async function build(file) {
  const convs = await loadConversations();
  const perRound = convs.reduce((n, c) => n + c.length, 0);
  const fd = openSync(file, 'w');
  writeSync(fd, pcapGlobalHeader());
  let packets = 0, t = 1_700_000_000_000_000, round = 0, buf = [], len = 0;
  const flush = () => { if (len) { writeSync(fd, Buffer.concat(buf, len)); buf = []; len = 0; } };
  const put = (b) => { if (b.length) { buf.push(b); len += b.length; if (len > 8 << 20) flush(); } };
  while (packets < MIN) {
    for (const [i, conv] of convs.entries()) {
      // A fresh 4-tuple per replicated conversation: 10.x.y.z:port → 10.0.0.1:1883.
      const n = round * convs.length + i;
      const client = { host: `10.${1 + ((n >> 16) & 0x3f)}.${(n >> 8) & 0xff}.${n & 0xff}`, port: 10000 + (n % 50000) };
      const enc = new PcapConversationEncoder(client, { host: '10.0.0.1', port: 1883 });
      put(enc.open(t));
      for (const ev of conv) { t += 10; put(enc.data(ev.dir, ev.bytes, t)); packets++; }
      put(enc.close(t += 10));
    }
    round++;
  }
  flush();
  closeSync(fd);
  return { packets, perRound, conversations: round * convs.length };
}

function timed(label, cmd, args) {
  const devnull = openSync('/dev/null', 'w');
  const argv = TIME ? [TIME, ['-v', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv[1], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(devnull);
  if (r.status !== 0 && r.status !== 1) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  return { label, sec, rssMiB: m ? Number(m[1]) / 1024 : null };
}

function count(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return r.stdout;
}

const dir = mkdtempSync(join(os.tmpdir(), 'mqttscope-readbench-'));
const file = join(dir, 'bench.pcap');
const t0 = Date.now();
const info = await build(file);
const size = statSync(file).size;
console.log(`capture: ${info.packets.toLocaleString('en-US')} MQTT packets in ${info.conversations.toLocaleString('en-US')} TCP conversations (${info.perRound} real packets from ${SOURCE.replace(ROOT + '/', '')} replicated), ${(size / 1048576).toFixed(1)} MiB, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const BIN = join(ROOT, 'bin/mqttscope');
const runs = [
  timed('mqttscope read --format json', process.execPath, [BIN, 'read', file, '--format', 'json']),
  timed('mqttscope read --summary', process.execPath, [BIN, 'read', file, '--summary']),
  timed('tshark -T fields', TSHARK, ['-r', file, '-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype', '-e', 'mqtt.topic']),
];
// Sanity: every tool saw the same number of MQTT packets.
const summary = count(process.execPath, [BIN, 'read', file, '--summary', '--no-color']);
const ours = Number(/Summary: (\d+) packets/.exec(summary)?.[1] ?? NaN);
const tsOut = count(TSHARK, ['-r', file, '-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'mqtt.msgtype']);
const theirs = tsOut.split('\n').filter(Boolean).reduce((n, l) => n + l.split(',').length, 0);
const tsh = runs[2];
const rows = runs.map((r) => ({ ...r, pps: info.packets / r.sec }));
console.log(`MQTT packets: generated ${info.packets}, mqttscope ${ours}, tshark ${theirs}`);
for (const r of rows) {
  console.log(`${r.label.padEnd(30)} ${r.sec.toFixed(2).padStart(7)} s  ${Math.round(r.pps).toLocaleString('en-US').padStart(10)} pkt/s  ${(tsh.sec / r.sec).toFixed(1).padStart(5)}× tshark  peak RSS ${r.rssMiB === null ? 'n/a' : `${r.rssMiB.toFixed(0)} MiB`}`);
}
const jsonRatio = tsh.sec / rows[0].sec, sumRatio = tsh.sec / rows[1].sec;
console.log(`targets: --summary ≥ 10× tshark: ${sumRatio.toFixed(1)}× ${sumRatio >= 10 ? 'met' : 'NOT met'}; --format json ≥ 4×: ${jsonRatio.toFixed(1)}× ${jsonRatio >= 4 ? 'met' : 'NOT met'}`);

if (writeDoc) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    '## Reading captures (issue 4)',
    '',
    `\`node bench/read.bench.mjs --write-doc\` on ${cpu} (${os.cpus().length} cores), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Capture: ${info.packets.toLocaleString('en-US')} MQTT packets in ${info.conversations.toLocaleString('en-US')} TCP conversations, ${(size / 1048576).toFixed(1)} MiB: the ${info.perRound} packets of \`captures/qos-levels.pcapng\` (real mosquitto_pub/mosquitto_sub traffic) replicated by the pcap writer, one MQTT packet per TCP segment. Built by the benchmark, not committed.`,
    `All three saw the same packets (mqttscope ${ours.toLocaleString('en-US')}, tshark ${theirs.toLocaleString('en-US')}).`,
    '',
    '| command | time | MQTT packets/s | vs tshark | peak RSS |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| \`${r.label}\` | ${r.sec.toFixed(2)} s | ${Math.round(r.pps).toLocaleString('en-US')} | ${(tsh.sec / r.sec).toFixed(1)}× | ${r.rssMiB === null ? 'n/a' : `${r.rssMiB.toFixed(0)} MiB`} |`),
    '',
    `Targets: \`read --summary\` ≥ 10× tshark (${sumRatio.toFixed(1)}×, ${sumRatio >= 10 ? 'met' : 'not met'}); \`read --format json\` ≥ 4× (${jsonRatio.toFixed(1)}×, ${jsonRatio >= 4 ? 'met' : 'not met'}). tshark: \`tshark -r F -d tcp.port==1883,mqtt -T fields -e frame.number -e mqtt.msgtype -e mqtt.topic > /dev/null\`.`,
    '',
  ].join('\n');
  console.log(`wrote ${writeDocSection(section)}`);
}
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${file}`);
