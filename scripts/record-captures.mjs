#!/usr/bin/env node
// Records the sample captures in captures/ from real traffic: mosquitto-clients
// (and MQTT.js for WebSocket) against a mosquitto 2.0 started here on free ports,
// and against the bundled broker through our proxy's --write. Loopback traffic
// is captured with dumpcap (pcapng), then converted with editcap where a classic
// pcap (µs or ns) is wanted. Needs: mosquitto, mosquitto-clients, tshark (dumpcap,
// editcap), root or CAP_NET_RAW for dumpcap, and a built dist/ (npm run build).
// Usage: npm run captures [-- NAME...]   (default: every scenario)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'captures');
const BIN = join(ROOT, 'bin/mqttscope');
const TMP = mkdtempSync(join(tmpdir(), 'mqttscope-captures-'));
// mosquitto drops root privileges to user 'mosquitto': it must be able to read our files.
chmodSync(TMP, 0o755);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();

function need(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin} || ls /usr/sbin/${bin} 2>/dev/null`], { encoding: 'utf8' });
  const p = r.stdout.trim().split('\n')[0];
  if (!p) throw new Error(`${bin} is not installed (apt-get install -y ${bin.startsWith('mosquitto_') ? 'mosquitto-clients' : bin === 'mosquitto' ? 'mosquitto' : 'tshark'})`);
  return p;
}
const MOSQUITTO = need('mosquitto');
const PUB = need('mosquitto_pub');
const SUB = need('mosquitto_sub');
const PASSWD = need('mosquitto_passwd');
const DUMPCAP = need('dumpcap');
const EDITCAP = need('editcap');
if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build first');

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
  });
}

function start(cmd, args, { ready, name } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  const onData = (d) => { out += d.toString(); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.output = () => out;
  if (!ready) return Promise.resolve(child);
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${name ?? cmd} did not start: ${out}`)), 10_000);
    const check = () => { if (ready.test(out)) { clearTimeout(t); res(child); } };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => { clearTimeout(t); rej(new Error(`${name ?? cmd} exited with ${code}: ${out}`)); });
  });
}

function stop(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => { child.once('exit', () => res()); child.kill(signal); });
}

