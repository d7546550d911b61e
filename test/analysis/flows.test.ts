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

  it('a PINGREQ still unanswered when the connection closes counts as incomplete (no qos-flow-incomplete finding: no message is lost)', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.pingreq();
    sc.wait(2);
    c.pingresp();
    c.pingreq(); // never answered
    sc.wait(5);
    c.close('reset');
    const { stats } = sc.analyzer.snapshot().flows;
    expect(stats.ping).toMatchObject({ count: 2, complete: 1, incomplete: 1 });
    expect(sc.findings.filter((f) => f.code === 'qos-flow-incomplete')).toEqual([]);
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

  it('a QoS 2 flow lists every step, with its frame, latency and reason codes, in flight and once finished', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    const pub = c.publish({ topic: 't', payload: 'x', qos: 2, id: 4 });
    sc.wait(2);
    const rec = c.ack('PUBREC', 4, 's2c', 0x10);
    sc.wait(3);
    const rel1 = c.ack('PUBREL', 4, 'c2s');
    sc.wait(5);
    const rel2 = c.ack('PUBREL', 4, 'c2s'); // sent again before PUBCOMP: a retransmission, kept as a step
    const inFlight = sc.analyzer.snapshot().flows.inFlight;
    expect(inFlight).toHaveLength(1);
    expect(inFlight[0]!.steps).toEqual([
      { type: 'PUBLISH', dir: 'c2s', frame: pub.frame, time: pub.time, latencyUs: 0, reasonCodes: null },
      { type: 'PUBREC', dir: 's2c', frame: rec.frame, time: rec.time, latencyUs: 2000, reasonCodes: [0x10] },
      { type: 'PUBREL', dir: 'c2s', frame: rel1.frame, time: rel1.time, latencyUs: 3000, reasonCodes: rel1.summary.reasonCodes },
      { type: 'PUBREL', dir: 'c2s', frame: rel2.frame, time: rel2.time, latencyUs: 5000, reasonCodes: rel2.summary.reasonCodes },
    ]);
    sc.wait(7);
    const comp = c.ack('PUBCOMP', 4, 's2c');
    const { recent, inFlight: after, stats } = sc.analyzer.snapshot().flows;
    expect(after).toEqual([]);
    expect(recent).toHaveLength(1);
    expect(recent[0]).toMatchObject({ kind: 'publish-qos2', state: 'complete', retransmissions: 1, startedAt: pub.time, totalUs: 17000 });
    expect(recent[0]!.steps.map((x) => [x.type, x.frame, x.latencyUs])).toEqual([
      ['PUBLISH', pub.frame, 0], ['PUBREC', rec.frame, 2000], ['PUBREL', rel1.frame, 3000], ['PUBREL', rel2.frame, 5000], ['PUBCOMP', comp.frame, 7000],
    ]);
    expect(stats['publish-qos2']).toMatchObject({ count: 1, complete: 1, totalUs: 17000, maxUs: 17000 });
  });

  it('a kept flow slot reused by a shorter flow shows only that flow\'s steps', () => {
    const sc = new Scenario({ keepFlows: 1 });
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 2, id: 1 });
    c.ack('PUBREC', 1, 's2c');
    c.ack('PUBREL', 1, 'c2s');
    c.ack('PUBCOMP', 1, 's2c');
    c.publish({ topic: 'u', payload: 'y', qos: 1, id: 2 });
    c.puback(2);
    const recent = sc.analyzer.snapshot().flows.recent;
    expect(recent.map((f) => [f.kind, f.topic, f.steps.map((x) => x.type)])).toEqual([['publish-qos1', 'u', ['PUBLISH', 'PUBACK']]]);
  });

  it('with keepFlows 0 (the live line, table and json views) finished flows are counted, not kept', () => {
    const sc = new Scenario({ keepFlows: 0 });
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 1 });
    c.puback(1);
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 2 });
    c.puback(2, 0x87);
    c.publish({ topic: 't', payload: 'x', qos: 2, id: 3 });
    const { recent, inFlight, stats } = sc.analyzer.snapshot().flows;
    expect(recent).toEqual([]);
    expect(inFlight.map((f) => [f.packetId, f.state])).toEqual([[3, 'awaiting-pubrec']]);
    expect(stats['publish-qos1']).toMatchObject({ count: 2, complete: 1, rejected: 1 });
    expect(sc.codes()).toEqual(['publish-rejected']);
  });
});
