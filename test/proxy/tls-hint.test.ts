// The start-up hint for TLS clients names the CA file that `mqttscope cert` wrote next to
// the server certificate (it said `--cafile ca.crt`, a file not in the working directory).
import { mkdtemp, rm, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/peers.js';
import { startLive, until, type LiveChild } from '../cli/live-child.js';
import { cli, ROOT } from './cli-run.js';

let live: LiveChild | null = null;
const dirs: string[] = [];
afterEach(async () => {
  if (live) { live.child.kill('SIGKILL'); await live.exited; live = null; }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function certs(): Promise<string> {
  requireBinary('openssl');
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-tlshint-'));
  dirs.push(dir);
  const c = cli(['cert', '--out', dir], ROOT);
  expect(await c.exited).toBe(0);
  return dir;
}

describe('TLS client hint', () => {
  it('up: names the ca.crt beside --tls-cert', async () => {
    const dir = await certs();
    live = await startLive('up', ['--format', 'line', '--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key')]);
    await until(() => live!.err().includes('try: '), 'the client hint');
    expect(live.err()).toContain(`try: mosquitto_pub -p ${live.port} --cafile ${join(dir, 'ca.crt')} -t Room1/Light`);
  });

  it('proxy: a placeholder when there is no ca.crt beside the certificate', async () => {
    const dir = await certs();
    await rename(join(dir, 'ca.crt'), join(dir, 'elsewhere.crt'));
    live = await startLive('proxy', ['--upstream', '127.0.0.1:1', '--format', 'line', '--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key')]);
    await until(() => live!.err().includes('try: '), 'the client hint');
    expect(live.err()).toContain(`try: mosquitto_pub -p ${live.port} --cafile CA_FILE -t Room1/Light`);
  });
});
