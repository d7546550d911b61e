// A will through the real proxy. The proxy records a close once both sides are closed;
// a broker answers the client's FIN with the will before closing its own side (aedes and
// mosquitto 2.0.11 alike), so the delivery reaches the analysis before the close. After a
// reset the close tends to come first. The will-published finding must read right in
// both orders.
import mqtt from 'mqtt';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { startBroker } from '../../src/broker/broker.js';
import type { EngineObserver } from '../../src/engine/engine.js';
import type { Finding, OutputRecord } from '../../src/model/packet.js';
import { startProxy, type ProxyHandle } from '../../src/proxy/index.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function run(broker: { port: number }, how: 'fin' | 'reset'): Promise<{ findings: Finding[]; order: string[] }> {
  const findings: Finding[] = [];
  let dyingConn = '';
  const order: string[] = [];
  const onRecord = (r: OutputRecord): void => { if (r.kind === 'finding') findings.push(r); };
  const analyzer = new Analyzer(onRecord);
  // The analyzer, with the order of the deliveries and of the dying connection's close noted.
  const observer: EngineObserver = {
    open: (conn, time) => analyzer.open(conn, time),
    packet: (rec) => { if (rec.summary.type === 3 && rec.dir === 's2c') order.push('delivery'); analyzer.packet(rec); },
    gap: (conn, dir, time, frame, reason) => analyzer.gap(conn, dir, time, frame, reason),
    close: (conn, time, how, by) => { if (conn.id === dyingConn) order.push('close'); analyzer.close(conn, time, how, by); },
    tick: (time) => analyzer.tick(time),
    end: (time) => analyzer.end(time),
  };
  const proxy: ProxyHandle = await startProxy({
    listen: { host: '127.0.0.1', port: 0 }, upstream: { host: '127.0.0.1', port: broker.port },
    onRecord, engineOpts: { observers: [observer] }, log: () => {},
  });
  cleanups.push(() => proxy.close());
  const opts = { host: '127.0.0.1', port: proxy.port, reconnectPeriod: 0, protocolVersion: 4 as const };
  const w = await mqtt.connectAsync({ ...opts, clientId: 'watcher' });
  cleanups.push(() => w.endAsync(true));
  await w.subscribeAsync('status/#', { qos: 0 });
  const wConn = proxy.connections()[0]!.id;
  const c = await mqtt.connectAsync({ ...opts, clientId: 'dying', will: { topic: 'status/dying', payload: Buffer.from('offline'), qos: 0, retain: false } });
  dyingConn = proxy.connections().map((x) => x.id).find((id) => id !== wConn)!;
  const got = new Promise<void>((r) => w.on('message', () => r()));
  await sleep(300);
  if (how === 'fin') (c.stream as Socket).end(); else (c.stream as Socket).resetAndDestroy();
  await got;
  for (let i = 0; i < 50 && proxy.connections().length > 1; i++) await sleep(20);
  await sleep(50);
  return { findings, order };
}

function check(findings: Finding[], order: string[]): void {
  const f = findings.filter((x) => x.code === 'will-published');
  expect(f).toHaveLength(1);
  if (order[0] === 'close') {
    expect(f[0]!.text).toMatch(/to watcher \d+\.\d s after the connection ended: the client closed without a DISCONNECT/);
    expect(typeof f[0]!.extra!['delay_us']).toBe('number');
  } else {
    expect(f[0]!.text).toContain('to watcher as the connection ended, before its close was complete: the client closed without a DISCONNECT');
    expect(f[0]!.extra!['delay_us']).toBeNull();
  }
}

describe('will-published through the proxy', () => {
  for (const how of ['fin', 'reset'] as const) {
    it(`bundled broker (aedes), the client ends with a ${how}`, async () => {
      const b = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
      cleanups.push(() => b.close());
      const { findings, order } = await run(b, how);
      // aedes answers the client's FIN with the will before it closes its side (the proxy records the close once both are closed).
      if (how === 'fin') expect(order).toEqual(['delivery', 'close']); else expect(order).toHaveLength(2);
      check(findings, order);
    });
    it(`mosquitto, the client ends with a ${how}`, async () => {
      const b = await startTestMosquitto({ allowAnonymous: true });
      cleanups.push(() => b.close());
      const { findings, order } = await run(b, how);
      expect(order).toHaveLength(2);
      check(findings, order);
    });
  }
});
