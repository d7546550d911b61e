// Two connections in a capture that reuse the same client address and port
// (FIN, then a new SYN) are two replayed connections, not one.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNACK, connectPacket, conversation, pcapFile } from '../capture/builders.js';
import { runCli, startBundledBroker, type Peer } from './helpers.js';

const DISCONNECT = Buffer.from([0xe0, 0x00]);

describe('replay of a reused address/port pair', () => {
  let broker: Peer;
  let file: string;
  beforeAll(async () => {
    broker = await startBundledBroker();
    const one = (id: string, t0: number) => conversation([
      { dir: 'c2s', bytes: connectPacket(id) }, { dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: DISCONNECT },
    ], { t0 });
    // Same 4-tuple and even the same initial sequence numbers, one second apart.
    const first = one('first', 1_700_000_000_000_000);
    const second = one('second', first.at(-1)!.timeUs + 1_000_000);
    file = join(await mkdtemp(join(tmpdir(), 'replay-reuse-')), 'reuse.pcap');
    await writeFile(file, pcapFile([...first, ...second]));
  });
  afterAll(async () => {
    await broker?.stop();
    if (file) await rm(dirname(file), { recursive: true, force: true });
  });

  it('replays both connections, each with its own CONNECT', async () => {
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max']);
    expect(r.stdout).toMatch(/^#1 10\.0\.0\.1:50000-10\.0\.0\.2:1883 client 'first': same answers \(2 packet\(s\) sent, 1 answer\(s\) in the capture, 1 now\)$/m);
    expect(r.stdout).toMatch(/^#2 10\.0\.0\.1:50000-10\.0\.0\.2:1883 client 'second': same answers \(2 packet\(s\) sent, 1 answer\(s\) in the capture, 1 now\)$/m);
    expect(r.stdout).toMatch(/2 connection\(s\) replayed .*: the broker answered exactly as in the capture/);
    expect(r.code).toBe(0);
  });
});
