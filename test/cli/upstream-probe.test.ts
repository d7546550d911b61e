// `mqttscope proxy` checks once at start whether its upstream answers (a TCP connect, with
// --upstream-tls the handshake, then closed without MQTT bytes) and warns in one line when
// it does not, and keeps running. Before, the user learnt it only when the first client
// was dropped. The check goes straight to the broker, so it is in neither the analysis
// nor the --write file.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { freePort } from '../helpers/peers.js';
import { type LiveChild, sleep, startLive, until } from './live-child.js';

type Proc = LiveChild;

function proxy(upstream: string, extra: string[] = [], cmd: 'proxy' | 'up' = 'proxy'): Promise<Proc> {
  return startLive(cmd, [cmd === 'proxy' ? '--upstream' : '--broker', upstream, '--format', 'line', ...extra]);
}

async function stop(p: Proc): Promise<number | null> {
  p.child.kill('SIGINT');
  return (await p.exited)[0];
}

describe('proxy: the upstream checked at start', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'upstream-probe-'));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('nothing listening there: one warning line naming the upstream, and it keeps running', async () => {
    const dead = await freePort();
    const p = await proxy(`127.0.0.1:${dead}`);
    await until(() => p.err().includes('warning'), 'the warning');
    await sleep(200);
    expect(p.child.exitCode).toBeNull();
    expect(p.err().split('\n').filter((l) => l.includes('warning'))).toEqual([
      `mqttscope: warning: upstream 127.0.0.1:${dead} refused the connection (checked at start); clients are dropped until a broker answers there; the proxy keeps listening`,
    ]);
    expect(await stop(p)).toBe(0);
  }, 20_000);

  it('up --broker HOST:PORT with nothing listening there: the same warning', async () => {
    const dead = await freePort();
    const p = await proxy(`127.0.0.1:${dead}`, [], 'up');
    await until(() => p.err().includes('warning'), 'the warning');
    expect(p.err()).toContain(`mqttscope: warning: upstream 127.0.0.1:${dead} refused the connection (checked at start); clients are dropped until a broker answers there; the proxy keeps listening\n`);
    expect(await stop(p)).toBe(0);
  }, 20_000);

  it('--upstream-tls to a plain MQTT port: the warning says the handshake failed', async () => {
    const p = await proxy(`127.0.0.1:${broker.port}`, ['--upstream-tls']);
    await until(() => p.err().includes('warning'), 'the warning');
    expect(p.err()).toMatch(new RegExp(`mqttscope: warning: upstream mqtts://127\\.0\\.0\\.1:${broker.port} (closed the connection during the TLS handshake|did not answer in TLS) \\(is this a plain MQTT port\\? then leave out --upstream-tls and --cafile\\) \\(checked at start\\)`));
    expect(await stop(p)).toBe(0);
  }, 20_000);

  it('something listening there: no warning, no byte sent, and the check is in neither the view nor the --write file', async () => {
    const pcap = join(dir, 'quiet.pcap');
    let conns = 0;
    let bytes = 0;
    const server = net.createServer((s) => { conns++; s.on('data', (d) => { bytes += d.length; }); s.on('error', () => undefined); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const p = await proxy(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, ['--write', pcap]);
      await until(() => conns > 0, 'the check to connect');
      await sleep(300);
      expect(await stop(p)).toBe(0);
      expect(p.err()).not.toContain('warning');
      // A connect and a close: no MQTT bytes.
      expect([conns, bytes]).toEqual([1, 0]);
      // Only the summary line: no packet, no connection.
      expect(p.out()).toMatch(/^-- 0 packets/);
      // The pcap global header and nothing else.
      expect(readFileSync(pcap).length).toBe(24);
    } finally {
      server.close();
    }
  }, 20_000);
});
