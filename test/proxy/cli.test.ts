// The built CLI (bin/mqttscope → dist/): `up` and `proxy` print the live view
// when stdout is not a terminal, exit 0 on SIGINT, and report errors clearly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { cli, interrupt, requireFreshDist, ROOT } from './cli-run.js';
import { waitFor } from './helpers.js';
import { pub, runCmd } from './peers.js';

beforeAll(() => {
  // These tests run the built CLI; `npm test` builds first.
  requireFreshDist(['cli/commands/up.ts', 'cli/commands/proxy.ts', 'cli/live.ts', 'proxy/proxy.ts', 'proxy/link.ts']);
});

describe('mqttscope up', () => {
  it('prints the line view for mosquitto_pub -t Room1/Light -m "Turn On" and exits 0 on SIGINT', async () => {
    const port = await freePort();
    const up = cli(['up', '--listen', String(port)]);
    try {
      await waitFor(() => up.err().includes('proxy listening on'), 15_000, 'the proxy to listen');
      expect(up.err()).toContain(`proxy listening on 127.0.0.1:${port}`);
      expect(up.err()).toMatch(/aedes broker on 127\.0\.0\.1:\d+/);
      await pub(port, ['-t', 'Room1/Light', '-m', 'Turn On']);
      await waitFor(() => up.out().includes('DISCONNECT'), 10_000, 'DISCONNECT in the line view');
    } finally {
      expect(await interrupt(up)).toBe(0);
    }
    const lines = up.out().trim().split('\n');
    expect(lines[0]).toMatch(/→ CONNECT\b/);
    expect(lines[1]).toMatch(/← CONNACK\b/);
    expect(lines[2]).toMatch(/→ PUBLISH\b.*Room1\/Light.*"Turn On"/);
    expect(lines[3]).toMatch(/→ DISCONNECT\b/);
    // The summary line at the end (SIGINT flushes the view).
    expect(lines.length).toBe(5);
  });

  it('refuses a busy --listen port with one clear line and exit code 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const up = cli(['up', '--listen', `127.0.0.1:${port}`, '--format', 'line']);
      expect(await up.exited).toBe(1);
      expect(up.err()).toContain(`127.0.0.1:${port} is already in use; pick another with --listen`);
    } finally {
      blocker.close();
    }
  });

  it('--help lists every option and the tutorial example', async () => {
    for (const cmd of ['up', 'proxy']) {
      const h = cli([cmd, '--help']);
      expect(await h.exited).toBe(0);
      for (const opt of ['--listen', '--tls-cert', '--tls-key', '--upstream-tls', '--cafile', '--ws-listen', '--write', '--format', '--filter', '--show-secrets', '--acl', '--passwd', '--delivery-window', '--max-packet-size']) {
        expect(h.out(), `${cmd} --help mentions ${opt}`).toContain(opt);
      }
      expect(h.out()).toContain('mosquitto_pub');
      expect(h.out()).toContain('-t Room1/Light -m "Turn On"');
    }
    const up = cli(['up', '--help']);
    await up.exited;
    for (const opt of ['--broker', '--allow-anonymous']) expect(up.out()).toContain(opt);
    const proxy = cli(['proxy', '--help']);
    await proxy.exited;
    expect(proxy.out()).toContain('--upstream');
  });
});

describe('mqttscope proxy', () => {
  it('--format json --write FILE: contract-valid NDJSON, a pcap file, exit 0 on SIGINT', async () => {
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-cli-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const pcap = join(dir, 'out.pcap');
    const port = await freePort();
    const p = cli(['proxy', '--listen', String(port), '--upstream', `127.0.0.1:${broker.port}`, '--format', 'json', '--write', pcap]);
    try {
      await waitFor(() => p.err().includes('proxy listening on'), 15_000, 'the proxy to listen');
      await pub(port, ['-i', 'json-pub', '-q', '1', '-t', 'Room1/Light', '-m', 'Turn On']);
      await waitFor(() => p.out().includes('"DISCONNECT"'), 10_000, 'DISCONNECT');
      expect(await interrupt(p)).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await broker.close();
    }
    const recs = p.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.filter((r) => r['kind'] === 'packet').map((r) => r['type'])).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'DISCONNECT']);
    expect(recs.filter((r) => r['kind'] === 'packet').every((r) => r['client_id'] === 'json-pub')).toBe(true);
    expect(recs.at(-1)!['kind']).toBe('summary');
    const check = join(ROOT, '../shared/tools/check-json-contract.py');
    // Never skipped: the checker sits in ../shared beside the checkout, locally and in CI.
    expect(existsSync(check), `JSON contract checker not found at ${check}`).toBe(true);
    {
      const r = await new Promise<{ code: number | null; out: string }>((res) => {
        const py = spawn('python3', [check], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        py.stdout.on('data', (c: Buffer) => { out += c.toString(); });
        py.stderr.on('data', (c: Buffer) => { out += c.toString(); });
        py.on('close', (code) => res({ code, out }));
        py.stdin.end(p.out());
      });
      expect(r.code, r.out).toBe(0);
    }
    requireBinary('tshark');
    const t = await runCmd('tshark', ['-n', '-r', pcap, '-d', `tcp.port==${port},mqtt`, '-T', 'fields', '-e', 'mqtt.msgtype']);
    expect(t.stdout.split('\n').flatMap((l) => l.split(',')).filter(Boolean)).toEqual(['1', '2', '3', '4', '14']);
  });

  it('is a usage error without --upstream, and with a bad --filter', async () => {
    const a = cli(['proxy', '--listen', '0']);
    expect(await a.exited).toBe(2);
    expect(a.err()).toContain('--upstream HOST:PORT is required');
    const b = cli(['proxy', '--listen', '0', '--upstream', '127.0.0.1:1', '--filter', 'publish &&', '--format', 'line']);
    expect(await b.exited).toBe(2);
    expect(b.err()).toContain('--filter');
  });

  it('mqttscope cert writes a CA and a server certificate', async () => {
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certcmd-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const c = cli(['cert', '--out', dir]);
    expect(await c.exited).toBe(0);
    for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key']) expect(existsSync(join(dir, f))).toBe(true);
    const v = await runCmd('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'server.crt')]);
    expect(v.stdout).toContain(': OK');
  });
});
