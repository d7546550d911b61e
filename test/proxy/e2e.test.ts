// End to end: real clients (mosquitto_pub/sub, MQTT.js) through the proxy to
// the bundled aedes broker and to a real mosquitto; assertions on what the
// engine recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { Analyzer } from '../../src/analysis/index.js';
import { startBroker } from '../../src/broker/broker.js';
import type { Finding, PacketRecord } from '../../src/model/packet.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { testProxy, typeCounts, waitFor, type TestProxy } from './helpers.js';
import { pub, sub } from './peers.js';

const T = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8, SUBACK: 9, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14 };

interface Rig {
  proxy: TestProxy;
  close(): Promise<void>;
}

async function rig(kind: 'aedes' | 'mosquitto'): Promise<Rig> {
  const broker = kind === 'aedes' ? await startBroker({ host: '127.0.0.1', port: 0 }) : await startTestMosquitto();
  const findings: Finding[] = [];
  const analyzer = new Analyzer((f) => findings.push(f), { brokerKind: kind });
  const proxy = await testProxy(broker.port, { engineOpts: { observers: [analyzer] }, wsListen: { host: '127.0.0.1', port: 0 } });
  return {
    proxy,
    close: async () => {
      await proxy.close();
      await broker.close();
    },
  };
}

function of(p: TestProxy, clientId: string, type?: number, dir?: 'c2s' | 's2c'): PacketRecord[] {
  return p.packets().filter((r) => r.clientId === clientId && (type === undefined || r.summary.type === type) && (dir === undefined || r.dir === dir));
}

function subscribed(p: TestProxy, clientId: string): () => boolean {
  return () => of(p, clientId, T.SUBACK).length > 0;
}

const cases: { broker: 'aedes' | 'mosquitto'; versions: ('mqttv311' | 'mqttv5')[] }[] = [
  { broker: 'aedes', versions: ['mqttv311'] },
  { broker: 'mosquitto', versions: ['mqttv311', 'mqttv5'] },
];