/** Run a client to completion. */
function run(cmd, args, { timeoutMs = 15_000 } = {}) {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(c);
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => { c.kill('SIGKILL'); rej(new Error(`${cmd} ${args.join(' ')} timed out: ${out}`)); }, timeoutMs);
    c.on('exit', (code) => { children.delete(c); clearTimeout(t); code === 0 ? res(out) : rej(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`)); });
  });
}

async function mosquitto(conf) {
  const port = await freePort();
  const path = join(TMP, `mosquitto-${port}.conf`);
  writeFileSync(path, `listener ${port} 127.0.0.1\n${conf ?? 'allow_anonymous true\n'}`);
  const child = await start(MOSQUITTO, ['-c', path], { ready: /running|Opening ipv4 listen socket/, name: 'mosquitto' });
  await waitPort(port);
  return { port, child };
}

async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(true); });
      s.once('error', () => res(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} never opened`);
}

/** Capture loopback traffic on `ports` while `fn` runs; returns the pcapng path. */
async function capture(ports, fn) {
  const file = join(TMP, `cap-${Date.now()}-${Math.random().toString(36).slice(2)}.pcapng`);
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const d = await start(DUMPCAP, ['-q', '-i', 'lo', '-f', filter, '-w', file], { ready: /Capturing on/, name: 'dumpcap' });
  await sleep(300);
  try {
    await fn();
    await sleep(500);
  } finally {
    await stop(d, 'SIGINT');
  }
  return file;
}

function save(pcapng, name, format) {
  const dest = join(OUT, name);
  if (format === 'pcapng') { renameSync(pcapng, dest); chmodSync(dest, 0o644); }
  else {
    const r = spawnSync(EDITCAP, ['-F', format, pcapng, dest], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`editcap: ${r.stderr}`);
  }
  console.log(`captures/${name}  ${statSync(dest).size} bytes`);
}

const mq = (port, ...a) => ['-h', '127.0.0.1', '-p', String(port), ...a];

const scenarios = {
  /** QoS 0, 1 and 2 publishes to a QoS 2 subscriber (MQTT 3.1.1), as pcapng. */
  async 'qos-levels.pcapng'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      const sub = start(SUB, mq(b.port, '-V', 'mqttv311', '-i', 'sub-qos', '-q', '2', '-t', 'demo/#', '-C', '3', '-v'));
      await sleep(400);
      for (const q of ['0', '1', '2']) await run(PUB, mq(b.port, '-V', 'mqttv311', '-i', `pub-q${q}`, '-q', q, '-t', `demo/qos${q}`, '-m', `QoS ${q} message`));
      await sleep(300);
      await stop(await sub, 'SIGTERM');
    });
    await stop(b.child);
    save(f, 'qos-levels.pcapng', 'pcapng');
  },

  /** A retained message, a late subscriber that gets it, then the retained message cleared. Nanosecond pcap. */
  async 'retained-ns.pcap'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      await run(PUB, mq(b.port, '-i', 'retainer', '-r', '-q', '1', '-t', 'Room1/Light', '-m', 'Turn On'));
      await run(SUB, mq(b.port, '-i', 'late-sub', '-t', 'Room1/Light', '-C', '1', '-v'));
      await run(PUB, mq(b.port, '-i', 'clearer', '-r', '-n', '-t', 'Room1/Light'));
    });
    await stop(b.child);
    save(f, 'retained-ns.pcap', 'nsecpcap');
  },

  /** A client with a will is killed (SIGKILL): the broker publishes the will to a watcher. */
  async 'will.pcap'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      const watcher = start(SUB, mq(b.port, '-i', 'will-watcher', '-t', 'status/#', '-v'));
      await sleep(300);
      const victim = await start(SUB, mq(b.port, '-i', 'sensor-7', '-k', '5', '-t', 'cmd/sensor-7', '--will-topic', 'status/sensor-7', '--will-payload', 'offline', '--will-qos', '1'));
      await sleep(500);
      victim.kill('SIGKILL');
      await sleep(800);
      await stop(await watcher);
    });
    await stop(b.child);
    save(f, 'will.pcap', 'pcap');
  },

  /** Persistent session: subscribe with clean session off, go away, a QoS 1 message is queued, come back. */
  async 'persistent-session.pcap'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      await run(SUB, mq(b.port, '-c', '-i', 'persist-1', '-q', '1', '-t', 'queue/jobs', '-W', '1'), {}).catch(() => {});
      await run(PUB, mq(b.port, '-i', 'producer', '-q', '1', '-t', 'queue/jobs', '-m', 'job 42'));
      await run(SUB, mq(b.port, '-c', '-i', 'persist-1', '-q', '1', '-t', 'queue/jobs', '-C', '1', '-v'));
    });
    await stop(b.child);
    save(f, 'persistent-session.pcap', 'pcap');
  },

  /** Keep-alive of 5 s (mosquitto_sub's minimum): PINGREQ/PINGRESP while idle. */
  async 'keepalive.pcap'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      await run(SUB, mq(b.port, '-i', 'idle-1', '-k', '5', '-t', 'nothing/here', '-W', '12'), { timeoutMs: 20_000 }).catch((e) => { if (!/exited 27/.test(String(e))) throw e; });
    });
    await stop(b.child);
    save(f, 'keepalive.pcap', 'pcap');
  },

  /** Session take-over: a second client with the same client id disconnects the first. */
  async 'takeover.pcap'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      const first = start(SUB, mq(b.port, '-i', 'twin', '-t', 'a/b'));
      await sleep(500);
      const second = start(SUB, mq(b.port, '-i', 'twin', '-t', 'a/b'));
      await sleep(800);
      await stop(await second);
      await stop(await first);
    });
    await stop(b.child);
    save(f, 'takeover.pcap', 'pcap');
  },

  /** The ACL scenario: admin reads '#', user1/user2 may only write +/+/+/<own name>; user1's other write is dropped silently. */
  async 'acl.pcap'() {
    const pw = join(TMP, 'passwd');
    writeFileSync(pw, '');
    for (const [u, p] of [['admin', 'adminpw'], ['user1', 'pass1'], ['user2', 'pass2']]) {
      const r = spawnSync(PASSWD, ['-b', pw, u, p], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd: ${r.stderr}`);
    }
    const acl = join(TMP, 'acl');
    chmodSync(pw, 0o644);
    writeFileSync(acl, 'user admin\ntopic readwrite #\n\npattern readwrite +/+/+/%u\n');
    writeFileSync(join(OUT, 'acl.acl'), 'user admin\ntopic readwrite #\n\npattern readwrite +/+/+/%u\n');
    const b = await mosquitto(`allow_anonymous false\npassword_file ${pw}\nacl_file ${acl}\n`);
    const f = await capture([b.port], async () => {
      const watcher = start(SUB, mq(b.port, '-i', 'watcher', '-u', 'admin', '-P', 'adminpw', '-t', '#', '-v'));
      await sleep(400);
      await run(PUB, mq(b.port, '-i', 'p-ok', '-u', 'user1', '-P', 'pass1', '-t', 'panama/colon/x/user1', '-m', 'allowed'));
      await run(PUB, mq(b.port, '-i', 'p-deny', '-u', 'user1', '-P', 'pass1', '-t', 'panama/colon/user1', '-m', 'denied silently'));
      await run(PUB, mq(b.port, '-i', 'p-deny-q1', '-u', 'user2', '-P', 'pass2', '-q', '1', '-t', 'panama/colon/x/user1', '-m', 'not yours'));
      await run(PUB, mq(b.port, '-i', 'p-badpw', '-u', 'user2', '-P', 'wrong', '-t', 'x', '-m', 'y')).catch(() => {});
      await sleep(300);
      await stop(await watcher);
    });
    await stop(b.child);
    save(f, 'acl.pcap', 'pcap');
  },

  /** MQTT 5: user properties, content type, response topic, correlation data, message expiry. */
  async 'mqtt5-properties.pcap'() {
    const b = await mosquitto();
    const f = await capture([b.port], async () => {
      const sub = start(SUB, mq(b.port, '-V', 'mqttv5', '-i', 'v5-sub', '-t', 'v5/#', '-C', '1', '-v', '-F', '%t %p'));
      await sleep(400);
      await run(PUB, mq(b.port, '-V', 'mqttv5', '-i', 'v5-pub', '-q', '1', '-t', 'v5/props', '-m', '{"t":21.5}',
        '-D', 'publish', 'user-property', 'k', 'v', '-D', 'publish', 'user-property', 'site', 'lab-2',
        '-D', 'publish', 'content-type', 'application/json', '-D', 'publish', 'response-topic', 'v5/reply',
        '-D', 'publish', 'correlation-data', 'req-1', '-D', 'publish', 'message-expiry-interval', '300',
        '-D', 'connect', 'session-expiry-interval', '60', '-D', 'connect', 'user-property', 'client', 'mosquitto_pub'));
      await sleep(300);
      await stop(await sub);
    });
    await stop(b.child);
    save(f, 'mqtt5-properties.pcap', 'pcap');
  },

  /** Remaining Lengths 509 (2-byte varint), 49798 (3 bytes) and > 64 KiB. */
  async 'large-payloads.pcap'() {
    const b = await mosquitto();
    const files = [];
    for (const [topic, n] of [['big/509', 500], ['big/49798', 49787], ['big/70000', 70000]]) {
      const p = join(TMP, `payload-${n}`);
      writeFileSync(p, Buffer.alloc(n, 'x'));
      files.push([topic, p]);
    }
    const f = await capture([b.port], async () => {
      const sub = start(SUB, mq(b.port, '-i', 'big-sub', '-t', 'big/#', '-C', '3', '-N'));
      await sleep(400);
      for (const [topic, p] of files) await run(PUB, mq(b.port, '-i', `pub-${topic.split('/')[1]}`, '-t', topic, '-f', p));
      await sleep(500);
      await stop(await sub);
    });
    await stop(b.child);
    save(f, 'large-payloads.pcap', 'pcap');
  },

  /** MQTT over WebSocket to mosquitto's `protocol websockets` listener (MQTT.js as the client). */
  async 'websocket.pcap'() {
    const tcp = await freePort();
    const wsPort = await freePort();
    const path = join(TMP, 'ws.conf');
    writeFileSync(path, `listener ${tcp} 127.0.0.1\nallow_anonymous true\nlistener ${wsPort}\nprotocol websockets\n`);
    const child = await start(MOSQUITTO, ['-c', path], { ready: /running/, name: 'mosquitto (websockets)' });
    await waitPort(wsPort);
    const { default: mqtt } = await import('mqtt');
    const f = await capture([wsPort], async () => {
      const c = await mqtt.connectAsync(`ws://127.0.0.1:${wsPort}`, { clientId: 'ws-client', protocolVersion: 4 });
      await c.subscribeAsync('ws/#', { qos: 1 });
      const got = new Promise((res) => c.once('message', res));
      await c.publishAsync('ws/hello', 'over websocket', { qos: 1 });
      await got;
      await c.endAsync();
    });
    await stop(child);
    save(f, 'websocket.pcap', 'pcap');
  },

  /** The bundled broker (aedes) through our proxy, recorded by the proxy's --write (QoS 0/1/2 and a retained message, MQTT 3.1.1; aedes has no MQTT 5). */
  async 'bundled-broker-proxy.pcap'() {
    const bport = await freePort();
    const pport = await freePort();
    const broker = await start(process.execPath, [BIN, 'broker', '--port', String(bport), '--allow-anonymous'], { name: 'mqttscope broker' });
    await waitPort(bport);
    const dest = join(OUT, 'bundled-broker-proxy.pcap');
    const proxy = await start(process.execPath, [BIN, 'proxy', '--listen', `127.0.0.1:${pport}`, '--upstream', `127.0.0.1:${bport}`, '--write', dest, '--format', 'json'], { name: 'mqttscope proxy' });
    await waitPort(pport);
    const sub = start(SUB, mq(pport, '-i', 'aedes-sub', '-q', '2', '-t', 'aedes/#', '-C', '4', '-v'));
    await sleep(500);
    for (const q of ['0', '1', '2']) await run(PUB, mq(pport, '-i', `aedes-pub-q${q}`, '-q', q, '-t', `aedes/q${q}`, '-m', `hello ${q}`));
    await run(PUB, mq(pport, '-i', 'aedes-pub-r', '-q', '1', '-r', '-t', 'aedes/retained', '-m', 'kept'));
    await sleep(500);
    await stop(await sub);
    await sleep(300);
    await stop(proxy, 'SIGINT');
    await stop(broker, 'SIGINT');
    console.log(`captures/bundled-broker-proxy.pcap  ${statSync(dest).size} bytes`);
  },
};

async function main() {
  mkdirSync(OUT, { recursive: true });
  const want = process.argv.slice(2);
  const names = want.length ? want : Object.keys(scenarios);
  for (const n of names) {
    if (!scenarios[n]) throw new Error(`unknown scenario ${n}; known: ${Object.keys(scenarios).join(', ')}`);
    await scenarios[n]();
  }
}

main().then(
  () => { rmSync(TMP, { recursive: true, force: true }); },
  async (err) => {
    console.error(`record-captures: ${err.stack ?? err}`);
    for (const c of children) c.kill('SIGKILL');
    process.exitCode = 1;
  },
);
