// --write to a FIFO (to watch live in Wireshark: wireshark -k -i FIFO). Opening a FIFO
// that no reader has open blocks the whole process until one does; before, mqttscope
// hung there without a word. Now one line says what it waits for, and the recording
// then streams to the reader (here tshark reading the FIFO).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { connectPacket } from './helpers.js';

describe('proxy --write to a FIFO', () => {
  it('says it waits for a reader before blocking, then streams the recording to it', async () => {
    const tsharkBin = requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-fifo-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const fifo = join(dir, 'live.pcap');
    execFileSync('mkfifo', [fifo]);
    // The reader opens the FIFO only after half a second: a separate process, as the open below blocks this one.
    const reader = spawn('sh', ['-c', `sleep 0.5; exec "${tsharkBin}" -n -r "${fifo}" -d tcp.port==1883,mqtt -T fields -e tcp.srcport -e mqtt.msgtype`]);
    let out = '';
    reader.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((r) => reader.once('close', r));
    const lines: string[] = [];
    const tap = new PcapTap(fifo, { onError: (l) => lines.push(l) });
    expect(lines).toEqual([`recording to ${fifo}: waiting for a reader to open this FIFO (e.g. wireshark -k -i ${fifo}); nothing is forwarded until one does`]);
    const meta = { id: 'f1', client: { host: '127.0.0.1', port: 50400 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' } as unknown as Parameters<PcapTap['open']>[0];
    tap.open(meta, 1_700_000_000_000_000);
    tap.data('f1', 'c2s', connectPacket('fifo'), 1_700_000_000_000_010);
    tap.close('f1', 1_700_000_000_000_020, 'fin', 'c2s');
    tap.finish(1_700_000_000_000_030);
    expect(await exited).toBe(0);
    // Handshake (3), the CONNECT (message type 1) from the client port, FIN, FIN, ACK.
    expect(out.trim().split('\n').map((l) => l.split('\t')[1] ?? '')).toEqual(['', '', '', '1', '', '', '']);
    expect(tap.failed).toBeNull();
  }, 30_000);

  it('with the reader already waiting (wireshark started first): no line, and the reader gets the whole recording', async () => {
    const tsharkBin = requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-fifo-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const fifo = join(dir, 'live.pcap');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn(tsharkBin, ['-n', '-r', fifo, '-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'mqtt.msgtype']);
    let out = '';
    reader.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((r) => reader.once('close', r));
    await new Promise((r) => setTimeout(r, 500)); // tshark is blocked opening the FIFO
    const lines: string[] = [];
    const tap = new PcapTap(fifo, { onError: (l) => lines.push(l) });
    const meta = { id: 'f2', client: { host: '127.0.0.1', port: 50401 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' } as unknown as Parameters<PcapTap['open']>[0];
    tap.open(meta, 1_700_000_000_000_000);
    tap.data('f2', 'c2s', connectPacket('fifo2'), 1_700_000_000_000_010);
    tap.finish(1_700_000_000_000_020);
    expect(await exited).toBe(0);
    expect(lines).toEqual([]);
    // Handshake (3), the CONNECT, then the FIN exchange the proxy ends it with (3).
    expect(out.split('\n').filter((l, i, all) => i < all.length - 1)).toEqual(['', '', '', '1', '', '', '']);
  }, 30_000);
});
