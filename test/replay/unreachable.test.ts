// A broker that cannot be reached is one clear line on stderr and exit 1, not a
// "DIFFERENT ... ECONNREFUSED" block per captured connection on stdout.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture, replay } from '../../src/replay/index.js';
import { freePort } from '../helpers/peers.js';
import { ROOT } from '../read/run.js';
import { runCli } from './helpers.js';

const CAP = resolve(ROOT, 'captures/acl.pcap'); // 5 connections

describe('replay against a port where nothing listens', () => {
  it('the player stops at the first connection and says why', async () => {
    const port = await freePort();
    const res = await replay(openCapture(CAP), { host: '127.0.0.1', port, speed: 'max' });
    expect(res.unreachable).toBe('ECONNREFUSED');
    expect(res.identical).toBe(false);
  });
  it('the CLI prints one line and exits 1', async () => {
    const port = await freePort();
    const r = await runCli(['replay', CAP, '--to', `127.0.0.1:${port}`, '--speed', 'max']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`mqttscope replay: cannot connect to 127.0.0.1:${port}: connection refused (is a broker listening there?); nothing was replayed\n`);
  });
});
