// replay --username replaces the captured credentials. In MQTT 5 these include the
// Authentication Method and Data of the CONNECT (a token, a SCRAM proof) and the
// client's AUTH packets: none of them may reach the replay's broker. The broker
// here is a plain TCP server that records every byte it receives.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCredentials } from '../../src/replay/credentials.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { conversation, pcapFile } from '../capture/builders.js';
import { parseConnect } from './helpers.js';

const TOKEN = 'PROD-TOKEN-XYZ';
const NEW = { username: 'tester', password: Uint8Array.from(Buffer.from('test-pw')) };

const parse = (bytes: Uint8Array): mqttPacket.IConnectPacket => parseConnect(bytes, 5);

const connect5 = mqttPacket.generate({
  cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 30, clientId: 'tok-c',
  properties: { sessionExpiryInterval: 60, authenticationMethod: 'TOKEN', authenticationData: Buffer.from(TOKEN), userProperties: { k: 'v' } },
  username: 'prod', password: Buffer.from('prod-pw'),
});

describe('withCredentials drops the MQTT 5 Authentication Method and Data', () => {
  it('the other CONNECT properties are kept', () => {
    const out = withCredentials(connect5, NEW)!;
    expect(Buffer.from(out).includes(TOKEN)).toBe(false);
    const p = parse(out);
    expect([p.clientId, p.username, String(p.password), p.keepalive]).toEqual(['tok-c', 'tester', 'test-pw', 30]);
    expect(p.properties?.authenticationMethod).toBeUndefined();
    expect(p.properties?.authenticationData).toBeUndefined();
    expect(p.properties?.sessionExpiryInterval).toBe(60);
    expect(p.properties?.userProperties).toEqual({ k: 'v' });
  });

  it('a CONNECT whose properties do not parse is not rewritten', () => {
    const bad = Buffer.from(connect5);
    // Offsets: 0 header, 1 Remaining Length, 2-7 Protocol Name, 8 Level, 9 Flags, 10-11 Keep Alive, 12 Property Length.
    expect(bad[13]).toBe(0x11); // the first property identifier: Session Expiry Interval
    bad[13] = 0x00; // no property has identifier 0

    expect(withCredentials(bad, NEW)).toBeNull();
  });
});

describe('mqttscope replay --username with an enhanced-authentication capture', () => {
  let dir: string;
  let file: string;
  let server: Server;
  let port: number;
  const received: Buffer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-authdata-'));
    const authC = mqttPacket.generate({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'TOKEN', authenticationData: Buffer.from(`${TOKEN}-2`) } }, { protocolVersion: 5 });
    const authS = mqttPacket.generate({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'TOKEN', authenticationData: Buffer.from('challenge') } }, { protocolVersion: 5 });
    const connack = mqttPacket.generate({ cmd: 'connack', reasonCode: 0, sessionPresent: false }, { protocolVersion: 5 });
    file = join(dir, 'auth.pcap');
    await writeFile(file, pcapFile(conversation([
      { dir: 'c2s', bytes: connect5 },
      { dir: 's2c', bytes: authS },
      { dir: 'c2s', bytes: authC },
      { dir: 's2c', bytes: connack },
      { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
    ])));
    server = createServer((s: Socket) => {
      let sent = false;
      s.on('data', (d) => {
        received.push(d);
        if (!sent && d[0] === 0x10) { sent = true; s.write(connack); }
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends neither the captured Authentication Data nor the client AUTH, and says so', async () => {
    const res = await replay(openCapture(file), { host: '127.0.0.1', port, speed: 'max', answerTimeoutMs: 300, credentials: NEW });
    const bytes = Buffer.concat(received);
    expect(bytes[0]).toBe(0x10); // the CONNECT was sent
    expect(bytes.includes(TOKEN)).toBe(false);
    expect(bytes.includes(0xf0)).toBe(false); // no AUTH packet (first byte 0xF0) in what the broker got
    const report = formatReport(res, `127.0.0.1:${port}`);
    expect(report).toMatch(/- not sent: AUTH \(capture frame \d+\): it carries the captured Authentication Data, which --username replaces/);
    expect(report).not.toContain(TOKEN);
  }, 20000);
});
