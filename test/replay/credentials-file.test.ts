// replay --credentials F: a capture with several users is replayed against a
// test broker whose accounts have other passwords; each CONNECT keeps its
// captured user name and gets that user's password from F (USER:PASSWORD lines,
// the plain mosquitto password-file format). Passwords are never printed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { parseCredentialsFile } from '../../src/replay/index.js';
import { CONNACK, conversation, pcapFile, publishPacket, type Rec } from '../capture/builders.js';
import { runCli } from './helpers.js';

const text = (m: Map<string, Uint8Array>): [string, string][] => [...m].map(([u, p]) => [u, Buffer.from(p).toString('latin1')]);

describe('parseCredentialsFile', () => {
  it('reads USER:PASSWORD lines; comments and empty lines skipped; CRLF; a colon belongs to the password', () => {
    const m = parseCredentialsFile(Buffer.from('# test accounts\n\nalice:a:b:c\r\nbob:\ncarol:pw'));
    expect(text(m)).toEqual([['alice', 'a:b:c'], ['bob', ''], ['carol', 'pw']]);
  });

  it('names the line of a line it cannot use, never the password', () => {
    const err = (s: string): string => { try { parseCredentialsFile(Buffer.from(s)); return 'no error'; } catch (e) { return (e as Error).message; } };
    expect(err('alice:x\nno-colon-here\n')).toBe("line 2 has no ':' (expected USER:PASSWORD)");
    expect(err(':secret-1\n')).toBe("line 1: the user name before ':' is empty");
    expect(err('alice:secret-1\nalice:secret-2\n')).toBe("line 2: user name 'alice' is already on an earlier line");
    const hashed = err('alice:$7$101$c2FsdA==$aGFzaGhhc2g=\n');
    expect(hashed).toMatch(/^line 1: the password of 'alice' is a mosquitto password hash \(\$7\$…\); --credentials needs the plain passwords/);
    expect(hashed).not.toMatch(/101|c2Fsd/);
  });
});

describe('mqttscope replay --credentials', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  let creds: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-creds-file-'));
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, 'alice:alice-test-pw\nbob:bob-test-pw\ncarol:carol-test-pw\n');
    broker = await startBroker({ host: '127.0.0.1', port: 0, passwd });
    creds = join(dir, 'creds');
    await writeFile(creds, '# accounts of the test broker\r\nalice:alice-test-pw\r\nbob:bob-test-pw\r\n');
    // Three production clients, each with its own user name and production password.
    const recs: Rec[] = [];
    ['alice', 'bob', 'carol'].forEach((user, i) => {
      const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: `${user}-c`, username: user, password: Buffer.from(`${user}-prod-pw`) });
      recs.push(...conversation([
        { dir: 'c2s', bytes: connect },
        { dir: 's2c', bytes: CONNACK },
        { dir: 'c2s', bytes: publishPacket(`creds/${user}`, Buffer.from('1')) },
        { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
      ], { client: { host: '10.0.0.1', port: 50000 + i }, t0: 1_700_000_000_000_000 + i * 100_000 }));
    });
    file = join(dir, 'users.pcap');
    await writeFile(file, pcapFile(recs));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each user gets its own password; a user not in the file is sent as captured and named on stderr', async () => {
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--credentials', creds]);
    expect(r.stdout).toMatch(/client 'alice-c': same answers \(3 packet\(s\) sent/);
    expect(r.stdout).toMatch(/client 'bob-c': same answers \(3 packet\(s\) sent/);
    expect(r.stdout).toMatch(/client 'carol-c': DIFFERENT[^#]*\n {2}~ CONNACK 0x00 Connection Accepted in the capture, 0x05 Connection Refused, not authorized now/);
    expect(r.stderr).toBe(`mqttscope replay: --credentials ${creds}: no line for user name 'carol' (1 connection(s)); its CONNECT was sent with the captured password\n`);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/-pw/);
  });

  it('usage: --credentials with --username is an error; a hashed password file is refused', async () => {
    const to = `127.0.0.1:${broker.port}`;
    const both = await runCli(['replay', file, '--to', to, '--credentials', creds, '--username', 'alice']);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/give either --credentials or --username, not both/)]);
    const hashed = join(dir, 'hashed');
    await writeFile(hashed, 'alice:$6$c2FsdA==$aGFzaA==\n');
    const h = await runCli(['replay', file, '--to', to, '--credentials', hashed]);
    expect([h.code, h.stderr]).toEqual([1, expect.stringMatching(/--credentials .*hashed: line 1: the password of 'alice' is a mosquitto password hash/)]);
    const none = join(dir, 'none');
    await writeFile(none, '# nothing yet\n');
    const n = await runCli(['replay', file, '--to', to, '--credentials', none]);
    expect([n.code, n.stderr]).toEqual([1, expect.stringMatching(/--credentials .*none: no USER:PASSWORD line in it/)]);
  });
});
