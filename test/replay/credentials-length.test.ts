// replay --username/--password(-file) longer than a CONNECT can carry (a two-byte
// length: 65535 bytes) is a usage error naming the option and the length, not a
// "could not be parsed" line for every connection; the password is never printed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNACK, conversation, pcapFile } from '../capture/builders.js';
import { runCli } from './helpers.js';

describe('replay credentials longer than 65535 bytes', () => {
  let dir: string;
  let file: string;
  let pwFile: string;
  const long = 'Q'.repeat(70000);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-credlen-'));
    file = join(dir, 'c.pcap');
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'len-c' });
    await writeFile(file, pcapFile(conversation([{ dir: 'c2s', bytes: connect }, { dir: 's2c', bytes: CONNACK }])));
    pwFile = join(dir, 'pw');
    await writeFile(pwFile, `${long}\n`);
  });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  // Port 9 (discard): the checks come before any connection is made.
  it('--password-file', async () => {
    const r = await runCli(['replay', file, '--to', '127.0.0.1:9', '--username', 'u', '--password-file', pwFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('its first line (the password) is 70000 bytes; an MQTT CONNECT carries at most 65535');
    expect(r.stderr + r.stdout).not.toContain('QQQQ');
  });

  it('--password', async () => {
    const r = await runCli(['replay', file, '--to', '127.0.0.1:9', '--username', 'u', '--password', long]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password: the password is 70000 bytes; an MQTT CONNECT carries at most 65535');
    expect(r.stderr + r.stdout).not.toContain('QQQQ');
  });

  it('--username', async () => {
    const r = await runCli(['replay', file, '--to', '127.0.0.1:9', '--username', long]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--username: the user name is 70000 bytes; an MQTT CONNECT carries at most 65535');
  });
});
