// The Spanish tutorial scenario end to end, against the bundled broker AND a
// real mosquitto 2.0 started on a free port. The expectations are identical:
// that equality is the point.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient, type Packet } from 'mqtt';
import { startBroker } from '../../src/broker/index.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { requireBinary } from '../helpers/peers.js';
import { tempDir } from '../helpers/tmp.js';

const ACL = '# tutorial\npattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n';
const PASSWD = 'admin:adminpw\nuser1:pass1\nuser2:pass2\n';
const OWN = 'colombia/cundinamarca/cajica/user1';
const FOREIGN = 'panama/colon/user1';

interface Peer { port: number; close(): Promise<void> }

function files(): { passwd: string; acl: string } {
  const dir = tempDir('mqttscope-tut-');
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  writeFileSync(passwd, PASSWD);
  writeFileSync(acl, ACL);
  return { passwd, acl };
}

interface Conn { client: MqttClient; packets: Packet[]; messages: Array<{ topic: string; payload: string; retain: boolean }> }

function connect(port: number, username: string | undefined, password: string | undefined, clientId: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: 4, reconnectPeriod: 0, clientId, username, password, connectTimeout: 5000 });
    const conn: Conn = { client, packets: [], messages: [] };
    client.on('packetreceive', (p) => conn.packets.push(p));
    client.on('message', (topic, payload, p) => conn.messages.push({ topic, payload: payload.toString(), retain: p.retain }));
    client.once('connect', () => resolve(conn));
    client.once('error', (err) => { client.end(true); reject(Object.assign(err, { packets: conn.packets })); });
  });
}

/** The raw CONNACK return code of a refused connection. */
async function refusedCode(port: number, username: string | undefined, password: string | undefined): Promise<number | undefined> {
  try {
    const c = await connect(port, username, password, `refused-${Math.random().toString(16).slice(2, 8)}`);
    c.client.end(true);
    return 0;
  } catch (err) {
    const connack = ((err as { packets: Packet[] }).packets).find((p) => p.cmd === 'connack') as { returnCode?: number } | undefined;
    expect((err as { code?: number }).code).toBe(connack?.returnCode);
    return connack?.returnCode;
  }
}

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const BROKERS: Array<[string, (f: { passwd: string; acl: string }) => Promise<Peer>]> = [
  ['bundled broker (aedes)', (f) => startBroker({ port: 0, passwd: f.passwd, acl: f.acl, allowAnonymous: false })],
  ['mosquitto 2.0', (f) => startTestMosquitto({ passwdFile: f.passwd, aclFile: f.acl, allowAnonymous: false })],
];

