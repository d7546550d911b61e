// The replay report prints captured client ids and topics: network data. A control
// character in them (ESC starting a terminal escape sequence, a line break) is shown
// as \xNN, so a captured peer cannot rewrite the operator's terminal or fake report lines.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, connectPacket, conversation, pcapFile } from '../capture/builders.js';

// Client id: "x", ESC "[2J" (clear screen), LF, "y".
const ID = 'x\x1b[2J\ny';
// Topic: "t", ESC "]0;owned", BEL (set the window title).
const TOPIC = 't\x1b]0;owned\x07';

describe('replay report: captured strings are made safe for a terminal', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'replay-terminal-'));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('client id and topic with control characters are shown as \\xNN', async () => {
    const topic = Buffer.from(TOPIC);
    // Connection 1: the client id (the bundled broker refuses it and closes: also a difference).
    const first = conversation([
      { dir: 'c2s', bytes: connectPacket(ID) },
      { dir: 's2c', bytes: CONNACK },
    ], { client: { host: '10.0.0.1', port: 50000 } });
    // Connection 2: the topic, in a delivery the captured broker sent (and nobody publishes now).
    const second = conversation([
      { dir: 'c2s', bytes: connectPacket('sub') },
      { dir: 's2c', bytes: CONNACK },
      { dir: 's2c', bytes: Buffer.from([
        0x30, // PUBLISH QoS 0
        2 + topic.length + 1, // Remaining Length
        0x00, topic.length, ...topic, // Topic Name
        0x31, // Payload "1"
      ]) },
      { dir: 'c2s', bytes: Buffer.from([
        0xe0, // DISCONNECT
        0x00, // Remaining Length
      ]) },
    ], { client: { host: '10.0.0.1', port: 50001 }, t0: 1_700_000_001_000_000 });
    const recs = [...first, ...second];
    const file = join(dir, 'escapes.pcap');
    await writeFile(file, pcapFile(recs));
    const res = await replay(openCapture(file), { host: broker.host, port: broker.port, speed: 'max', answerTimeoutMs: 300 });
    const text = formatReport(res, 'x', '-r');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(text).toContain("client 'x\\x1b[2J\\x0ay' (sent as 'x\\x1b[2J\\x0ay-r'): DIFFERENT");
    expect(text).toContain("- missing: PUBLISH 't\\x1b]0;owned\\x07' QoS 0 (capture frame 14) was not sent now");
  });
});
