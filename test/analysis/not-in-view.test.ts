// A direction with a stream gap and nothing decoded after it is out of view (a
// one-way capture: the capture reader reports one gap for a side of which not one
// segment was captured, then nothing). What travels in it, acks and deliveries,
// may have been sent unseen: the analysis does not report each one as missing.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('a direction out of view (one-way captures)', () => {
  it('client→broker only: 100 QoS 1 flows without PUBACK are one info finding, not 100 flows cut short', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 60 });
    c.gap('s2c', 4, 'not-captured');
    const pubs = [];
    for (let id = 1; id <= 100; id++) { pubs.push(c.publish({ topic: 'o/pub', payload: `m${id}`, qos: 1, id })); sc.wait(2); }
    c.pingreq();
    c.disconnect();
    c.close();
    expect(sc.findings).toHaveLength(1);
    const [f] = sc.findings;
    expect(f).toMatchObject({
      code: 'qos-flow-incomplete', severity: 'info', frames: [pubs[0]!.frame, pubs[99]!.frame], topic: 'o/pub',
      extra: {
        not_in_view: true, count: 100, dirs: ['s2c'], gap_frames: [4],
        groups: [{ kind: 'publish-qos1', dir: 'c2s', awaiting: 'PUBACK', count: 100, first_packet_id: 1, last_packet_id: 100, first_frame: pubs[0]!.frame, last_frame: pubs[99]!.frame }],
      },
    });
    expect(f!.text).toBe(
      `100 flow(s) of c had no answer in the capture when the connection closed: 100 QoS 1 PUBLISH from the client awaiting PUBACK (ids 1 to 100, frames ${pubs[0]!.frame} to ${pubs[99]!.frame}). `
      + 'The broker→client stream is out of view: not one of its packets was decoded after its stream gap at frame 4 (a one-way capture shows one side only). '
      + 'Whether they completed cannot be told, so they are not reported as cut short.',
    );
    // Only the first and last publish are marked, not every one.
    expect(pubs[0]!.findings).toEqual(['qos-flow-incomplete']);
    expect(pubs[50]!.findings).toEqual([]);
    // Counted apart from the flows cut short: the table does not call them incomplete.
    const stats = sc.analyzer.snapshot().flows.stats;
    expect(stats['publish-qos1']).toMatchObject({ count: 100, incomplete: 0, unobserved: 100, complete: 0 });
    // The PINGREQ's PINGRESP is out of view too.
    expect(stats.ping).toMatchObject({ count: 1, incomplete: 0, unobserved: 1 });
  });

  it('a packet id used again while its PUBACK is out of view is no packet-id-reuse; the flows given up are counted', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.gap('s2c', 0, 'not-captured');
    for (let round = 0; round < 3; round++) for (let id = 1; id <= 10; id++) c.publish({ topic: 't', payload: 'x', qos: 1, id });
    c.close('reset');
    expect(sc.findings).toHaveLength(1);
    expect(sc.findings[0]).toMatchObject({ code: 'qos-flow-incomplete', severity: 'info', extra: { count: 30, id_reused: 20, groups: [{ count: 10 }] } });
    expect(sc.findings[0]!.text).toContain('; 20 earlier one(s) whose packet id was used again, so their answer most likely came.');
  });

  it('broker→client only: QoS 1 and 2 deliveries whose acks are out of view, one info finding; the client\'s unseen PUBREC does not break the QoS 2 flow', () => {
    const sc = new Scenario();
    // Opened mid-stream (no SYN or CONNECT of the client in view), as the capture reader does.
    const c = sc.client('c');
    c.gap('c2s', 2, 'not-captured');
    c.connack(0);
    c.suback(1, [2]);
    for (let id = 1; id <= 5; id++) c.deliver({ topic: 's/t', payload: 'x', qos: 1, id });
    c.deliver({ topic: 's/t', payload: 'y', qos: 2, id: 6 });
    // The client's PUBREC (id 6) is not in the capture; the broker's PUBREL says it came.
    c.ack('PUBREL', 6, 's2c');
    c.pingresp();
    sc.wait(100);
    c.close();
    const flows = sc.byCode('qos-flow-incomplete');
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      severity: 'info',
      extra: {
        count: 6, dirs: ['c2s'], gap_frames: [2],
        groups: [
          { kind: 'publish-qos1', dir: 's2c', awaiting: 'PUBACK', count: 5 },
          { kind: 'publish-qos2', dir: 's2c', state: 'awaiting-pubcomp', awaiting: 'PUBCOMP', count: 1 },
        ],
      },
    });
    expect(flows[0]!.text).toContain('5 QoS 1 PUBLISH from the broker awaiting PUBACK (ids 1 to 5, ');
    expect(flows[0]!.text).toContain('The client→broker stream is out of view: not one of its packets was decoded after its stream gap at frame 2');
    // The SUBACK with no SUBSCRIBE in view: one info finding that names the missing side.
    const pv = sc.byCode('protocol-violation');
    expect(pv).toHaveLength(1);
    expect(pv[0]).toMatchObject({ severity: 'info', extra: { violation: 'unknown-ack', packet_type: 'SUBACK', after_gap: true } });
    expect(pv[0]!.text).toContain('(not one client→broker packet is in the capture: a stream gap at frame 2 and nothing decoded after it, so its flow was not seen)');
  });

  it('answers to packets out of view: the first is reported, the rest are one finding at close', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.gap('s2c', 7, 'not-captured');
    // The broker's QoS 1 deliveries are not captured; the client's PUBACKs are.
    const acks = [];
    for (let id = 1; id <= 50; id++) acks.push(c.ack('PUBACK', id, 'c2s'));
    expect(sc.findings).toHaveLength(1);
    expect(sc.findings[0]).toMatchObject({ code: 'protocol-violation', severity: 'info', frames: [acks[0]!.frame], extra: { violation: 'unknown-ack', after_gap: true } });
    c.close();
    expect(sc.findings).toHaveLength(2);
    expect(sc.findings[1]).toMatchObject({
      code: 'protocol-violation', severity: 'info', frames: [acks[1]!.frame, acks[49]!.frame],
      extra: { violation: 'unknown-ack', count: 49, packet_types: { PUBACK: 49 }, dir: 'c2s', not_in_view: true },
    });
    expect(sc.findings[1]!.text).toContain('49 more answer(s) on this connection (49 PUBACK, frames ');
    expect(sc.findings[1]!.text).toContain('the broker→client stream is out of view, not one of its packets decoded after its stream gap at frame 7');
  });

  it('a direction back in view after its gap counts again: a later flow without its ack is cut short, as ever', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.gap('s2c');
    c.pingreq();
    c.pingresp(); // the broker→client stream resynced: it is in view again
    sc.wait(10);
    const p = c.publish({ topic: 't', payload: 'x', qos: 1, id: 3 });
    c.disconnect();
    c.close();
    expect(sc.findings).toMatchObject([{ code: 'qos-flow-incomplete', severity: 'warn', frames: [p.frame], extra: { awaiting: ['PUBACK'] } }]);
    expect(sc.findings[0]!.extra['not_in_view']).toBeUndefined();
    // …and an id used again while its PUBACK was in view is a violation.
    const sc2 = new Scenario();
    const d = sc2.client('d').login();
    d.gap('s2c');
    d.pingresp();
    sc2.wait(10);
    d.publish({ topic: 't', payload: 'x', qos: 1, id: 1 });
    d.publish({ topic: 't', payload: 'x', qos: 1, id: 1 });
    expect(sc2.findings).toMatchObject([{ code: 'protocol-violation', severity: 'warn', extra: { violation: 'packet-id-reuse' } }]);
  });

  it('a gap in the direction of the answer after the flow started excuses it; a gap in the other direction does not', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    const held = c.publish({ topic: 't', payload: 'x', qos: 1, id: 1 });
    sc.wait(10);
    c.gap('s2c', 40);
    c.pingresp(); // back in view, but the PUBACK may have been in the hole
    sc.wait(10);
    const lost = c.publish({ topic: 't', payload: 'y', qos: 1, id: 2 });
    sc.wait(10);
    c.gap('c2s');
    c.pingreq();
    c.disconnect();
    c.close();
    const fs = sc.byCode('qos-flow-incomplete');
    expect(fs.map((f) => [f.severity, f.frames])).toEqual([['warn', [lost.frame]], ['info', [held.frame]]]);
    expect(fs[1]!.text).toContain('The broker→client stream has a stream gap after they were sent at frame 40, and their answers may be in the lost bytes');
  });

  it('no keep-alive-timeout while the client→broker stream is out of view, nor for a silence across its gap', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 10 });
    c.gap('c2s', 0, 'not-captured');
    sc.wait(60_000).tick();
    c.pingresp();
    sc.wait(60_000).tick();
    expect(sc.codes()).toEqual([]);
    // A client packet: the stream is in view again, and a silence from there counts.
    c.pingreq();
    sc.wait(14_000).tick();
    expect(sc.codes()).toEqual([]);
    sc.wait(2_000).tick();
    expect(sc.codes()).toEqual(['keepalive-timeout']);
  });

  it('no undelivered-publish for a subscriber whose broker→client stream is out of view since before the publish', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    w.gap('s2c', 0, 'not-captured');
    sc.wait(100);
    sc.client('p').login().publish({ topic: 'a/b', payload: 'x' });
    expect(sc.end()).toEqual([]);
    // The same with the subscriber's stream in view again before the publish: a drop.
    const sc2 = new Scenario();
    const w2 = sc2.client('w').login().sub(1, ['#']);
    w2.gap('s2c', 0, 'not-captured');
    w2.pingresp();
    sc2.wait(100);
    sc2.client('p').login().publish({ topic: 'a/b', payload: 'x' });
    expect(sc2.end().map((f) => f.code)).toEqual(['undelivered-publish']);
  });
});
