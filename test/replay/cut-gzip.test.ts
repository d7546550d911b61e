// A gzip-compressed capture cut short is replayed as far as it goes, with a
// line on stderr saying so and exit 1 (it used to end in a stack trace).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';
import { runCli, startBundledBroker, type Peer } from './helpers.js';

describe('replay of a cut gzip-compressed capture', () => {
  let broker: Peer;
  let file: string;
  beforeAll(async () => {
    broker = await startBundledBroker();
    const gz = gzipSync(readFileSync(resolve(ROOT, 'captures/acl.pcap')));
    file = join(await mkdtemp(join(tmpdir(), 'replay-cut-')), 'acl.pcap.gz');
    await writeFile(file, gz.subarray(0, Math.floor(gz.length * 0.85)));
  });
  afterAll(async () => {
    await broker?.stop();
    if (file) await rm(dirname(file), { recursive: true, force: true });
  });

  it('replays what was read, says the file ends early, exits 1', async () => {
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--suffix-client-ids=-cut']);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr).toContain(`mqttscope replay: ${file}: the gzip-compressed file ends early (it was cut short); what came before is decoded\n`);
    expect(r.stdout).toMatch(/client 'p-ok' \(sent as 'p-ok-cut'\): same answers/);
    expect(r.stdout).toMatch(/connection\(s\) replayed against/);
    expect(r.code).toBe(1);
  });
});
