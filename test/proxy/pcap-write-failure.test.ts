// A --write file that cannot be written any more (disk full, a reader that went
// away) stops the recording with one log line; forwarding goes on unchanged.
// The failure is real: the pcap goes into a FIFO whose reader (`head -c 24`)
// takes the global header and exits, so the next write gets EPIPE from the kernel.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PcapFileSink } from '../../src/capture/pcap-writer.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { describeFsError } from '../../src/proxy/pcap-tap.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { cli, interrupt } from './cli-run.js';
import { collect, connect, prng, randomBytes, randomChunks, rawServer, sha256, testProxy, waitFor, writeChunks } from './helpers.js';

/**
 * A FIFO whose reader reads the 24-byte pcap header and exits. Open it (for writing) after
 * calling this, from a test: its directory is removed when the test finishes.
 */
async function shortLivedFifo(): Promise<{ path: string; readerGone: Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-fifo-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'live.pcap');
  execFileSync(requireBinary('mkfifo'), [path]);
  const head = spawn(requireBinary('head'), ['-c', '24', path], { stdio: ['ignore', 'ignore', 'inherit'] });
  const readerGone = new Promise<void>((r) => head.once('close', () => r()));
  return { path, readerGone };
}

/** Push `bytes` client → broker through the proxy; the broker side must get them unchanged. */
async function pushThrough(proxyPort: number, server: Awaited<ReturnType<typeof rawServer>>, bytes: Buffer, seed: number): Promise<void> {
  const client = await connect(proxyPort);
  const srv = await server.next();
  const got = collect(srv);
  await writeChunks(client, randomChunks(bytes, prng(seed), 40_000), prng(seed + 1));
  client.end();
  await got.ended;
  expect(sha256(got.chunks)).toBe(sha256([bytes]));
  srv.end();
}

describe('--write failures', () => {
  for (const [name, opts] of [
    ['the 1 s timer flush (the crash in the field)', { flushIntervalMs: 20, maxBuffered: 1 << 30 }],
    ['a flush forced by the buffer limit', { flushIntervalMs: 60_000, maxBuffered: 4096 }],
  ] as const) {
    it(`${name}: recording stops with one line, forwarding goes on`, async () => {
      const fifo = await shortLivedFifo();
      const lines: string[] = [];
      const pcap = new PcapTap(fifo.path, { ...opts, onError: (l) => lines.push(l) });
      await fifo.readerGone;
      const server = await rawServer();
      const proxy = await testProxy(server.port, { taps: [pcap] });
      try {
        await pushThrough(proxy.port, server, randomBytes(300_000), 1);
        await waitFor(() => lines.length > 0, 5000, 'the recording to stop');
        // More traffic after the failure: still forwarded, nothing more logged.
        await pushThrough(proxy.port, server, randomBytes(200_000), 2);
        await new Promise((r) => setTimeout(r, 100));
        await waitFor(() => proxy.stats().active === 0);
        expect(lines).toEqual([`recording to ${fifo.path} stopped: broken pipe (EPIPE); the proxy keeps forwarding`]);
        expect(pcap.failed?.code).toBe('EPIPE');
        expect(proxy.logs).toEqual([]); // the tap was not dropped as a failing recorder
        expect(proxy.stats().bytesC2S).toBe(500_000);
        // The decoder still sees every byte (it runs after the pcap tap).
        expect(proxy.stats().decodeFailures).toBe(0);
      } finally {
        await proxy.close();
        pcap.finish(nowUs()); // must not throw either
        await server.close();
      }
    });
  }

  it('the sink cuts a failed file after its last whole record and never throws', async () => {
    // A full disk needs a small file system mounted (root); the FIFO gives the same
    // path through the sink: one report, `written` back to the last whole write, a quiet close().
    const fifo = await shortLivedFifo();
    const errors: string[] = [];
    const sink = new PcapFileSink(fifo.path, { flushIntervalMs: 60_000, onError: (e) => errors.push(e.code ?? '') });
    await fifo.readerGone;
    sink.write(Buffer.alloc(100_000, 1));
    sink.flush();
    sink.write(Buffer.alloc(10, 2));
    sink.flush();
    sink.close();
    expect(errors).toEqual(['EPIPE']);
    expect(sink.written).toBe(24);
    expect(sink.failed?.code).toBe('EPIPE');
  });

  it('describes file system errors in words with the code', () => {
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(describeFsError(e)).toBe('no space left on device (ENOSPC)');
    const o = Object.assign(new Error("EACCES: permission denied, open '/x.pcap'"), { code: 'EACCES' });
    expect(describeFsError(o)).toBe('permission denied (EACCES)');
  });
});

describe('--write when the proxy cannot start', () => {
  it('a port in use leaves no header-only file behind and does not truncate a capture already at the path', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-write-start-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    try {
      const fresh = join(dir, 'new.pcap');
      const kept = join(dir, 'seed.pcap');
      const before = Buffer.from('an earlier capture the user wants to keep');
      writeFileSync(kept, before);
      for (const path of [fresh, kept]) {
        const run = cli(['proxy', '--listen', `127.0.0.1:${port}`, '--upstream', '127.0.0.1:1883', '--write', path]);
        expect(await run.exited).not.toBe(0);
        expect(run.err()).toContain('is already in use');
      }
      expect(existsSync(fresh)).toBe(false);
      expect(readFileSync(kept)).toEqual(before);
      expect(readdirSync(dir).sort()).toEqual(['seed.pcap']); // no staging file left either
    } finally {
      blocker.close();
    }
  });

  it('once listening, the recording is at the path itself and readable while it grows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-write-start-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'live.pcap');
    const port = await freePort();
    const run = cli(['proxy', '--listen', `127.0.0.1:${port}`, '--upstream', '127.0.0.1:1883', '--write', path]);
    try {
      await waitFor(() => run.err().includes('proxy listening'));
      expect(readdirSync(dir)).toEqual(['live.pcap']);
      expect(readFileSync(path).subarray(0, 4)).toEqual(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1])); // pcap magic, microseconds
    } finally {
      await interrupt(run);
    }
  });
});
