import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('flow tracker', () => {
  it('QoS 1 publish → PUBACK, both directions independently', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 1 });
    c.deliver({ topic: 'u', payload: 'y', qos: 1, id: 1 }); // broker's own id space
    sc.wait(1);
    c.puback(1);
    c.ack('PUBACK', 1, 'c2s');
    const snap = sc.analyzer.snapshot();
    expect(snap.flows.recent.map((f) => [f.dir, f.state])).toEqual([['c2s', 'complete'], ['s2c', 'complete']]);
    expect(sc.findings).toEqual([]);
  });

  it('SUBSCRIBE → SUBACK, UNSUBSCRIBE → UNSUBACK, PINGREQ → PINGRESP', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.subscribe(1, ['a']);
    sc.wait(1);
    c.suback(1, [0]);
    c.unsubscribe(2, ['a']);
    c.unsuback(2);
    c.pingreq();
    sc.wait(7);
    c.pingresp();
    const { recent, inFlight, stats } = sc.analyzer.snapshot().flows;
    expect(inFlight).toEqual([]);
    expect(recent.map((f) => [f.kind, f.state, f.totalUs])).toEqual([['subscribe', 'complete', 1000], ['unsubscribe', 'complete', 0], ['ping', 'complete', 7000]]);
    expect(stats.ping).toMatchObject({ count: 1, complete: 1 });
  });

  it('DUP re-sends are counted as retransmissions of the same flow', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 9 });
    sc.wait(1000);
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 9, dup: true });
    c.puback(9);
    const f = sc.analyzer.snapshot().flows.recent[0]!;
    expect(f).toMatchObject({ state: 'complete', retransmissions: 1 });
    expect(f.steps.map((s) => s.type)).toEqual(['PUBLISH', 'PUBLISH (DUP)', 'PUBACK']);
    expect(sc.findings).toEqual([]);
  });

  it('in-flight flows show in the snapshot', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 2, id: 9 });
    c.ack('PUBREC', 9, 's2c');
    expect(sc.analyzer.snapshot().flows.inFlight).toEqual([expect.objectContaining({ packetId: 9, state: 'awaiting-pubrel' })]);
  });
});
