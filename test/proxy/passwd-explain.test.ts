// proxy/up --passwd: refused CONNECTs are explained by the password_file, through the
// live wiring (runLive → proxy → Engine → Analyzer), and a flood of CONNECTs against a
// slow ($7$) entry does not stall forwarding.
import { createHash, pbkdf2Sync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/index.js';
import { liveConfig, runLive } from '../../src/cli/live.js';
import { startProxy, type ProxyHandle } from '../../src/proxy/index.js';

const SALT = Buffer.from('0123456789ab');
const sha6 = (pw: string): string => `$6$${SALT.toString('base64')}$${createHash('sha512').update(pw).update(SALT).digest('base64')}`;
const pbk7 = (pw: string, n: number): string => `$7$${n}$${SALT.toString('base64')}$${pbkdf2Sync(pw, SALT, n, 64, 'sha512').toString('base64')}`;

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'mqttscope-passwd-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

function connectBytes(clientId: string, username?: string, password?: string): Buffer {
  return mqtt.generate({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60,
    ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password: Buffer.from(password) } : {}),
  } as mqtt.Packet);
}

/** Send a CONNECT through the proxy; resolves with the first reply bytes once the broker closes. */
function attempt(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
  });
}

interface Live { port: number; stop(): Promise<string[]>; proxy(): ProxyHandle; output(): string }

/** runLive with --format json --passwd FILE in front of `upstream`, stdout captured. */
async function live(passwdPath: string, upstreamPort: number): Promise<Live> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const err = new PassThrough();
  err.resume();
  const ac = new AbortController();
  let proxy!: ProxyHandle;
  let resolveStarted!: () => void;
  const started = new Promise<void>((r) => { resolveStarted = r; });
  const cfg = liveConfig({ format: 'json', passwd: passwdPath }, false);
  const done = runLive(cfg, {
    start: async (w) => {
      proxy = await startProxy({
        listen: { host: '127.0.0.1', port: 0 }, upstream: { host: '127.0.0.1', port: upstreamPort },
        onRecord: w.onRecord, engineOpts: w.engineOpts, taps: w.taps, maxPacketSize: w.maxPacketSize, now: w.now, log: w.log,
      });
      resolveStarted();
      return proxy;
    },
    signal: ac.signal, out, err,
  });
  await started;
  return {
    port: proxy.port,
    proxy: () => proxy,
    output: () => text,
    async stop() {
      ac.abort();
      expect(await done).toBe(0);
      return text.split('\n').filter((l) => l.length > 0);
    },
  };
}

describe('--passwd explains refused CONNECTs', () => {
  it('through the bundled broker, which enforces the same file: unknown user, wrong password, no user name; the password is never shown', async () => {
    const path = join(dir, 'passwd.txt');
    await writeFile(path, `alice:${sha6('alice-secret')}\nbob:${pbk7('bob-secret', 101)}\n`);
    const broker = await startBroker({ host: '127.0.0.1', port: 0, passwd: path });
    const l = await live(path, broker.port);
    let lines: string[];
    try {
      const replies = [
        await attempt(l.port, connectBytes('c1', 'mallory', 'letmein-1')),
        await attempt(l.port, connectBytes('c2', 'alice', 'letmein-2')),
        await attempt(l.port, connectBytes('c3', 'bob', 'letmein-3')),
        await attempt(l.port, connectBytes('')),
      ];
      for (const r of replies) expect([...r]).toEqual([0x20, 2, 0, 5]);
      // bob's $7$ check runs on the thread pool (busy when tests run in parallel): its finding waits for it.
      for (let t = 0; t < 5000 && l.output().split('"connect-refused"').length - 1 < 4; t += 20) await new Promise((r) => setTimeout(r, 20));
    } finally {
      lines = await l.stop();
      await broker.close();
    }
    const findings = lines.map((x) => JSON.parse(x) as Record<string, unknown>).filter((r) => r['kind'] === 'finding' && r['code'] === 'connect-refused');
    // bob's finding may come after the next connection's: it waits for the $7$ check.
    const byClient = new Map(findings.map((f) => [f['client_id'], f]));
    expect([...byClient].map(([id, f]) => [id, f['passwd_check'], f['passwd_line'] ?? null]).sort()).toEqual([
      ['', 'anonymous', null], ['c1', 'unknown-user', null], ['c2', 'bad-password', 1], ['c3', 'bad-password', 2],
    ]);
    expect(byClient.get('c1')!['text']).toContain(`User name 'mallory' is not in the password file ${path}.`);
    expect(byClient.get('c3')!['text']).toContain(`The password given (9 bytes) does not match the entry for 'bob' in ${path} (line 2).`);
    expect(lines.join('\n')).not.toContain('letmein');
  });

  it('a flood of CONNECTs with new passwords against a slow $7$ entry: forwarding is not held up, checks are bounded', async () => {
    // 200,000 PBKDF2 iterations: some 100 ms a hash. Done on the event loop, 60 of them would stall it for seconds.
    const path = join(dir, 'slow.txt');
    await writeFile(path, `carol:${pbk7('carol-secret', 200_000)}\n`);
    // A broker that refuses every CONNECT at once (its own hashing is not what is measured).
    const upstream = net.createServer((s) => {
      s.once('data', () => s.end(Buffer.from([0x20, 2, 0, 5])));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const l = await live(path, (upstream.address() as net.AddressInfo).port);
    // Event-loop lag while the flood runs.
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => { const t = performance.now(); worst = Math.max(worst, t - last - 5); last = t; }, 5);
    const N = 60;
    const t0 = performance.now();
    let lines: string[];
    try {
      const replies = await Promise.all(Array.from({ length: N }, (_, i) => attempt(l.port, connectBytes(`f${i}`, 'carol', `guess-${i}`))));
      for (const r of replies) expect([...r]).toEqual([0x20, 2, 0, 5]);
    } finally {
      clearInterval(timer);
      lines = await l.stop();
      upstream.close();
    }
    const elapsed = performance.now() - t0;
    const findings = lines.map((x) => JSON.parse(x) as Record<string, unknown>).filter((r) => r['code'] === 'connect-refused');
    expect(findings).toHaveLength(N);
    const verdicts = new Map<string, number>();
    for (const f of findings) verdicts.set(`${f['passwd_check']}/${f['passwd_not_checked'] ?? ''}`, (verdicts.get(`${f['passwd_check']}/${f['passwd_not_checked'] ?? ''}`) ?? 0) + 1);
    // At most 2 hashes at once and 8 a second were started; the other refusals waited for a slot
    // (refusals first) and, the input ending before their turn came, say they were not checked.
    for (const v of verdicts.keys()) expect(['bad-password/', 'not-checked/unfinished', 'not-checked/too-slow']).toContain(v);
    expect(N - (verdicts.get('bad-password/') ?? 0)).toBeGreaterThanOrEqual(N - 16);
    if (process.env['MQTTSCOPE_PRINT_LAG']) console.log(`flood of ${N} CONNECTs: ${elapsed.toFixed(0)} ms, worst event-loop lag ${worst.toFixed(1)} ms, verdicts ${JSON.stringify([...verdicts])}`);
    expect(worst, `event loop stalled ${worst.toFixed(0)} ms (flood took ${elapsed.toFixed(0)} ms)`).toBeLessThan(1000); // hashing on the event loop: 60 × ~100 ms
  }, 30_000);
});
