// A file that is no capture (or one cut inside its file header) given to replay: stdout
// says the file could not be read, not that the capture lacks MQTT connections on the
// right ports, which sent users looking for a --port that would not help.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/peers.js';
import { runCli } from './helpers.js';

describe('replay: a file that is not a capture', () => {
  const dirs: string[] = [];
  /** A new directory in the system temp dir, removed after the tests. */
  const tempDir = async (prefix: string): Promise<string> => { const d = await mkdtemp(join(tmpdir(), prefix)); dirs.push(d); return d; };
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  const cases: { name: string; bytes: Buffer; why: RegExp }[] = [
    { name: 'notes.txt', bytes: Buffer.from('hello, not a capture\n'), why: /unknown file magic 68656c6c/ },
    // The pcap magic (microseconds, little-endian) and 6 of the 20 header bytes that follow it.
    { name: 'cut-header.pcap', bytes: Buffer.from('d4c3b2a1020004000000', 'hex'), why: /ends inside the 24-byte pcap file header/ },
    { name: 'empty.pcap', bytes: Buffer.alloc(0), why: /the file is empty/ },
  ];
  for (const c of cases) {
    it(`${c.name}: names the file and the reason on stdout and stderr, exit 1`, async () => {
      const file = join(await tempDir('replay-notcap-'), c.name);
      await writeFile(file, c.bytes);
      const r = await runCli(['replay', file, '--to', `127.0.0.1:${await freePort()}`, '--speed', 'max']);
      expect(r.stdout).toContain(`nothing was replayed: ${file} could not be read as a pcap or pcapng capture (`);
      expect(r.stdout).toMatch(c.why);
      expect(r.stdout).not.toMatch(/--port/);
      expect(r.stderr).toContain(`mqttscope replay: ${file}: `);
      expect(r.code).toBe(1);
    });
  }

  it('a directory: one line naming it, no stack trace, exit 1', async () => {
    const dir = await tempDir('replay-dir-');
    const r = await runCli(['replay', dir, '--to', `127.0.0.1:${await freePort()}`]);
    expect(r.stderr.trim()).toBe(`mqttscope replay: ${dir}: not a regular file`);
    expect(r.code).toBe(1);
  });
});
