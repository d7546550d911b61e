// Capture notes on stderr name the frame once ("frame N: …"), also when the
// note's own text already starts with it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pcapFile } from '../capture/builders.js';
import { freePort } from '../helpers/peers.js';
import { runCli } from './helpers.js';

describe('replay: capture notes on stderr', () => {
  const dirs: string[] = [];
  /** A new directory in the system temp dir, removed after the tests. */
  const tempDir = async (prefix: string): Promise<string> => { const d = await mkdtemp(join(tmpdir(), prefix)); dirs.push(d); return d; };
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('a frame too short for its link layer is reported as "frame 1: …", once', async () => {
    const file = join(await tempDir('replay-notes-'), 'short.pcap');
    // A 6-byte Ethernet "frame": the link-layer header is cut short.
    await writeFile(file, pcapFile([{ timeUs: 1_700_000_000_000_000, data: Buffer.alloc(6) }]));
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${await freePort()}`, '--speed', 'max']);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^mqttscope replay: ${file.replace(/[.]/g, '\\.')}: frame 1: \\S`));
    expect(r.stderr).not.toMatch(/frame 1: frame 1:/);
    expect(r.stdout).toMatch(/no MQTT client connections in the capture/);
    expect(r.code).toBe(1);
  });
});
