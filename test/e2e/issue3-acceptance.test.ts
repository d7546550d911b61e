// Issue 3 acceptance: the pieces of its "Tests (real sockets, real peers)" list
// that test/proxy/e2e.test.ts, test/broker/tutorial.test.ts and
// test/e2e/acl-silent-drops.test.ts leave out. Everything goes through the
// proxy, to the bundled broker (aedes) and to a real mosquitto on a free port:
// - mosquitto_pub/mosquitto_sub -V mqttv5 and MQTT.js protocolVersion 5 against
//   aedes, which speaks MQTT 3.1.1 only: a clean refusal (CONNACK 1), seen as such;
// - MQTT.js (3.1.1 on both brokers, 5 on mosquitto): QoS 0/1/2, retained, a will
//   fired by SIGKILLing a Node process, a persistent session with queued messages;
// - take-over with mosquitto-clients (both versions where the broker has them);
// - the Spanish tutorial ACL scenario through the proxy on both brokers;
// - the pcap the proxy wrote for all of it, decoded by tshark, type counts equal.
// A missing mosquitto, mosquitto-clients or tshark fails (requireBinary), never skips.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Analyzer } from '../../src/analysis/index.js';
import { startBroker } from '../../src/broker/broker.js';
import type { Finding, PacketRecord } from '../../src/model/packet.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { packetTypeName } from '../../src/protocol/packet-types.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { requireBinary } from '../helpers/peers.js';
import { testProxy, typeCounts, waitFor, type TestProxy } from '../proxy/helpers.js';
import { background, runCmd, sub } from '../proxy/peers.js';

const T = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8, SUBACK: 9, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14 };

type Broker = 'aedes' | 'mosquitto';

const ACL = '# the tutorial\npattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n';
const PASSWD = 'admin:adminpw\nuser1:pass1\nuser2:pass2\n';
const OWN = 'colombia/cundinamarca/cajica/user1';
const FOREIGN = 'panama/colon/user1';

interface Rig {
  broker: Broker;
  proxy: TestProxy;
  pcap: PcapTap;
  pcapPath: string;
  dir: string;
  /** What the analysis found (connect-refused and the like). */
  findings: Finding[];
  close(): Promise<void>;
}