for (const { broker, versions } of cases) {
  describe(`through the proxy to ${broker}`, () => {
    let r: Rig;
    beforeAll(async () => { r = await rig(broker); });
    afterAll(async () => { await r?.close(); });

    for (const V of versions) {
      const v = V === 'mqttv5' ? 5 : 4;
      const id = (s: string) => `${s}-${broker}-${v}`;

      it(`QoS 0/1/2 publishes reach a subscriber (${V})`, async () => {
        const p = r.proxy;
        const s = sub(p.port, ['-V', V, '-i', id('sub'), '-q', '2', '-t', `e2e/${v}/#`, '-v', '-C', '3']);
        await waitFor(subscribed(p, id('sub')), 10_000, 'SUBACK');
        for (const q of [0, 1, 2]) await pub(p.port, ['-V', V, '-i', id(`pub${q}`), '-q', String(q), '-t', `e2e/${v}/q${q}`, '-m', `qos ${q}`]);
        const done = await s.exited;
        expect(done.stdout.trim().split('\n').sort()).toEqual([`e2e/${v}/q0 qos 0`, `e2e/${v}/q1 qos 1`, `e2e/${v}/q2 qos 2`]);
        await waitFor(() => of(p, id('sub'), T.DISCONNECT).length === 1 && of(p, id('pub2'), T.DISCONNECT).length === 1);
        for (const q of [0, 1, 2]) {
          const c2s = of(p, id(`pub${q}`), T.PUBLISH, 'c2s');
          expect(c2s.map((x) => [x.summary.qos, x.topic, x.version])).toEqual([[q, `e2e/${v}/q${q}`, v]]);
          expect(of(p, id(`pub${q}`), T.CONNECT)[0]!.summary.connect!.clientId).toBe(id(`pub${q}`));
        }
        expect(of(p, id('pub1'), T.PUBACK, 's2c')).toHaveLength(1);
        expect(typeCounts(of(p, id('pub2')))).toMatchObject({ CONNECT: 1, CONNACK: 1, PUBLISH: 1, PUBREC: 1, PUBREL: 1, PUBCOMP: 1, DISCONNECT: 1 });
        const delivered = of(p, id('sub'), T.PUBLISH, 's2c');
        expect(delivered.map((x) => x.topic).sort()).toEqual([`e2e/${v}/q0`, `e2e/${v}/q1`, `e2e/${v}/q2`]);
        expect(delivered.map((x) => x.summary.qos).sort()).toEqual([0, 1, 2]);
      });

      it(`a retained message is delivered to a later subscriber with retain set (${V})`, async () => {
        const p = r.proxy;
        await pub(p.port, ['-V', V, '-i', id('ret-pub'), '-r', '-q', '1', '-t', `e2e/${v}/retained`, '-m', 'kept']);
        const s = sub(p.port, ['-V', V, '-i', id('ret-sub'), '-t', `e2e/${v}/retained`, '-C', '1']);
        expect((await s.exited).stdout.trim()).toBe('kept');
        expect(of(p, id('ret-pub'), T.PUBLISH, 'c2s')[0]!.summary.retain).toBe(true);
        await waitFor(() => of(p, id('ret-sub'), T.PUBLISH, 's2c').length === 1);
        const got = of(p, id('ret-sub'), T.PUBLISH, 's2c')[0]!;
        expect([got.topic, got.summary.retain]).toEqual([`e2e/${v}/retained`, true]);
        // Clear it again.
        await pub(p.port, ['-V', V, '-r', '-n', '-t', `e2e/${v}/retained`]);
      });

      it(`a will is published when its client is SIGKILLed (${V})`, async () => {
        const p = r.proxy;
        const watcher = sub(p.port, ['-V', V, '-i', id('will-watch'), '-t', `e2e/${v}/will`, '-C', '1']);
        await waitFor(subscribed(p, id('will-watch')), 10_000, 'watcher SUBACK');
        const doomed = sub(p.port, ['-V', V, '-i', id('doomed'), '-t', `e2e/${v}/nothing`, '--will-topic', `e2e/${v}/will`, '--will-payload', 'gone']);
        await waitFor(subscribed(p, id('doomed')), 10_000, 'doomed SUBACK');
        doomed.child.kill('SIGKILL');
        expect((await watcher.exited).stdout.trim()).toBe('gone');
        const connect = of(p, id('doomed'), T.CONNECT)[0]!;
        expect(connect.summary.connect!.will?.topic).toBe(`e2e/${v}/will`);
        expect(of(p, id('doomed'), T.DISCONNECT)).toHaveLength(0);
        await waitFor(() => of(p, id('will-watch'), T.PUBLISH, 's2c').length === 1);
        expect(of(p, id('will-watch'), T.PUBLISH, 's2c')[0]!.topic).toBe(`e2e/${v}/will`);
      });

      it(`a persistent session gets the messages queued while it was away (${V})`, async () => {
        const p = r.proxy;
        const args = ['-V', V, '-c', '-i', id('persist'), '-q', '1', '-t', `e2e/${v}/persist`];
        if (V === 'mqttv5') args.push('-x', '300');
        const first = sub(p.port, [...args, '-E']);
        expect((await first.exited).code).toBe(0);
        await pub(p.port, ['-V', V, '-i', id('persist-pub'), '-q', '1', '-t', `e2e/${v}/persist`, '-m', 'while away']);
        const second = sub(p.port, [...args, '-C', '1']);
        expect((await second.exited).stdout.trim()).toBe('while away');
        const connacks = of(p, id('persist'), T.CONNACK, 's2c');
        expect(connacks.map((c) => c.summary.connack?.sessionPresent)).toEqual([false, true]);
        expect(of(p, id('persist'), T.CONNECT).map((c) => c.summary.connect!.cleanSession)).toEqual([false, false]);
        expect(of(p, id('persist'), T.PUBLISH, 's2c').map((x) => [x.topic, x.summary.qos])).toEqual([[`e2e/${v}/persist`, 1]]);
      });
    }

    it(`keep-alive pings flow while clients idle (mosquitto_sub -k 5 ${versions.join(', ')}; MQTT.js keepalive 1)`, async () => {
      const p = r.proxy;
      // mosquitto_sub accepts -k 5 at least; MQTT.js goes down to 1 s.
      const subs = versions.map((V) => ({ cid: `pinger-${broker}-${V}`, s: sub(p.port, ['-V', V, '-i', `pinger-${broker}-${V}`, '-k', '5', '-t', 'e2e/idle']) }));
      const js = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.port}`, { clientId: `js-pinger-${broker}`, keepalive: 1, reconnectPeriod: 0 });
      await waitFor(() => subs.every(({ cid }) => of(p, cid, T.PINGRESP, 's2c').length >= 1) && of(p, `js-pinger-${broker}`, T.PINGRESP, 's2c').length >= 2, 15_000, 'PINGRESPs');
      await js.endAsync();
      for (const { s } of subs) s.child.kill('SIGINT');
      await Promise.all(subs.map(({ s }) => s.exited));
      for (const { cid } of subs) {
        expect(of(p, cid, T.CONNECT)[0]!.summary.connect!.keepAlive).toBe(5);
        expect(of(p, cid, T.PINGREQ, 'c2s').length).toBeGreaterThanOrEqual(1);
      }
      expect(of(p, `js-pinger-${broker}`, T.CONNECT)[0]!.summary.connect!.keepAlive).toBe(1);
      expect(of(p, `js-pinger-${broker}`, T.PINGREQ, 'c2s').length).toBeGreaterThanOrEqual(2);
      // Nobody timed out.
      expect(r.proxy.findings().filter((f) => f.code === 'keepalive-timeout' && String(f.clientId).includes('pinger'))).toEqual([]);
    });

    it('a second client with the same id takes the session over (MQTT.js)', async () => {
      const p = r.proxy;
      const cid = `takeover-${broker}`;
      const opts = { clientId: cid, reconnectPeriod: 0, protocolVersion: 4 as const };
      const a = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.port}`, opts);
      const aClosed = new Promise<void>((res) => a.once('close', () => res()));
      const b = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.port}`, opts);
      await aClosed;
      await b.endAsync();
      await waitFor(() => of(p, cid, T.DISCONNECT).length === 1);
      const connects = of(p, cid, T.CONNECT);
      expect(connects).toHaveLength(2);
      expect(new Set(connects.map((c) => c.conn.id)).size).toBe(2);
      expect(of(p, cid, T.CONNACK).map((c) => c.summary.connack?.returnCode)).toEqual([0, 0]);
      // Only the second connection disconnected itself.
      expect(of(p, cid, T.DISCONNECT, 'c2s')[0]!.conn.id).toBe(connects[1]!.conn.id);
    });

    it('MQTT.js over TCP and over ws:// (transport ws) at QoS 0, 1 and 2', async () => {
      const p = r.proxy;
      const s = await mqtt.connectAsync(`ws://127.0.0.1:${p.wsPort}`, { clientId: `js-ws-${broker}`, reconnectPeriod: 0 });
      const got: string[] = [];
      s.on('message', (t, m) => got.push(`${t}=${m.toString()}`));
      await s.subscribeAsync('js/#', { qos: 2 });
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.port}`, { clientId: `js-tcp-${broker}`, reconnectPeriod: 0 });
      for (const qos of [0, 1, 2] as const) await c.publishAsync(`js/q${qos}`, `m${qos}`, { qos });
      await waitFor(() => got.length === 3, 10_000, 'three messages over WebSocket');
      await c.endAsync();
      await s.endAsync();
      expect(got.sort()).toEqual(['js/q0=m0', 'js/q1=m1', 'js/q2=m2']);
      await waitFor(() => of(p, `js-ws-${broker}`, T.DISCONNECT).length === 1);
      const ws = of(p, `js-ws-${broker}`);
      expect(new Set(ws.map((x) => x.conn.transport))).toEqual(new Set(['ws']));
      expect(ws.filter((x) => x.summary.type === T.PUBLISH && x.dir === 's2c').map((x) => x.topic).sort()).toEqual(['js/q0', 'js/q1', 'js/q2']);
      expect(typeCounts(of(p, `js-tcp-${broker}`))).toMatchObject({ CONNECT: 1, PUBLISH: 3, PUBACK: 1, PUBREC: 1, PUBREL: 1, PUBCOMP: 1, DISCONNECT: 1 });
      expect(of(p, `js-tcp-${broker}`)[0]!.conn.transport).toBe('tcp');
    });

    it('decoded everything without decoder failures', () => {
      expect(r.proxy.stats().decodeFailures).toBe(0);
      expect(r.proxy.findings().filter((f) => f.code === 'protocol-violation')).toEqual([]);
    });
  });
}
