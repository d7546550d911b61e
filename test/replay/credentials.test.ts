// replay --username U --password-file F (or --password P): every replayed CONNECT
// carries the given user name and password instead of the captured ones, so a
// production capture can be replayed against a test broker with its own accounts.
// The rewritten CONNECTs are checked with mqtt-packet (an independent decoder).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { withCredentials } from '../../src/replay/credentials.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { CONNACK, conversation, pcapFile, publishPacket } from '../capture/builders.js';
import { parseConnect, runCli } from './helpers.js';

const parse = parseConnect;

const will = { topic: 'w/t', payload: Buffer.from('gone'), qos: 1 as const, retain: true };
const NEW = { username: 'tester', password: Uint8Array.from(Buffer.from('test-secret')) };

describe('withCredentials', () => {
  it('MQTT 3.1.1 with a will and captured credentials: both replaced, the rest kept', () => {
    const captured = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, keepalive: 30, clientId: 'c-311', will, username: 'prod', password: Buffer.from('prod-secret-long') });
    const p = parse(withCredentials(captured, NEW)!, 4);
    expect([p.clientId, p.username, String(p.password), p.clean, p.keepalive]).toEqual(['c-311', 'tester', 'test-secret', false, 30]);
    expect([p.will?.topic, String(p.will?.payload), p.will?.qos, p.will?.retain]).toEqual(['w/t', 'gone', 1, true]);
  });

  it('MQTT 3.1 (MQIsdp) without captured credentials: the flags and both fields are added', () => {
    const captured = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clean: true, keepalive: 60, clientId: 'c-31' });
    const out = withCredentials(captured, NEW)!;
    const p = parse(out, 3);
    expect([p.protocolId, p.clientId, p.username, String(p.password)]).toEqual(['MQIsdp', 'c-31', 'tester', 'test-secret']);
    // Remaining Length grew by 2 + 6 (user name) + 2 + 11 (password).
    expect(out.length).toBe(captured.length + 21);
  });

  it('MQTT 5 with CONNECT and will properties: properties kept, credentials replaced', () => {
    const captured = mqttPacket.generate({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 10, clientId: 'c-5',
      properties: { sessionExpiryInterval: 300, userProperties: { k: 'v' } },
      will: { ...will, properties: { willDelayInterval: 5, contentType: 'text/plain' } },
      username: 'prod', password: Buffer.from('prod-secret'),
    });
    const p = parse(withCredentials(captured, NEW)!, 5);
    expect([p.clientId, p.username, String(p.password), p.properties?.sessionExpiryInterval]).toEqual(['c-5', 'tester', 'test-secret', 300]);
    expect(p.properties?.userProperties).toEqual({ k: 'v' });
    expect([p.will?.topic, p.will?.properties?.willDelayInterval, p.will?.properties?.contentType]).toEqual(['w/t', 5, 'text/plain']);
  });

  it('a user name without a password drops the captured password', () => {
    const captured = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'c', username: 'prod', password: Buffer.from('prod-secret') });
    const p = parse(withCredentials(captured, { username: 'tester', password: null })!, 4);
    expect([p.username, p.password]).toEqual(['tester', undefined]);
  });

  it('a CONNECT cut inside its password is not rewritten', () => {
    const captured = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'c', username: 'prod', password: Buffer.from('prod-secret') });
    const cut = Buffer.from(captured.subarray(0, captured.length - 3));
    cut[1] = cut.length - 2; // Remaining Length of the cut packet (one byte here)
    expect(withCredentials(cut, NEW)).toBeNull();
  });
});

describe('mqttscope replay --username --password-file', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let file: string;
  let pwFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-creds-'));
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, 'tester:test-secret\n');
    broker = await startBroker({ host: '127.0.0.1', port: 0, passwd });
    pwFile = join(dir, 'pw');
    await writeFile(pwFile, 'test-secret\r\nsecond line ignored\n');
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'cred-c', username: 'prod', password: Buffer.from('prod-secret') });
    file = join(dir, 'prod.pcap');
    await writeFile(file, pcapFile(conversation([
      { dir: 'c2s', bytes: connect },
      { dir: 's2c', bytes: CONNACK },
      { dir: 'c2s', bytes: publishPacket('creds/t', Buffer.from('1')) },
      { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
    ])));
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the captured credentials are refused by the test broker', async () => {
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/~ CONNACK 0x00 Connection Accepted in the capture, 0x05 Connection Refused, not authorized now/);
  });

  it('with the password file the CONNECT is accepted, and no password is printed', async () => {
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--username', 'tester', '--password-file', pwFile]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/client 'cred-c': same answers \(3 packet\(s\) sent, 1 answer\(s\) in the capture, 1 now\)/);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/secret/);
  });

  it('a CONNECT that cannot take the credentials is not sent with the captured ones', async () => {
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'cut-c', username: 'prod', password: Buffer.from('prod-secret') });
    const cut = Buffer.from(connect.subarray(0, connect.length - 3));
    cut[1] = cut.length - 2; // Remaining Length of the cut packet (one byte here)
    const bad = join(dir, 'cut.pcap');
    await writeFile(bad, pcapFile(conversation([
      { dir: 'c2s', bytes: cut },
      { dir: 's2c', bytes: CONNACK },
      { dir: 'c2s', bytes: Buffer.from([0xe0, 0x00]) }, // DISCONNECT
    ])));
    const res = await replay(openCapture(bad), { host: '127.0.0.1', port: broker.port, speed: 'max', answerTimeoutMs: 300,
      credentials: { username: 'tester', password: Uint8Array.from(Buffer.from('test-secret')) } });
    expect(res.conns[0]!.sent).toBe(0);
    const report = formatReport(res, `127.0.0.1:${broker.port}`);
    expect(report).toMatch(/- not sent: CONNECT \(capture frame \d+\): the CONNECT could not be parsed to its end to put the given user name and password in/);
    expect(report).not.toMatch(/secret/);
  });

  it('usage errors: a password without a user name, both password options, an empty password file', async () => {
    const to = `127.0.0.1:${broker.port}`;
    const noUser = await runCli(['replay', file, '--to', to, '--password-file', pwFile]);
    expect([noUser.code, noUser.stderr]).toEqual([2, expect.stringMatching(/--password-file needs --username/)]);
    const both = await runCli(['replay', file, '--to', to, '--username', 'tester', '--password', 'x', '--password-file', pwFile]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/either --password or --password-file/)]);
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const e = await runCli(['replay', file, '--to', to, '--username', 'tester', '--password-file', empty]);
    expect([e.code, e.stderr]).toEqual([1, expect.stringMatching(/--password-file .*empty: its first line is empty/)]);
  });
});
