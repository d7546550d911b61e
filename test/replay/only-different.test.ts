// replay --only-different: the report lists only the connections whose answers
// differ from the capture, then one line counting those that got the same
// answers, then the usual verdict; the exit status does not change.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { CONNACK, connectPacket, conversation, pcapFile, type Rec } from '../capture/builders.js';
import { runCli } from './helpers.js';

const DISCONNECT = Buffer.from([
  0xe0, // DISCONNECT
  0x00, // Remaining Length
]);
const REFUSED = Buffer.from([
  0x20, // CONNACK
  0x02, // Remaining Length
  0x00, // Connect Acknowledge Flags: no Session Present
  0x05, // Return Code 5: not authorized
]);

describe('mqttscope replay --only-different', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let mixed: string;
  let allSame: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-only-different-'));
    const conn = (id: string, connack: Buffer, i: number): Rec[] => conversation([
      { dir: 'c2s', bytes: connectPacket(id) },
      { dir: 's2c', bytes: connack },
      ...(connack === CONNACK ? [{ dir: 'c2s' as const, bytes: DISCONNECT }] : []),
    ], { client: { host: '10.0.0.1', port: 50000 + i }, t0: 1_700_000_000_000_000 + i * 100_000 });
    // Two clients the anonymous broker accepts as in the capture, one the captured broker refused.
    mixed = join(dir, 'mixed.pcap');
    await writeFile(mixed, pcapFile([...conn('same-1', CONNACK, 0), ...conn('refused', REFUSED, 1), ...conn('same-2', CONNACK, 2)]));
    allSame = join(dir, 'same.pcap');
    await writeFile(allSame, pcapFile(conn('same-3', CONNACK, 3)));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the differing connection only, counts the others, exit 1 as without it', async () => {
    const to = `127.0.0.1:${broker.port}`;
    const full = await runCli(['replay', mixed, '--to', to, '--speed', 'max']);
    const only = await runCli(['replay', mixed, '--to', to, '--speed', 'max', '--only-different']);
    expect(full.stdout).toMatch(/client 'same-1': same answers/);
    const lines = only.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#2 .* client 'refused': DIFFERENT/);
    expect(lines.slice(-2)).toEqual([
      '2 connection(s) got the same answers as in the capture (not listed: --only-different)',
      `1 of 3 connection(s) replayed against ${to} got different answers`,
    ]);
    expect(only.stdout).not.toMatch(/same answers \(/);
    // The differing block is the one the full report has.
    const block = (s: string): string => s.split('\n').filter((l) => l.startsWith('#2 ') || l.startsWith('  ')).join('\n');
    expect(block(only.stdout)).toBe(block(full.stdout));
    expect([only.code, full.code]).toEqual([1, 1]);
  });

  it('all the same: the count line and the verdict, exit 0', async () => {
    const to = `127.0.0.1:${broker.port}`;
    const r = await runCli(['replay', allSame, '--to', to, '--speed', 'max', '--only-different']);
    expect(r.stdout).toBe(`1 connection(s) got the same answers as in the capture (not listed: --only-different)\n1 connection(s) replayed against ${to}: the broker answered exactly as in the capture\n`);
    expect(r.code).toBe(0);
  });
});