describe.each(BROKERS)('tutorial scenario on %s', (_name, start) => {
  let peer: Peer;
  let admin: Conn;
  const open: Conn[] = [];

  beforeAll(async () => {
    peer = await start(files());
    admin = await connect(peer.port, 'admin', 'adminpw', 'admin-watch');
    open.push(admin);
    expect(await admin.client.subscribeAsync('#', { qos: 1 })).toEqual([{ topic: '#', qos: 1 }]);
  });

  afterAll(async () => {
    for (const c of open) c.client.end(true);
    await peer?.close();
  });

  it('refuses a wrong password, an unknown user and an anonymous client with CONNACK 5', async () => {
    expect(await refusedCode(peer.port, 'user1', 'wrong')).toBe(5);
    expect(await refusedCode(peer.port, 'nobody', 'x')).toBe(5);
    expect(await refusedCode(peer.port, 'user1', undefined)).toBe(5);
    expect(await refusedCode(peer.port, undefined, undefined)).toBe(5);
  });

  it("delivers user1's publish on its own topic to admin", async () => {
    const u1 = await connect(peer.port, 'user1', 'pass1', 'u1-own');
    open.push(u1);
    await u1.client.publishAsync(OWN, 'hola', { qos: 1 });
    await waitFor(() => admin.messages.some((m) => m.topic === OWN && m.payload === 'hola'), 'admin to get the message');
  });

  it('acknowledges but does not deliver user1 publishing to panama/colon/user1 (QoS 0, 1 and 2)', async () => {
    const u1 = await connect(peer.port, 'user1', 'pass1', 'u1-deny');
    open.push(u1);
    await u1.client.publishAsync(FOREIGN, 'q0', { qos: 0 });
    await u1.client.publishAsync(FOREIGN, 'q1', { qos: 1 });
    await u1.client.publishAsync(FOREIGN, 'q2', { qos: 2 });
    const acks = u1.packets.filter((p) => p.cmd !== 'connack').map((p) => p.cmd);
    expect(acks).toEqual(['puback', 'pubrec', 'pubcomp']);
    // MQTT 3.1.1 PUBACK has no reason code: it is the normal 2-byte ack.
    expect((u1.packets.find((p) => p.cmd === 'puback') as { reasonCode?: number }).reasonCode ?? 0).toBe(0);
    // Sentinel: a later allowed message from the same client proves the earlier ones had their chance.
    await u1.client.publishAsync(OWN, 'after-deny', { qos: 1 });
    await waitFor(() => admin.messages.some((m) => m.payload === 'after-deny'), 'the sentinel');
    expect(admin.messages.filter((m) => m.topic === FOREIGN)).toEqual([]);
    expect(u1.client.connected).toBe(true);
  });

  it("grants user2's SUBSCRIBE to user1's topic but delivers nothing to it", async () => {
    const u2 = await connect(peer.port, 'user2', 'pass2', 'u2-sub');
    open.push(u2);
    const granted = await u2.client.subscribeAsync([OWN, 'a/b/c/user2'], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    const adminPub = await connect(peer.port, 'admin', 'adminpw', 'admin-pub');
    open.push(adminPub);
    await adminPub.client.publishAsync(OWN, 'for-user1', { qos: 1 });
    await adminPub.client.publishAsync('a/b/c/user2', 'for-user2', { qos: 1 });
    await waitFor(() => u2.messages.some((m) => m.payload === 'for-user2'), "user2's own message");
    expect(u2.messages.map((m) => m.topic)).toEqual(['a/b/c/user2']);
  });

  it('does not retain a denied retained publish, and checks read access on retained delivery', async () => {
    const u1 = await connect(peer.port, 'user1', 'pass1', 'u1-retain');
    open.push(u1);
    await u1.client.publishAsync(FOREIGN, 'denied-retained', { qos: 1, retain: true });
    await u1.client.publishAsync(OWN, 'retained-own', { qos: 1, retain: true });
    await waitFor(() => admin.messages.some((m) => m.payload === 'retained-own'), 'the retained publish');
    const late = await connect(peer.port, 'admin', 'adminpw', 'admin-late');
    open.push(late);
    await late.client.subscribeAsync(['panama/#', 'colombia/#'], { qos: 1 });
    await waitFor(() => late.messages.some((m) => m.payload === 'retained-own'), 'the retained message');
    expect(late.messages.filter((m) => m.topic === FOREIGN)).toEqual([]);
    const u2 = await connect(peer.port, 'user2', 'pass2', 'u2-retain');
    open.push(u2);
    await u2.client.subscribeAsync(['colombia/#', 'x/y/z/user2'], { qos: 1 });
    await late.client.publishAsync('x/y/z/user2', 'ping-u2', { qos: 1, retain: false });
    await waitFor(() => u2.messages.some((m) => m.payload === 'ping-u2'), "user2's own message");
    expect(u2.messages.filter((m) => m.retain)).toEqual([]);
    await u1.client.publishAsync(OWN, '', { qos: 1, retain: true }); // clear
  });

  it('behaves the same for mosquitto_pub and mosquitto_sub', async () => {
    const pub = requireBinary('mosquitto_pub');
    const sub = requireBinary('mosquitto_sub');
    const p = String(peer.port);
    const bad = await run(pub, ['-h', '127.0.0.1', '-p', p, '-u', 'user1', '-P', 'wrong', '-t', OWN, '-m', 'x']);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain('not authorised');
    let settled = false;
    const received = run(sub, ['-h', '127.0.0.1', '-p', p, '-u', 'admin', '-P', 'adminpw', '-t', 'colombia/#', '-t', 'panama/#', '-v', '-C', '1', '-W', '8', '-i', 'cli-sub'])
      .finally(() => { settled = true; });
    // mosquitto_sub prints the first message and exits; keep publishing (denied first, then allowed) until it does.
    for (let i = 0; i < 20 && !settled; i++) {
      const denied = await run(pub, ['-h', '127.0.0.1', '-p', p, '-u', 'user1', '-P', 'pass1', '-q', '1', '-t', FOREIGN, '-m', 'cli-denied']);
      expect(denied.code).toBe(0);
      const ok = await run(pub, ['-h', '127.0.0.1', '-p', p, '-u', 'user1', '-P', 'pass1', '-q', '1', '-t', OWN, '-m', 'cli-ok']);
      expect(ok.code).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = await received;
    expect(got.stdout.trim()).toBe(`${OWN} cli-ok`);
  });
});