async function rig(broker: Broker, secured: boolean): Promise<Rig> {
  requireBinary('tshark');
  requireBinary('mosquitto_pub');
  requireBinary('mosquitto_sub');
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-issue3-'));
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  await writeFile(passwd, PASSWD);
  await writeFile(acl, ACL);
  const sec = secured ? { passwd, acl, allowAnonymous: false } : {};
  const b = broker === 'aedes'
    ? await startBroker({ host: '127.0.0.1', port: 0, ...sec })
    : await startTestMosquitto(secured ? { passwdFile: passwd, aclFile: acl, allowAnonymous: false } : {});
  const pcapPath = join(dir, 'live.pcap');
  const pcap = new PcapTap(pcapPath);
  const findings: Finding[] = [];
  const analyzer = new Analyzer((f) => findings.push(f), { brokerKind: broker });
  const proxy = await testProxy(b.port, { taps: [pcap], engineOpts: { observers: [analyzer] } });
  return {
    broker, proxy, pcap, pcapPath, dir, findings,
    close: async () => {
      await proxy.close();
      pcap.finish(nowUs());
      await b.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function of(p: TestProxy, clientId: string, type?: number, dir?: 'c2s' | 's2c'): PacketRecord[] {
  return p.packets().filter((r) => r.clientId === clientId && (type === undefined || r.summary.type === type) && (dir === undefined || r.dir === dir));
}

function js(port: number, opts: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
}

/** MQTT.js protocol versions each broker is checked with: aedes has no MQTT 5. */
const JS_VERSIONS: Record<Broker, (4 | 5)[]> = { aedes: [4], mosquitto: [4, 5] };

/** tshark's MQTT packet types in a pcap, by name, counted. */
async function tsharkCounts(file: string, port: number): Promise<Record<string, number>> {
  requireBinary('tshark');
  const r = await runCmd('tshark', ['-n', '-r', file, '-d', `tcp.port==${port},mqtt`, '-T', 'fields', '-e', 'mqtt.msgtype'], 60_000);
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  const counts: Record<string, number> = {};
  for (const t of r.stdout.split('\n').flatMap((l) => l.split(',')).filter((s) => s.trim() !== '')) {
    const n = packetTypeName(Number(t));
    counts[n] = (counts[n] ?? 0) + 1;
  }
  return counts;
}

for (const broker of ['aedes', 'mosquitto'] as const) {
  describe(`issue 3 through the proxy to ${broker}`, () => {
    let r: Rig;
    beforeAll(async () => { r = await rig(broker, false); });
    afterAll(async () => { await r?.close(); });

    if (broker === 'aedes') {
      it('mosquitto_pub and mosquitto_sub -V mqttv5 are refused cleanly: CONNACK 1, a non-zero exit, no decoder trouble', async () => {
        const p = r.proxy;
        const pubR = await runCmd('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(p.port), '-V', 'mqttv5', '-i', 'v5-pub-aedes', '-q', '1', '-t', 'v5/x', '-m', 'no']);
        const subR = await runCmd('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(p.port), '-V', 'mqttv5', '-i', 'v5-sub-aedes', '-t', 'v5/#', '-C', '1', '-W', '5']);
        expect(pubR.code, pubR.stderr).not.toBe(0);
        expect(subR.code, subR.stderr).not.toBe(0);
        for (const cid of ['v5-pub-aedes', 'v5-sub-aedes']) {
          const conn = of(p, cid, T.CONNECT, 'c2s');
          expect(conn.map((c) => c.version)).toEqual([5]);
          const ack = conn[0]!.conn.id;
          const s2c = p.packets().filter((x) => x.conn.id === ack && x.dir === 's2c');
          // One CONNACK, return code 1 (unacceptable protocol version), then nothing.
          expect(s2c.map((x) => [x.summary.type, x.summary.connack?.returnCode])).toEqual([[T.CONNACK, 1]]);
          // Nothing but the CONNECT went upstream: no PUBLISH or SUBSCRIBE got through.
          expect(p.packets().filter((x) => x.conn.id === ack && x.dir === 'c2s').map((x) => x.summary.type)).toEqual([T.CONNECT]);
        }
        // The message says what happened.
        expect(pubR.stderr).toContain('Unsupported Protocol Version');
        expect(subR.stderr).toContain('Unsupported Protocol Version');
        expect(p.stats().decodeFailures).toBe(0);
        // The analysis names the cause and the way out, once per refused client.
        await waitFor(() => r.findings.filter((f) => f.code === 'connect-refused').length >= 2, 5000, 'connect-refused findings');
        const refused = r.findings.filter((f) => f.code === 'connect-refused' && String(f.clientId).startsWith('v5-'));
        expect(refused.map((f) => f.clientId).sort()).toEqual(['v5-pub-aedes', 'v5-sub-aedes']);
        for (const f of refused) expect(f.text).toContain('the broker does not speak MQTT 5');
      });

      it('MQTT.js protocolVersion 5 is refused with CONNACK 1', async () => {
        const err = await js(r.proxy.port, { clientId: 'js-v5-aedes', protocolVersion: 5 }).then(
          (c) => { c.end(true); return null; },
          (e: unknown) => e as { code?: number; message?: string },
        );
        expect(err, 'MQTT.js connected with MQTT 5 to aedes').not.toBeNull();
        await waitFor(() => of(r.proxy, 'js-v5-aedes', T.CONNACK, 's2c').length === 1, 5000, 'the CONNACK');
        expect(of(r.proxy, 'js-v5-aedes', T.CONNACK, 's2c')[0]!.summary.connack?.returnCode).toBe(1);
      });
    }

    for (const v of JS_VERSIONS[broker]) {
      const id = (s: string) => `js-${s}-${broker}-${v}`;

      it(`MQTT.js v${v}: QoS 0, 1 and 2 publishes reach a subscriber, each handshake seen`, async () => {
        const p = r.proxy;
        const s = await js(p.port, { clientId: id('sub'), protocolVersion: v });
        const got: string[] = [];
        s.on('message', (t, m, pk) => got.push(`${t}=${m.toString()}@${pk.qos}`));
        await s.subscribeAsync(`i3/${v}/#`, { qos: 2 });
        const c = await js(p.port, { clientId: id('pub'), protocolVersion: v });
        for (const qos of [0, 1, 2] as const) await c.publishAsync(`i3/${v}/q${qos}`, `m${qos}`, { qos });
        await waitFor(() => got.length === 3, 10_000, 'three messages');
        await c.endAsync();
        await s.endAsync();
        expect(got.sort()).toEqual([`i3/${v}/q0=m0@0`, `i3/${v}/q1=m1@1`, `i3/${v}/q2=m2@2`]);
        await waitFor(() => of(p, id('sub'), T.DISCONNECT, 'c2s').length === 1, 5000, 'DISCONNECT');
        expect(of(p, id('pub'), T.CONNECT)[0]!.version).toBe(v);
        expect(typeCounts(of(p, id('pub')))).toMatchObject({ CONNECT: 1, CONNACK: 1, PUBLISH: 3, PUBACK: 1, PUBREC: 1, PUBREL: 1, PUBCOMP: 1, DISCONNECT: 1 });
        // The subscriber acknowledged the QoS 1 and 2 deliveries on its side of the flow.
        expect(typeCounts(of(p, id('sub')))).toMatchObject({ PUBLISH: 3, PUBACK: 1, PUBREC: 1, PUBREL: 1, PUBCOMP: 1 });
      });

      it(`MQTT.js v${v}: a retained message reaches a later subscriber with retain set, and is cleared`, async () => {
        const p = r.proxy;
        const topic = `i3/${v}/retained`;
        const c = await js(p.port, { clientId: id('ret-pub'), protocolVersion: v });
        await c.publishAsync(topic, 'kept', { qos: 1, retain: true });
        const s = await js(p.port, { clientId: id('ret-sub'), protocolVersion: v });
        const got = new Promise<[string, boolean]>((res) => s.once('message', (_t, m, pk) => res([m.toString(), pk.retain])));
        await s.subscribeAsync(topic, { qos: 1 });
        expect(await got).toEqual(['kept', true]);
        await s.endAsync();
        await c.publishAsync(topic, '', { qos: 1, retain: true });
        const late = await js(p.port, { clientId: id('ret-late'), protocolVersion: v });
        const lateGot: string[] = [];
        late.on('message', (t) => lateGot.push(t));
        await late.subscribeAsync([topic, `${topic}-sentinel`], { qos: 1 });
        // Retained messages come right after the SUBACK: once the sentinel is back, any would have come.
        await late.publishAsync(`${topic}-sentinel`, 'x', { qos: 1 });
        await waitFor(() => lateGot.length > 0, 5000, 'the sentinel');
        await Promise.all([c.endAsync(), late.endAsync()]);
        expect(lateGot).toEqual([`${topic}-sentinel`]);
        const delivered = of(p, id('ret-sub'), T.PUBLISH, 's2c');
        expect(delivered.map((x) => [x.topic, x.summary.retain])).toEqual([[topic, true]]);
        expect(of(p, id('ret-late'), T.PUBLISH, 's2c').map((x) => [x.topic, x.summary.retain])).toEqual([[`${topic}-sentinel`, false]]);
      });

      it(`MQTT.js v${v}: a will is published when its Node process is SIGKILLed`, async () => {
        const p = r.proxy;
        const topic = `i3/${v}/will`;
        const watch = await js(p.port, { clientId: id('will-watch'), protocolVersion: v });
        const got = new Promise<string>((res) => watch.once('message', (_t, m) => res(m.toString())));
        await watch.subscribeAsync(topic, { qos: 1 });
        const script = `import mqtt from 'mqtt';
const c = mqtt.connect('mqtt://127.0.0.1:${p.port}', { clientId: '${id('doomed')}', protocolVersion: ${v}, reconnectPeriod: 0, will: { topic: '${topic}', payload: 'gone', qos: 1, retain: false } });
c.on('connect', () => console.log('up'));
c.on('error', (e) => { console.error(e.message); process.exit(3); });`;
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        const exited = new Promise<NodeJS.Signals | null>((res) => child.once('close', (_c, sig) => res(sig)));
        await waitFor(() => out.includes('up') || child.exitCode !== null, 10_000, 'the doomed client to connect');
        expect(out, err).toContain('up');
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        const timeout = new Promise<string>((res) => setTimeout(() => res('no will within 10 s'), 10_000));
        expect(await Promise.race([got, timeout])).toBe('gone');
        await watch.endAsync();
        expect(of(p, id('doomed'), T.CONNECT)[0]!.summary.connect!.will?.topic).toBe(topic);
        // It never said goodbye: no DISCONNECT, so the broker had to fire the will.
        expect(of(p, id('doomed'), T.DISCONNECT)).toEqual([]);
        expect(of(p, id('will-watch'), T.PUBLISH, 's2c').map((x) => x.topic)).toEqual([topic]);
      });

      it(`MQTT.js v${v}: a persistent session gets the QoS 1 message queued while it was away`, async () => {
        const p = r.proxy;
        const topic = `i3/${v}/persist`;
        const opts: IClientOptions = { clientId: id('persist'), protocolVersion: v, clean: false, ...(v === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}) };
        const first = await js(p.port, opts);
        await first.subscribeAsync(topic, { qos: 1 });
        await first.endAsync();
        const c = await js(p.port, { clientId: id('persist-pub'), protocolVersion: v });
        await c.publishAsync(topic, 'while away', { qos: 1 });
        await c.endAsync();
        const got: string[] = [];
        const second = mqtt.connect(`mqtt://127.0.0.1:${p.port}`, { reconnectPeriod: 0, ...opts });
        second.on('message', (_t, m) => got.push(m.toString()));
        await waitFor(() => got.length === 1, 10_000, 'the queued message');
        await second.endAsync();
        expect(got).toEqual(['while away']);
        expect(of(p, id('persist'), T.CONNACK, 's2c').map((x) => x.summary.connack?.sessionPresent)).toEqual([false, true]);
        expect(of(p, id('persist'), T.PUBLISH, 's2c').map((x) => [x.topic, x.summary.qos])).toEqual([[topic, 1]]);
        // The second connection did not subscribe again: the message came from the session.
        const conns = [...new Set(of(p, id('persist')).map((x) => x.conn.id))];
        expect(conns).toHaveLength(2);
        expect(of(p, id('persist'), T.SUBSCRIBE).map((x) => x.conn.id)).toEqual([conns[0]]);
      });

      if (v === 5) {
        // test/proxy/e2e.test.ts does these two with MQTT.js at 3.1.1 only.
        it('MQTT.js v5: keep-alive 1 s gives PINGREQ/PINGRESP while idle, and no keepalive-timeout', async () => {
          const p = r.proxy;
          const c = await js(p.port, { clientId: id('pinger'), protocolVersion: 5, keepalive: 1 });
          await waitFor(() => of(p, id('pinger'), T.PINGRESP, 's2c').length >= 2, 10_000, 'two PINGRESPs');
          await c.endAsync();
          expect(of(p, id('pinger'), T.CONNECT)[0]!.summary.connect!.keepAlive).toBe(1);
          expect(of(p, id('pinger'), T.PINGREQ, 'c2s').length).toBeGreaterThanOrEqual(2);
          expect(r.findings.filter((f) => f.code === 'keepalive-timeout' && f.clientId === id('pinger'))).toEqual([]);
        });

        it('MQTT.js v5: a second client with the same id takes the session over', async () => {
          const p = r.proxy;
          const opts: IClientOptions = { clientId: id('takeover'), protocolVersion: 5 };
          const a = await js(p.port, opts);
          const aClosed = new Promise<void>((res) => a.once('close', () => res()));
          const b = await js(p.port, opts);
          await aClosed;
          expect(b.connected).toBe(true);
          await b.endAsync();
          await waitFor(() => of(p, id('takeover'), T.DISCONNECT, 'c2s').length === 1, 5000, 'DISCONNECT');
          const connects = of(p, id('takeover'), T.CONNECT);
          expect(connects).toHaveLength(2);
          expect(of(p, id('takeover'), T.CONNACK).map((x) => x.summary.connack?.returnCode)).toEqual([0, 0]);
          // Only the second connection said DISCONNECT; the first was ended by the broker.
          expect(of(p, id('takeover'), T.DISCONNECT).map((x) => `${x.dir} ${x.conn.id === connects[1]!.conn.id ? 'second' : 'first'}`)).toEqual(['c2s second']);
        });
      }
    }

    const cliVersions = broker === 'aedes' ? ['mqttv311'] : ['mqttv311', 'mqttv5'];
    for (const V of cliVersions) {
      it(`mosquitto_sub ${V}: a second client with the same id takes the session over`, async () => {
        const p = r.proxy;
        const cid = `cli-takeover-${broker}-${V}`;
        const first = sub(p.port, ['-V', V, '-i', cid, '-t', 'i3/takeover', '-k', '60']);
        await waitFor(() => of(p, cid, T.SUBACK, 's2c').length === 1, 10_000, 'the first SUBACK');
        const firstConn = of(p, cid, T.CONNECT)[0]!.conn.id;
        const second = background('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(p.port), '-V', V, '-i', cid, '-t', 'i3/takeover', '-m', 'x']);
        const done = await second.exited;
        expect(done.code, done.stderr).toBe(0);
        // The broker ended the first connection as soon as the second CONNECT came.
        await waitFor(() => !p.connections().some((c) => c.id === firstConn), 10_000, 'the first connection to end');
        first.child.kill('SIGINT');
        await first.exited;
        const connects = of(p, cid, T.CONNECT);
        expect(connects.length).toBeGreaterThanOrEqual(2);
        expect(connects[1]!.conn.id).not.toBe(firstConn);
        // The second connection was accepted; the first one just ended: mosquitto 2.0.11
        // sends no DISCONNECT 0x8E (Session taken over) even to an MQTT 5 client, nor does aedes.
        expect(of(p, cid, T.CONNACK, 's2c').filter((x) => x.conn.id === connects[1]!.conn.id).map((x) => x.summary.connack?.returnCode)).toEqual([0]);
        expect(p.packets().filter((x) => x.conn.id === firstConn).map((x) => `${x.dir} ${packetTypeName(x.summary.type)}`)).toEqual(['c2s CONNECT', 's2c CONNACK', 'c2s SUBSCRIBE', 's2c SUBACK']);
      });
    }

    it('the pcap it wrote decodes in tshark into the same packets, type by type', async () => {
      await waitFor(() => r.proxy.stats().active === 0, 10_000, 'all links closed');
      r.pcap.flush();
      const ours = typeCounts(r.proxy.packets());
      expect(ours['PUBLISH']).toBeGreaterThan(10);
      expect(await tsharkCounts(r.pcapPath, r.proxy.port)).toEqual(ours);
      expect(r.proxy.stats().decodeFailures).toBe(0);
    });
  });
}

for (const broker of ['aedes', 'mosquitto'] as const) {
  describe(`the Spanish tutorial ACL scenario through the proxy to ${broker}`, () => {
    let r: Rig;
    let admin: MqttClient;
    const adminGot: string[] = [];
    beforeAll(async () => {
      r = await rig(broker, true);
      admin = await js(r.proxy.port, { clientId: `tut-admin-${broker}`, username: 'admin', password: 'adminpw', protocolVersion: 4 });
      admin.on('message', (t, m) => adminGot.push(`${t} ${m.toString()}`));
      expect(await admin.subscribeAsync('#', { qos: 1 })).toEqual([{ topic: '#', qos: 1 }]);
    });
    afterAll(async () => {
      await admin?.endAsync();
      await r?.close();
    });

    it('user1 on colombia/cundinamarca/cajica/user1 is delivered to admin (MQTT.js and mosquitto_pub)', async () => {
      const u1 = await js(r.proxy.port, { clientId: `tut-u1-own-${broker}`, username: 'user1', password: 'pass1', protocolVersion: 4 });
      await u1.publishAsync(OWN, 'hola', { qos: 1 });
      await u1.endAsync();
      const cli = await runCmd('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(r.proxy.port), '-V', 'mqttv311', '-i', `tut-u1-cli-${broker}`, '-u', 'user1', '-P', 'pass1', '-q', '1', '-t', OWN, '-m', 'hola-cli']);
      expect(cli.code, cli.stderr).toBe(0);
      await waitFor(() => adminGot.length >= 2, 5000, 'admin to get both messages');
      expect(adminGot.sort()).toEqual([`${OWN} hola`, `${OWN} hola-cli`]);
      // And the proxy saw both deliveries to admin.
      expect(of(r.proxy, `tut-admin-${broker}`, T.PUBLISH, 's2c').map((x) => x.topic)).toEqual([OWN, OWN]);
    });

    it('user1 on panama/colon/user1 is acknowledged (QoS 0, 1, 2) but not delivered to admin', async () => {
      adminGot.length = 0;
      const cid = `tut-u1-deny-${broker}`;
      const u1 = await js(r.proxy.port, { clientId: cid, username: 'user1', password: 'pass1', protocolVersion: 4 });
      for (const qos of [0, 1, 2] as const) await u1.publishAsync(FOREIGN, `denied q${qos}`, { qos });
      // A sentinel on the allowed topic, from the same client: when it arrives, the denied ones had their chance.
      await u1.publishAsync(OWN, 'sentinel', { qos: 1 });
      await waitFor(() => adminGot.includes(`${OWN} sentinel`), 5000, 'the sentinel');
      expect(u1.connected).toBe(true);
      await u1.endAsync();
      expect(adminGot).toEqual([`${OWN} sentinel`]);
      // The broker acknowledged each denied publish as if it were delivered (MQTT 3.1.1 has no reason code).
      const s2c = of(r.proxy, cid, undefined, 's2c').map((x) => packetTypeName(x.summary.type));
      expect(s2c).toEqual(['CONNACK', 'PUBACK', 'PUBREC', 'PUBCOMP', 'PUBACK']);
      expect(of(r.proxy, `tut-admin-${broker}`, T.PUBLISH, 's2c').filter((x) => x.topic === FOREIGN)).toEqual([]);
    });

    const versions = broker === 'aedes' ? ['mqttv311'] : ['mqttv311', 'mqttv5'];
    for (const V of versions) {
      it(`a wrong password is refused (mosquitto_pub -V ${V} and MQTT.js)`, async () => {
        const cid = `tut-badpw-${broker}-${V}`;
        const bad = await runCmd('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(r.proxy.port), '-V', V, '-i', cid, '-u', 'user1', '-P', 'wrong', '-t', OWN, '-m', 'x']);
        expect(bad.code, bad.stderr).not.toBe(0);
        expect(bad.stderr).toMatch(/not authori[sz]ed/i);
        // 3.1.1: return code 5 (not authorised); MQTT 5: mosquitto 2.0.11 answers 0x87 (Not authorized), not 0x86.
        expect(of(r.proxy, cid, T.CONNACK, 's2c').map((x) => x.summary.connack?.returnCode)).toEqual([V === 'mqttv5' ? 0x87 : 5]);
        expect(of(r.proxy, cid, T.PUBLISH)).toEqual([]);
        const err = await js(r.proxy.port, { clientId: `${cid}-js`, username: 'user1', password: 'wrong', protocolVersion: V === 'mqttv5' ? 5 : 4 }).then(
          (c) => { c.end(true); return null; },
          (e: unknown) => e as { code?: number },
        );
        expect(err?.code).toBe(V === 'mqttv5' ? 0x87 : 5);
        await waitFor(() => r.findings.some((f) => f.code === 'connect-refused' && f.clientId === cid), 5000, 'the connect-refused finding');
      });
    }

    it('the pcap it wrote decodes in tshark into the same packets, type by type', async () => {
      await admin.endAsync();
      await waitFor(() => r.proxy.stats().active === 0, 10_000, 'all links closed');
      r.pcap.flush();
      const ours = typeCounts(r.proxy.packets());
      expect(ours['CONNACK']).toBeGreaterThanOrEqual(6);
      expect(await tsharkCounts(r.pcapPath, r.proxy.port)).toEqual(ours);
    });
  });
}
