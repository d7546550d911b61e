// The clock stepping back (NTP in a live run, a capture whose timestamps jump
// back): the analysis clock never goes back, so a client that kept pinging is
// never reported silent, and a delivery window is never closed early.
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { Scenario } from './helpers.js';

/** Step the scenario's clock back by `ms` milliseconds. */
function stepBack(sc: Scenario, ms: number): void {
  sc.time -= ms * 1000;
}

describe('clock steps', () => {
  it('a broker→client gap before a step back does not excuse a flow started after the clock had moved past the gap', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ clientId: 'c1' });
    sc.wait(10_000);
    c.gap('s2c', 0); // on the analysis clock at T0+10 s
    sc.wait(2000);
    c.pingreq(); c.pingresp(); // the analysis clock is now T0+12 s
    stepBack(sc, 7000); // records now say T0+5 s: before the gap, by their own times
    c.publish({ topic: 'a', qos: 1, id: 5 }); // never acked, though the broker→client stream is back
    sc.wait(1000);
    c.pingreq(); c.pingresp();
    c.close();
    sc.end();
    const f = sc.byCode('qos-flow-incomplete');
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('warn');
    expect(f[0]!.extra['not_in_view']).toBeUndefined();
  });

  it('a step back between pings gives no keepalive-timeout', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 10 });
    for (let i = 0; i < 4; i++) { sc.wait(5000); c.pingreq(); c.pingresp(); sc.tick(); }
    stepBack(sc, 60_000);
    // The client keeps pinging every 5 s (of the new clock), with a tick every second.
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 5; k++) { sc.wait(1000); sc.tick(); }
      c.pingreq();
      c.pingresp();
    }
    expect(sc.byCode('keepalive-timeout')).toEqual([]);
    c.disconnect();
    c.close();
    expect(sc.end(1000)).toEqual([]);
  });

  it('a step back right after a packet: the next packet is not taken for a long silence', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 2 });
    sc.wait(1000);
    c.pingreq();
    stepBack(sc, 30_000);
    sc.wait(1000);
    c.pingreq();
    sc.tick();
    sc.wait(1000);
    c.pingreq();
    sc.tick();
    expect(sc.byCode('keepalive-timeout')).toEqual([]);
  });

  it('a real silence after a step back is still reported, measured on the analysis clock', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 10 });
    sc.wait(5000);
    const last = c.pingreq();
    stepBack(sc, 20_000);
    // The analysis clock waits for the event clock to catch up (20 s), then 15 s more.
    for (let i = 0; i < 35; i++) { sc.wait(1000); sc.tick(); }
    expect(sc.byCode('keepalive-timeout')).toEqual([]);
    sc.wait(1000);
    sc.tick();
    const [f] = sc.byCode('keepalive-timeout');
    expect(f).toMatchObject({ frames: [last.frame], extra: { keep_alive: 10, silent_us: 16_000_000 } });
    // A finding carries the time of the event that raised it (here the tick).
    expect(f!.time).toBe(sc.time);
  });

  it('a step back before a publish does not close its delivery window early', () => {
    const sc = new Scenario();
    const sub = sc.client('sub').login().sub(1, ['t/#']);
    const pub = sc.client('pub').login();
    sc.wait(100);
    stepBack(sc, 10_000);
    pub.publish({ topic: 't/a', payload: 'hello' });
    // Awaited: the subscription granted before the step applies to it.
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(1);
    sc.wait(50);
    sc.tick();
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(1);
    sub.deliver({ topic: 't/a', payload: 'hello' });
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    sc.wait(100).tick();
    expect(sc.end()).toEqual([]);
  });

  it('a step back between a publish and its delivery still matches the delivery', () => {
    const sc = new Scenario();
    const sub = sc.client('sub').login().sub(1, ['t/#']);
    const pub = sc.client('pub').login();
    sc.wait(100);
    pub.publish({ topic: 't/a', payload: 'hello', qos: 1, id: 5 });
    pub.puback(5);
    stepBack(sc, 3000);
    sub.deliver({ topic: 't/a', payload: 'hello', qos: 1, id: 1 });
    sub.ack('PUBACK', 1, 'c2s');
    expect(sc.end()).toEqual([]);
  });

  it('a QoS 2 release after a step back keeps the window open', () => {
    const sc = new Scenario();
    const sub = sc.client('sub').login().sub(1, ['t/#']);
    const pub = sc.client('pub').login();
    sc.wait(100);
    pub.publish({ topic: 't/a', payload: 'q2', qos: 2, id: 9 });
    pub.ack('PUBREC', 9, 's2c');
    stepBack(sc, 20_000);
    pub.ack('PUBREL', 9, 'c2s');
    pub.ack('PUBCOMP', 9, 's2c');
    // 6 s of the new clock later, which has not caught up with the old one yet: on the
    // analysis clock no time has passed since the PUBREL, so the window is still open.
    sc.wait(6000).tick();
    sub.deliver({ topic: 't/a', payload: 'q2' });
    expect(sc.byCode('undelivered-publish')).toEqual([]);
    expect(sc.end()).toEqual([]);
  });

  it('a drop after a step back is still reported once the window has passed on the analysis clock', () => {
    const sc = new Scenario();
    sc.client('sub').login().sub(1, ['t/#']);
    const pub = sc.client('pub').login();
    sc.wait(100);
    stepBack(sc, 2000);
    const p = pub.publish({ topic: 't/a', payload: 'lost' });
    sc.wait(6000).tick();
    expect(sc.byCode('undelivered-publish')).toEqual([]); // 4 s of analysis time
    sc.wait(1200).tick();
    expect(sc.byCode('undelivered-publish').map((f) => f.frames)).toEqual([[p.frame]]);
  });

  it('a step back inside a QoS 1 flow is a latency of 0, not a negative one', () => {
    const sc = new Scenario();
    const pub = sc.client('pub').login();
    sc.wait(100);
    pub.publish({ topic: 't/a', payload: 'x', qos: 1, id: 3 });
    stepBack(sc, 1000);
    pub.puback(3);
    const flows = sc.analyzer.snapshot().flows;
    expect(flows.recent.map((f) => [f.kind, f.totalUs, f.steps.map((x) => x.latencyUs)])).toEqual([['publish-qos1', 0, [0, 0]]]);
    expect(flows.stats['publish-qos1']).toMatchObject({ complete: 1, totalUs: 0, maxUs: 0 });
  });

  it('a will delivered after a step back is still the will (before and after the close is seen)', () => {
    for (const before of [true, false]) {
      const sc = new Scenario();
      const w = sc.client('w').login().sub(1, ['status/#']);
      const c = sc.client('c').login({ will: { topic: 'status/c', payload: 'offline' } });
      sc.wait(1000);
      c.pingreq();
      stepBack(sc, 5000);
      if (before) w.deliver({ topic: 'status/c', payload: 'offline' });
      c.close('reset');
      if (!before) w.deliver({ topic: 'status/c', payload: 'offline' });
      expect(sc.end().map((f) => f.code)).toEqual(['will-published']);
    }
  });

  it('a big forward jump is elapsed time: a silent client times out', () => {
    const sc = new Scenario();
    sc.client('c').login({ keepAlive: 10 });
    sc.wait(3 * 3600_000).tick();
    expect(sc.codes()).toEqual(['keepalive-timeout']);
  });

  it('real bytes through the Engine: capture timestamps that jump back give no keepalive-timeout', () => {
    const findings: Finding[] = [];
    const packets: PacketRecord[] = [];
    const analyzer = new Analyzer((f) => findings.push(f));
    const engine = new Engine({
      onRecord: (r: OutputRecord) => { if (r.kind === 'packet') packets.push(r); else findings.push(r); },
      observers: [analyzer],
    });
    const meta: ConnMeta = { id: '10.0.0.2:40001-10.0.0.1:1883', client: { host: '10.0.0.2', port: 40001 }, server: { host: '10.0.0.1', port: 1883 }, transport: 'tcp' };
    const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
    let t = 1_790_000_000_000_000;
    let frame = 0;
    engine.open(meta, t);
    // CONNECT 3.1.1, clean session, keep-alive 10 s, client id "k1"
    engine.data(meta.id, 'c2s', hex('10 0e 0004 4d515454 04 02 000a 0002 6b31'), t, ++frame);
    engine.data(meta.id, 's2c', hex('20 02 00 00'), t, ++frame); // CONNACK 0
    for (let i = 0; i < 40; i++) {
      if (i === 10) t -= 120_000_000; // the capture's clock went back two minutes
      t += 5_000_000;
      engine.data(meta.id, 'c2s', hex('c0 00'), t, ++frame); // PINGREQ
      engine.data(meta.id, 's2c', hex('d0 00'), t + 1000, ++frame); // PINGRESP
      engine.tick(t + 2000);
    }
    engine.end(t + 3000);
    expect(packets).toHaveLength(82);
    expect(findings.map((f) => f.code)).toEqual([]);
  });
});
