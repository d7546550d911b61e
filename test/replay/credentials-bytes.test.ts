// replay --credentials with captured user names that are not well-formed UTF-8
// (an MQTT 3.1.1 client may send any bytes in the User Name [MQTT-1.5.3-1 is
// the client's duty, a capture holds what was sent]). The user name is matched
// against the file byte for byte, sent as captured (never re-encoded: U+FFFD
// would be EF BF BD), and named on stderr with its bytes escaped.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedUserName, parseCredentialsFile } from '../../src/replay/index.js';
import { CONNACK, conversation, pcapFile, type Rec } from '../capture/builders.js';
import { runCli } from './helpers.js';

/** An MQTT 3.1.1 CONNECT with Client Identifier "c", the User Name `user` (bytes) and the Password `pass`. */
function connect311(user: number[], pass: number[]): Buffer {
  return Buffer.from([
    0x10, // CONNECT
    10 + 3 + 2 + user.length + 2 + pass.length, // Remaining Length
    0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
    0x04, // Protocol Level 4 (3.1.1)
    0xc2, // Connect Flags: User Name, Password, Clean Session
    0x00, 0x3c, // Keep Alive 60
    0x00, 0x01, 0x63, // Client Identifier "c"
    0x00, user.length, ...user, // User Name
    0x00, pass.length, ...pass, // Password
  ]);
}

// "caf" then 0xE9 (é in Latin-1: not UTF-8), and "caf" then 0xE8 (è in Latin-1).
const CAFE_E9 = [0x63, 0x61, 0x66, 0xe9];
const CAFE_E8 = [0x63, 0x61, 0x66, 0xe8];

describe('capturedUserName and parseCredentialsFile keep the bytes', () => {
  it('two user names that differ only in bytes that are not UTF-8 are two lines', () => {
    const m = parseCredentialsFile(Buffer.concat([Buffer.from(CAFE_E9), Buffer.from(':one\n'), Buffer.from(CAFE_E8), Buffer.from(':two\n')]));
    expect(m.size).toBe(2);
  });

  it('reads the User Name bytes of a CONNECT, null without one', () => {
    expect([...capturedUserName(connect311(CAFE_E9, [0x70]))!]).toEqual(CAFE_E9);
    expect(capturedUserName(Buffer.from([
      0x10, 13, // CONNECT, Remaining Length
      0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
      0x04, // Protocol Level 4
      0x02, // Connect Flags: Clean Session only
      0x00, 0x3c, // Keep Alive 60
      0x00, 0x01, 0x63, // Client Identifier "c"
    ]))).toBeNull();
  });
});

describe('mqttscope replay --credentials with a user name that is not UTF-8', () => {
  let dir: string;
  let file: string;
  let server: net.Server;
  let port: number;
  const received: Buffer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-creds-bytes-'));
    // Two clients: user caf\xE9 (in the file) and caf\xE8 (not in it).
    const recs: Rec[] = [];
    [CAFE_E9, CAFE_E8].forEach((user, i) => {
      recs.push(...conversation([
        { dir: 'c2s', bytes: connect311(user, [0x70, 0x72, 0x6f, 0x64]) }, // captured password "prod"
        { dir: 's2c', bytes: CONNACK },
        { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
      ], { client: { host: '10.0.0.1', port: 50000 + i }, t0: 1_700_000_000_000_000 + i * 100_000 }));
    });
    file = join(dir, 'latin1.pcap');
    await writeFile(file, pcapFile(recs));
    // A broker stand-in: records what each connection sent, answers CONNACK 0.
    server = net.createServer((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (d) => {
        chunks.push(d);
        if (chunks.length === 1) s.write(CONNACK);
      });
      s.on('close', () => received.push(Buffer.concat(chunks)));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('matches the line with the same bytes, sends the captured user name bytes, escapes the other on stderr', async () => {
    const creds = join(dir, 'creds');
    // Line 1: caf\xE9 with password "test"; there is no line for caf\xE8.
    await writeFile(creds, Buffer.concat([Buffer.from(CAFE_E9), Buffer.from(':test\n')]));
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${port}`, '--speed', 'max', '--credentials', creds]);
    expect(r.stderr).toBe(`mqttscope replay: --credentials ${creds}: no line for user name 'caf\\xe8' (not UTF-8; 1 connection(s)); its CONNECT was sent with the captured password\n`);
    const connects = received.map((b) => b.subarray(0, b[1]! + 2).toString('hex')).sort();
    expect(connects).toEqual([
      connect311(CAFE_E9, [0x74, 0x65, 0x73, 0x74]).toString('hex'), // caf\xE9 with password "test" from the file
      connect311(CAFE_E8, [0x70, 0x72, 0x6f, 0x64]).toString('hex'), // caf\xE8 as captured
    ].sort());
  });
});
