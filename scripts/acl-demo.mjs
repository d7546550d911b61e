#!/usr/bin/env node
// Runs the Spanish tutorial's ACL scenario against a real mosquitto 2.0 through
// `mqttscope proxy` and prints, as a transcript, what every command really
// printed. docs/acl-silent-drops.md is pasted from this output.
//
//   npx tsc -p . && node scripts/acl-demo.mjs [mqttv311|mqttv5] [--listen PORT] [--broker-port PORT] [--keep DIR]
//
// --listen is the proxy's port (default 1884), --broker-port mosquitto's (default 1883).
//
// Needs mosquitto, mosquitto_passwd, mosquitto_pub and mosquitto_sub on PATH.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  listen: { type: 'string', default: '1884' },
  'broker-port': { type: 'string', default: '1883' },
  keep: { type: 'string' }, // keep acl.txt, passwd.txt and acl-demo.pcap in this directory
} });
const version = positionals[0] ?? 'mqttv311';
if (version !== 'mqttv311' && version !== 'mqttv5') throw new Error(`version must be mqttv311 or mqttv5, not ${version}`);
const port = values.listen;

const ACL = 'pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n';
const PASSWD = 'admin:adminpw\nuser1:pass1\nuser2:pass2\n';
const OWN = 'colombia/cundinamarca/cajica/user1';
const FOREIGN = 'panama/colon/user1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let dir = '';
function start(cmd, args) {
  // Run in the work directory so that file names print as acl.txt, acl-demo.pcap.
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { err += c; });
  const exited = new Promise((r) => child.once('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}
async function runShown(display, cmd, args) {
  const p = start(cmd, args);
  const code = await p.exited;
  console.log(`$ ${display}`);
  const text = (p.out() + p.err()).trimEnd();
  if (text) console.log(text);
  console.log(`(exit ${code})`);
  return { code, out: p.out() };
}
const mqttscope = (args) => [process.execPath, [join(ROOT, 'bin/mqttscope'), ...args]];

if (values.keep) await mkdir(values.keep, { recursive: true });
dir = values.keep ? resolve(values.keep) : await mkdtemp(join(tmpdir(), 'mqttscope-acl-demo-'));
const acl = 'acl.txt';
const passwd = 'passwd.txt';
await writeFile(join(dir, acl), ACL);
await writeFile(join(dir, passwd), PASSWD);
const brokerPort = values['broker-port'];
const pcap = 'acl-demo.pcap';
const V = ['-V', version];
const base = ['-p', port, ...V];
console.log(`## acl.txt\n${ACL}`);
console.log(`## passwd.txt\n${PASSWD}`);
console.log(`$ mqttscope broker --broker mosquitto --port ${brokerPort} --acl acl.txt --passwd passwd.txt`);
const broker = start(...mqttscope(['broker', '--broker', 'mosquitto', '--port', brokerPort, '--acl', acl, '--passwd', passwd]));
try {
  while (!broker.err().includes('listening on')) {
    if (broker.child.exitCode !== null) throw new Error(broker.err());
    await sleep(50);
  }
  console.log(`$ mqttscope proxy --listen ${port} --upstream 127.0.0.1:${brokerPort} --acl acl.txt --delivery-window 1 --write acl-demo.pcap`);
  const proxy = start(...mqttscope(['proxy', '--listen', port, '--upstream', `127.0.0.1:${brokerPort}`, '--acl', acl,
    '--delivery-window', '1', '--write', pcap, '--format', 'line', '--no-color']));
  while (!proxy.err().includes('proxy listening on')) {
    if (proxy.child.exitCode !== null) throw new Error(proxy.err());
    await sleep(50);
  }
  const subs = [
    start('mosquitto_sub', [...base, '-u', 'admin', '-P', 'adminpw', '-i', 'admin-sub', '-t', '#', '-v']),
    start('mosquitto_sub', [...base, '-u', 'user2', '-P', 'pass2', '-i', 'user2-sub', '-t', OWN, '-v']),
  ];
  while ((proxy.out().match(/SUBACK/g) ?? []).length < 2) await sleep(20);
  console.log('\n## the clients (two subscribers in the background):');
  console.log(`$ mosquitto_sub -p ${port} -V ${version} -u admin -P adminpw -i admin-sub -t '#' -v &`);
  console.log(`$ mosquitto_sub -p ${port} -V ${version} -u user2 -P pass2 -i user2-sub -t ${OWN} -v &`);
  const pub = (user, pw, id, q, topic, msg) => runShown(
    `mosquitto_pub -p ${port} -V ${version} -u ${user} -P ${pw} -i ${id} -q ${q} -t ${topic} -m ${msg}`,
    'mosquitto_pub', [...base, '-u', user, '-P', pw, '-i', id, '-q', String(q), '-t', topic, '-m', msg]);
  await pub('user1', 'pass1', 'u1-own', 1, OWN, 'hola');
  await pub('user1', 'wrong', 'u1-badpw', 0, OWN, 'hola');
  for (const q of [0, 1, 2]) await pub('user1', 'pass1', `u1-deny-q${q}`, q, FOREIGN, `deny-q${q}`);
  await sleep(1600);
  for (const s of subs) { s.child.kill('SIGTERM'); await s.exited; }
  console.log(`\n## what admin-sub printed:\n${subs[0].out().trimEnd()}`);
  console.log(`## what user2-sub printed:\n${subs[1].out().trimEnd() || '(nothing)'}`);
  proxy.child.kill('SIGINT');
  await proxy.exited;
  console.log('\n## what the broker logged (stderr):');
  console.log(broker.err().trimEnd());
  console.log('\n## the proxy\'s line view (stdout):');
  console.log(proxy.out().trimEnd());

  console.log('\n## the ACL explainer:');
  await runShown(`mqttscope acl explain --acl acl.txt --user user1 --write ${FOREIGN}`, ...mqttscope(['acl', 'explain', '--acl', acl, '--user', 'user1', '--write', FOREIGN]));
  await runShown(`mqttscope acl explain --acl acl.txt --user user2 --read ${OWN}`, ...mqttscope(['acl', 'explain', '--acl', acl, '--user', 'user2', '--read', OWN]));

  console.log('\n## the recording, read back (line view):');
  await runShown('mqttscope read acl-demo.pcap --acl acl.txt --delivery-window 1 --no-color', ...mqttscope(['read', pcap, '--acl', acl, '--delivery-window', '1', '--no-color']));

  console.log('\n## the recording, read back as JSON (findings only):');
  const r = start(...mqttscope(['read', pcap, '--format', 'json', '--acl', acl, '--delivery-window', '1']));
  await r.exited;
  console.log(`$ mqttscope read acl-demo.pcap --format json --acl acl.txt --delivery-window 1 | grep '"kind":"finding"'`);
  for (const line of r.out().split('\n')) if (line.includes('"kind":"finding"')) console.log(line);
  if (r.err().trim()) console.log(r.err().trimEnd());
} finally {
  broker.child.kill('SIGINT');
  await broker.exited;
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
