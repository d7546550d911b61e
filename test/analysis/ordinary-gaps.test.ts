// An ordinary stream gap (bytes lost inside a direction that was captured, or bytes
// the framer skipped) is not a one-way capture: the direction is still captured, so
// what it sends after the gap is seen, and its silence after the gap is a fault as
// ever. Only what could have been in the lost bytes (a flow, a delivery or a
// keep-alive interval spanning the gap) is excused. A direction of which not one
// segment was captured (`not-captured`) stays out of view until a packet of it.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('an ordinary gap followed by silence', () => {
  it('a broker that stops answering after a broker→client gap: flows after the gap are cut short (warn), those before it excused (info)', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 60 });
    const before = c.publish({ topic: 't', payload: 'a', qos: 1, id: 1 });
    sc.wait(10);
    c.gap('s2c', 40); // its PUBACK may be in the lost bytes
    sc.wait(10);
    const after = [2, 3, 4].map((id) => { const r = c.publish({ topic: 't', payload: 'b', qos: 1, id }); sc.wait(10); return r; });
    c.disconnect();
    c.close();
    const fs = sc.byCode('qos-flow-incomplete');
    expect(fs.map((f) => [f.severity, f.frames])).toEqual([
      ['warn', after.map((r) => r.frame)],
      ['info', [before.frame]],
    ]);
    expect(fs[0]!.extra).toMatchObject({ awaiting: ['PUBACK', 'PUBACK', 'PUBACK'] });
    expect(fs[0]!.extra['not_in_view']).toBeUndefined();
    expect(fs[1]!.extra).toMatchObject({ not_in_view: true, count: 1, dirs: ['s2c'], gap_frames: [40] });
    expect(fs[1]!.text).toContain('The broker→client stream has a stream gap after they were sent at frame 40, and their answers may be in the lost bytes');
    expect(sc.analyzer.snapshot().flows.stats['publish-qos1']).toMatchObject({ count: 4, incomplete: 3, unobserved: 1 });
  });

  it('a framer skip (a `skipped` gap) is ordinary too', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.gap('s2c', 9, 'skipped');
    sc.wait(10);
    const p = c.publish({ topic: 't', payload: 'b', qos: 1, id: 1 });
    c.close('reset');
    expect(sc.findings).toMatchObject([{ code: 'qos-flow-incomplete', severity: 'warn', frames: [p.frame] }]);
  });

  it('the same flows with the broker→client direction never captured (a one-way capture) stay one info finding', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 60 });
    c.publish({ topic: 't', payload: 'a', qos: 1, id: 1 });
    sc.wait(10);
    c.gap('s2c', 40, 'not-captured');
    sc.wait(10);
    for (const id of [2, 3, 4]) { c.publish({ topic: 't', payload: 'b', qos: 1, id }); sc.wait(10); }
    c.disconnect();
    c.close();
    expect(sc.findings).toHaveLength(1);
    expect(sc.findings[0]).toMatchObject({ code: 'qos-flow-incomplete', severity: 'info', extra: { not_in_view: true, count: 4 } });
    expect(sc.findings[0]!.text).toContain('The broker→client stream is out of view: not one of its packets was decoded after its stream gap at frame 40 (a one-way capture shows one side only)');
    expect(sc.analyzer.snapshot().flows.stats['publish-qos1']).toMatchObject({ count: 4, incomplete: 0, unobserved: 4 });
  });

  it('a client that dies after a client→broker gap: keepalive-timeout, its silence counted from the gap', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 10 });
    const last = c.pingreq();
    sc.wait(5_000);
    c.gap('c2s', 77); // a PINGREQ may be in the lost bytes: the interval containing it is excused
    sc.wait(14_000).tick();
    expect(sc.codes()).toEqual([]); // 19 s since its last packet, but only 14 s since the gap
    sc.wait(2_000).tick();
    expect(sc.codes()).toEqual(['keepalive-timeout']);
    const [f] = sc.findings;
    expect(f).toMatchObject({ severity: 'warn', frames: [last.frame], extra: { keep_alive: 10, silent_us: 16_000_000, last_client_frame: last.frame, after_gap: true, gap_frame: 77 } });
    expect(f!.text).toContain('for 16.0 s since the client→broker stream gap at frame 77 (its packets may be in the lost bytes, so the silence is counted from there), more than 1.5 × its keep-alive of 10 s');
  });

  it('no keepalive-timeout while the client→broker stream was never captured', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 10 });
    c.gap('c2s', 3, 'not-captured');
    sc.wait(120_000).tick();
    c.close();
    expect(sc.codes()).toEqual([]);
  });

  it('a subscriber whose broker→client stream had an ordinary gap before the publish and then nothing: undelivered-publish', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    w.gap('s2c');
    sc.wait(100);
    sc.client('p').login().publish({ topic: 'a/b', payload: 'x' });
    expect(sc.end().map((f) => f.code)).toEqual(['undelivered-publish']);
    // A gap after the publish still excuses it: the delivery may be in the lost bytes.
    const sc2 = new Scenario();
    const w2 = sc2.client('w').login().sub(1, ['#']);
    sc2.client('p').login().publish({ topic: 'a/b', payload: 'x' });
    sc2.wait(10);
    w2.gap('s2c');
    expect(sc2.end()).toEqual([]);
  });
});
