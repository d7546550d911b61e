// A connection the broker closes is reported (when, relative to the script, and
// what the capture showed), and "packets sent" counts what was really written.
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { ROOT } from '../read/run.js';
import { runCli, startBundledBroker, type Peer } from './helpers.js';

const fixture = (name: string): string => resolve(ROOT, 'test/fixtures/suricata-verify', name, 'input.pcap');

describe('replay reports a connection the broker closed', () => {
  let aedes: Peer;
  let mosq: RunningMosquitto;
  beforeAll(async () => {
    aedes = await startBundledBroker();
    mosq = await startTestMosquitto();
  });
  afterAll(async () => {
    await aedes?.stop();
    await mosq?.close();
  });

  for (const broker of ['aedes', 'mosquitto'] as const) {
    it(`a QoS 3 PUBLISH: ${broker} closes the connection before the captured DISCONNECT`, async () => {
      const port = broker === 'aedes' ? aedes.port : mosq.port;
      const r = await runCli(['replay', fixture('mqtt-events-invalid-qos'), '--to', `127.0.0.1:${port}`, '--speed', 'max']);
      expect(r.stdout).toMatch(/client 'myvoiceismypassport': DIFFERENT \(2 of 3 packet\(s\) sent, 1 answer\(s\) in the capture, 1 now\)/);
      expect(r.stdout).toMatch(/! the broker closed the connection \((FIN|RST)\) \d+ ms after it was opened, after packet 2 of 3 \(PUBLISH, capture frame 8, flagged qos-3\); not sent: DISCONNECT \(capture frame 9\); in the capture the client sent DISCONNECT \(capture frame 9\) and closed it/);
      expect(r.code).toBe(1);
    });
  }

  it('a reserved packet type: mosquitto closes the connection', async () => {
    const r = await runCli(['replay', fixture('mqtt-events-unassigned-msgtype'), '--to', `127.0.0.1:${mosq.port}`, '--speed', 'max']);
    expect(r.stdout).toMatch(/DIFFERENT \(2 of 3 packet\(s\) sent/);
    expect(r.stdout).toMatch(/! the broker closed the connection \((FIN|RST)\) \d+ ms after it was opened, after packet 2 of 3 \(RESERVED, capture frame 8, flagged reserved-packet-type\); not sent: DISCONNECT \(capture frame 9\)/);
    expect(r.code).toBe(1);
  });

  it('a broker that keeps open a connection the captured broker closed (refused CONNECT) is reported', async () => {
    const r = await runCli(['replay', resolve(ROOT, 'captures/acl.pcap'), '--to', `127.0.0.1:${aedes.port}`, '--speed', 'max', '--suffix-client-ids=-close']);
    // The report names the client id the broker saw, with the --suffix-client-ids suffix.
    expect(r.stdout).toMatch(/client 'p-badpw' \(sent as 'p-badpw-close'\): DIFFERENT \(1 packet\(s\) sent/);
    expect(r.stdout).toMatch(/! in the capture the broker refused the CONNECT \(capture frame 55\) and closed it; now the broker kept the connection open until the replay closed it/);
    expect(r.code).toBe(1);
  });
});

describe('replay against a broker configured like the captured one', () => {
  let mosq: RunningMosquitto;
  const passwd = join(tmpdir(), `replay-close-passwd-${process.pid}`);
  beforeAll(async () => {
    await writeFile(passwd, 'admin:adminpw\nuser1:pass1\nuser2:pass2\n');
    mosq = await startTestMosquitto({ passwdFile: passwd, aclFile: resolve(ROOT, 'captures/acl.acl') });
  });
  afterAll(async () => {
    await mosq?.close();
    await rm(passwd, { force: true });
  });

  it('the refused CONNECT is closed by the live broker too: no difference', async () => {
    const r = await runCli(['replay', resolve(ROOT, 'captures/acl.pcap'), '--to', `127.0.0.1:${mosq.port}`, '--speed', 'max']);
    expect(r.stdout).toMatch(/client 'p-badpw': same answers \(1 packet\(s\) sent, 1 answer\(s\) in the capture, 1 now\)/);
    expect(r.stdout).toMatch(/5 connection\(s\) replayed .*: the broker answered exactly as in the capture/);
    expect(r.code).toBe(0);
  });
});
