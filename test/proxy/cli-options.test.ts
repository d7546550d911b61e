// The built CLI with options and files that are wrong, and the shutdown and
// summary behaviour of a live session: one clear line and the right exit code,
// never a stack trace.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { startBroker } from '../../src/broker/broker.js';
import { liveConfig, runLive } from '../../src/cli/live.js';
import { UsageError } from '../../src/cli/errors.js';
import { generateCerts, type GeneratedCerts } from '../../src/proxy/index.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { cli, interrupt, requireFreshDist } from './cli-run.js';
import { connect, waitFor } from './helpers.js';
import { pub, runCmd, sub } from './peers.js';

let dir: string;
let certs: GeneratedCerts;

beforeAll(async () => {
  requireFreshDist(['cli/commands/up.ts', 'cli/commands/proxy.ts', 'cli/commands/cert.ts', 'cli/live.ts', 'proxy/proxy.ts', 'proxy/cert.ts', 'capture/pcap-writer.ts']);
  requireBinary('openssl');
  dir = await mkdtemp(join(tmpdir(), 'mqttscope-cliopts-'));
  certs = await generateCerts(join(dir, 'certs'));
  await writeFile(join(dir, 'bad.pem'), 'garbage\n');
  const other = await generateCerts(join(dir, 'other'));
  await copyFile(other.key, join(dir, 'other.key'));
  await runCmd('openssl', ['pkey', '-in', certs.key, '-aes128', '-passout', 'pass:secret', '-out', join(dir, 'locked.key')]);
});
afterAll(async () => { if (dir !== undefined) await rm(dir, { recursive: true, force: true }); });

/** Run to completion; stderr must be exactly one line (no stack trace). */
async function fails(args: string[]): Promise<{ code: number | null; line: string }> {
  const c = cli(args, dir);
  const code = await c.exited;
  const lines = c.err().trimEnd().split('\n').filter((l) => !l.startsWith('usage: '));
  expect(lines, c.err()).toHaveLength(1);
  expect(c.err()).not.toMatch(/\n\s+at |node:internal/);
  return { code, line: lines[0]! };
}

describe('--tls-cert / --tls-key / --cafile files', () => {
  const proxy = (...extra: string[]) => ['proxy', '--listen', '0', '--upstream', '127.0.0.1:1', '--format', 'line', ...extra];

  it('a file that is not PEM names the file and the problem, exit 2', async () => {
    const r = await fails(proxy('--tls-cert', 'bad.pem', '--tls-key', 'bad.pem'));
    expect(r).toEqual({ code: 1, line: 'mqttscope proxy: --tls-cert bad.pem: not a PEM certificate file (no -----BEGIN CERTIFICATE----- line)' });
  });

  it('certificate and key swapped', async () => {
    const r = await fails(proxy('--tls-cert', 'certs/server.key', '--tls-key', 'certs/server.crt'));
    expect(r).toEqual({ code: 1, line: 'mqttscope proxy: --tls-cert certs/server.key: holds a private key, not a certificate (are --tls-cert and --tls-key swapped?)' });
  });

  it('a key that belongs to another certificate', async () => {
    const r = await fails(proxy('--tls-cert', 'certs/server.crt', '--tls-key', 'other.key'));
    expect(r).toEqual({ code: 1, line: 'mqttscope proxy: --tls-key other.key: does not belong to the certificate in certs/server.crt (CN=localhost)' });
  });

  it('a key with a passphrase', async () => {
    const r = await fails(proxy('--tls-cert', 'certs/server.crt', '--tls-key', 'locked.key'));
    expect(r.code).toBe(1);
    expect(r.line).toMatch(/^mqttscope proxy: --tls-key locked\.key: the private key is protected by a passphrase/);
  });

  it('a missing file', async () => {
    const r = await fails(proxy('--tls-cert', 'nope.crt', '--tls-key', 'certs/server.key'));
    expect(r).toEqual({ code: 1, line: 'mqttscope proxy: --tls-cert nope.crt: cannot read it (no such file)' });
  });

  it('a garbage --cafile is refused at start-up', async () => {
    const r = await fails(proxy('--cafile', 'bad.pem'));
    expect(r).toEqual({ code: 1, line: 'mqttscope proxy: --cafile bad.pem: not a PEM certificate file (no -----BEGIN CERTIFICATE----- line)' });
    const k = await fails(proxy('--cafile', 'certs/ca.key'));
    expect(k).toEqual({ code: 1, line: 'mqttscope proxy: --cafile certs/ca.key: holds a private key, not a CA certificate' });
  });
});

