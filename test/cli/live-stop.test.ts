// `mqttscope proxy` ending other than by one Ctrl-C:
// - its output reader went away (`mqttscope proxy … | head`): one stderr line says why it
//   stops (before, it exited without a word and clients were then refused), --write is
//   finished, exit 0;
// - SIGHUP twice (a closing terminal may send two): the second one does not kill it half
//   way through its cleanup (before, the first SIGHUP was handled with process.once, so the
//   second took the default action and the --write file lost what was not yet flushed).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { connectPacket } from '../capture/builders.js';
import { type LiveChild, sleep, startLive, until } from './live-child.js';


/** CONNECT through the proxy and (unless told not to) wait for the CONNACK (4 bytes); the socket stays open. */
async function connectThrough(port: number, id: string, waitAck = true): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  let got = 0;
  sock.on('data', (d: Buffer) => { got += d.length; });
  sock.on('error', () => undefined);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(connectPacket(id));
  if (waitAck) await until(() => got >= 4, 'the CONNACK');
  return sock;
}

describe('mqttscope proxy stopping', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'live-stop-'));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function start(pcap: string): Promise<LiveChild> {
    return startLive('proxy', ['--upstream', `127.0.0.1:${broker.port}`, '--format', 'line', '--write', pcap]);
  }

  it('the output reader exits: one line says why, --write is finished, exit 0', async () => {
    const pcap = join(dir, 'pipe.pcap');
    const p = await start(pcap);
    // The reader of stdout goes away (as `| head` does once it has its lines).
    p.child.stdout!.destroy();
    // Its line is the first write to the closed pipe: the proxy stops, maybe before the CONNACK.
    const sock = await connectThrough(p.port, 'pipe-gone', false);
    const [code, signal] = await p.exited;
    sock.destroy();
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(p.err()).toContain(`mqttscope: stopping: the output pipe closed (the program reading stdout exited), so the proxy stops accepting clients and finishes ${pcap}\n`);
    // The CONNECT the proxy saw is in the capture.
    expect(readFileSync(pcap).includes(Buffer.from('pipe-gone'))).toBe(true);
  }, 20_000);

  it('SIGHUP twice: stopped cleanly, exit 0, the --write file complete', async () => {
    const pcap = join(dir, 'hup.pcap');
    const p = await start(pcap);
    p.child.stdout!.resume();
    const sock = await connectThrough(p.port, 'hup-twice');
    p.child.kill('SIGHUP');
    // Another a moment later, while it stops (not merged with the first).
    await sleep(1);
    p.child.kill('SIGHUP');
    const [code, signal] = await p.exited;
    sock.destroy();
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(readFileSync(pcap).includes(Buffer.from('hup-twice'))).toBe(true);
  }, 20_000);
});
