// A broker that goes away during a replay: the connections after it cannot be
// made. Each was reported as "connection to HOST:PORT: ECONNREFUSED" followed by
// every captured answer as missing (a CONNACK that could never come), one line
// each; now one line says the connection could not be made and why.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket, type Rec } from '../capture/builders.js';

const DISCONNECT = Buffer.from([
  0xe0, // DISCONNECT
  0x00, // Remaining Length
]);
const PUBACK_1 = Buffer.from([
  0x40, // PUBACK
  0x02, // Remaining Length
  0x00, 0x01, // Packet Identifier 1
]);

/** A QoS 1 PUBLISH with packet id 1 and payload 'x'. */
function publishQos1(topic: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x32, 2 + topic.length + 2 + 1]), // PUBLISH QoS 1, Remaining Length
    Buffer.from([0, topic.length]), Buffer.from(topic), // Topic Name
    Buffer.from([0x00, 0x01]), // Packet Identifier 1
    Buffer.from('x'), // payload
  ]);
}

describe('replay against a broker that stops accepting connections', () => {
  let server: net.Server;
  let port: number;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    // A stand-in broker: it answers the first connection's CONNECT, then stops listening.
    server = net.createServer((sock) => {
      server.close();
      sock.on('data', (d) => { if (d[0] === 0x10) sock.write(CONNACK); });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'replay-gone-'));
    const recs: Rec[] = [
      ...conversation([
        { dir: 'c2s', bytes: connectPacket('first') }, { dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: publishPacket('g/t', Buffer.from('1')) }, { dir: 'c2s', bytes: DISCONNECT },
      ], { client: { host: '10.0.0.1', port: 50001 } }),
      ...conversation([
        { dir: 'c2s', bytes: connectPacket('second') }, { dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: publishQos1('g/t') }, { dir: 's2c', bytes: PUBACK_1 }, { dir: 'c2s', bytes: DISCONNECT },
      ], { client: { host: '10.0.0.1', port: 50002 }, t0: 1_700_000_000_100_000 }),
    ];
    file = join(dir, 'gone.pcap');
    await writeFile(file, pcapFile(recs));
  });
  afterAll(async () => {
    server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says the second connection could not be made, without listing its captured answers as missing', async () => {
    const res = await replay(openCapture(file), { host: '127.0.0.1', port, speed: 'max', answerTimeoutMs: 300 });
    expect(res.identical).toBe(false);
    const [first, second] = res.conns as [typeof res.conns[0], typeof res.conns[0]];
    expect([first.connected, first.diffs, first.errors]).toEqual([true, [], []]);
    expect([second.connected, second.sent, second.diffs, second.errors]).toEqual([false, 0, [], ['ECONNREFUSED']]);
    const lines = formatReport(res, `127.0.0.1:${port}`).split('\n');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^#2 .* client 'second': DIFFERENT \(0 of 3 packet\(s\) sent, 2 answer\(s\) in the capture, 0 now\)$/),
      `  could not connect to 127.0.0.1:${port}: connection refused (is a broker listening there?); nothing of this connection was sent`,
      `1 of 2 connection(s) replayed against 127.0.0.1:${port} got different answers`,
      '',
    ]);
  });
});