describe('option checks', () => {
  it('up --upstream-tls / --cafile with the broker up starts is a usage error', async () => {
    for (const extra of [['--upstream-tls'], ['--cafile', 'certs/ca.crt'], ['--broker', 'mosquitto', '--upstream-tls']]) {
      const r = await fails(['up', '--listen', '0', '--format', 'line', ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.line).toMatch(/^mqttscope up: --upstream-tls and --cafile are for a broker that speaks TLS, but the (aedes|mosquitto) broker that up starts speaks plain TCP/);
    }
  });

  it('cert --out under a file blames the file, not openssl', async () => {
    await writeFile(join(dir, 'afile'), '');
    const r = await fails(['cert', '--out', 'afile/x']);
    expect(r).toEqual({ code: 2, line: 'mqttscope cert: --out afile/x: afile is a file, not a directory' });
  });

  it('--write to a full device at start-up: one line, exit 1', async () => {
    const r = await fails(['proxy', '--listen', '0', '--upstream', '127.0.0.1:1', '--format', 'line', '--write', '/dev/full']);
    expect(r).toEqual({ code: 1, line: 'mqttscope proxy: --write: cannot write /dev/full: no space left on device (ENOSPC)' });
  });

  it('a bad --filter is a usage error for the TUI too', async () => {
    // Through the CLI (the format named; stdout is a pipe here)...
    const c = cli(['proxy', '--listen', '0', '--upstream', '127.0.0.1:1', '--format', 'tui', '--filter', 'publish &&& qos']);
    expect(await c.exited).toBe(2);
    expect(c.err()).toContain("--filter: single '&'");
    expect(c.err()).toMatch(/publish &&& qos\n\s+\^/);
    // ...and runLive as on a terminal, where the TUI is the default: nothing starts.
    let started = false;
    const cfg = liveConfig({ filter: 'publish &&& qos' }, true);
    expect(cfg.format).toBe('tui');
    await expect(runLive(cfg, { start: async () => { started = true; throw new Error('must not start'); } })).rejects.toThrow(UsageError);
    expect(started).toBe(false);
  });
});

describe('live session', () => {
  it('SIGTERM exits promptly while a client idles in the TLS handshake', async () => {
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const port = await freePort();
    const p = cli(['proxy', '--listen', String(port), '--upstream', `127.0.0.1:${broker.port}`, '--tls-cert', 'certs/server.crt', '--tls-key', 'certs/server.key', '--format', 'line'], dir);
    try {
      await waitFor(() => p.err().includes('proxy listening on'), 15_000, 'the proxy to listen');
      const idle = await connect(port); // raw TCP: never sends a ClientHello
      idle.on('error', () => {});
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const code = await interrupt(p, 'SIGTERM', 5000);
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(p.out()).toMatch(/^-- 0 packets/m);
      idle.destroy();
    } finally {
      p.child.kill('SIGKILL');
      await broker.close();
    }
  });

  it('SIGHUP (the terminal closed) stops up as SIGTERM does: --write is flushed and complete, the summary printed', async () => {
    requireBinary('tshark');
    const port = await freePort();
    const pcap = join(dir, 'hup.pcap');
    const p = cli(['up', '--listen', String(port), '--format', 'line', '--write', pcap], dir);
    try {
      await waitFor(() => p.err().includes('proxy listening on'), 15_000, 'the proxy to listen');
      const r = await pub(port, ['-t', 'hup/x', '-m', 'before the hangup', '-q', '1']);
      expect(r.code).toBe(0);
      const code = await interrupt(p, 'SIGHUP', 5000);
      expect(code).toBe(0);
      expect(p.out()).toMatch(/^-- 5 packets/m);
      // Every packet is in the file (tshark agrees), the connection closed in it.
      const t = await runCmd('tshark', ['-n', '-r', pcap, '-d', `tcp.port==${port},mqtt`, '-T', 'fields', '-e', 'mqtt.msgtype'], 30_000);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout.split('\n').filter(Boolean).join(' ')).toBe('1 2 3 4 14');
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('--filter on finding shows the packets a finding is about, though the finding comes a delivery window later (as read does)', async () => {
    // Anonymous clients may read everything and write nothing: a publish is acked and dropped.
    const broker = await startBroker({ host: '127.0.0.1', port: 0, acl: parseAclFile('topic read #\n', 'read-only.acl') });
    const port = await freePort();
    const p = cli(['proxy', '--listen', String(port), '--upstream', `127.0.0.1:${broker.port}`, '--format', 'json',
      '--delivery-window', '0.3', '--filter', 'finding == "undelivered-publish"']);
    let watcher: ReturnType<typeof sub> | null = null;
    try {
      await waitFor(() => p.err().includes('proxy listening on'), 15_000, 'the proxy to listen');
      watcher = sub(port, ['-i', 'hb-watch', '-t', '#']);
      await new Promise((r) => setTimeout(r, 500)); // the watcher's SUBSCRIBE is through
      await pub(port, ['-i', 'hb-pub', '-q', '1', '-t', 'Room1/Light', '-m', 'Turn On']);
      await waitFor(() => p.out().includes('"undelivered-publish"'), 10_000, 'the finding');
      await waitFor(() => p.out().includes('"PUBLISH"'), 10_000, 'the held-back PUBLISH');
      expect(await interrupt(p)).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      watcher?.child.kill('SIGKILL');
      await broker.close();
    }
    const recs = p.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const shown = recs.filter((r) => r['kind'] !== 'summary').map((r) => (r['kind'] === 'packet' ? `${r['type']} ${r['client_id']}` : r['code']));
    // The publish and its PUBACK (the packets the finding names), then the finding; nothing else passes.
    expect(shown).toEqual(['PUBLISH hb-pub', 'PUBACK hb-pub', 'undelivered-publish']);
  });

  it('with --filter the summary counts what the filter shows, as read does', async () => {
    const broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const port = await freePort();
    const pcap = join(dir, 'filtered.pcap');
    const p = cli(['proxy', '--listen', String(port), '--upstream', `127.0.0.1:${broker.port}`, '--format', 'json', '--filter', 'publish', '--write', pcap]);
    try {
      await waitFor(() => p.err().includes('proxy listening on'), 15_000, 'the proxy to listen');
      await pub(port, ['-i', 'f-pub1', '-q', '1', '-t', 'Room1/Light', '-m', 'Turn On']);
      await pub(port, ['-i', 'f-pub2', '-t', 'Room1/Fan', '-m', 'Off']);
      await waitFor(() => (p.out().match(/"PUBLISH"/g) ?? []).length === 2, 10_000, 'two PUBLISH records');
      await new Promise((r) => setTimeout(r, 300));
      expect(await interrupt(p)).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await broker.close();
    }
    const live = JSON.parse(p.out().trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(live['kind']).toBe('summary');
    expect(live['packets']).toEqual({ PUBLISH: 2 });
    const r = cli(['read', pcap, '--port', String(port), '--format', 'json', '--summary', '--filter', 'publish']);
    expect(await r.exited).toBe(0);
    const read = JSON.parse(r.out().trim()) as Record<string, unknown>;
    for (const k of ['packets', 'findings', 'connections', 'clients', 'bytes', 'per_client', 'per_topic']) {
      expect(live[k], k).toEqual(read[k]);
    }
  });
});
