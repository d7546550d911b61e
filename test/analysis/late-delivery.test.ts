// A broker frozen for longer than the delivery window (kill -STOP on mosquitto) makes a
// publish look dropped; when it resumes, the delivery comes. The finding already written
// cannot be taken back, so a follow-up with the same code says it was late, not dropped.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

function base() {
  const sc = new Scenario({ brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000 });
  const watcher = sc.client('watcher').login({ username: 'admin' }).sub(1, ['#']);
  const pub = sc.client('p1').login({ username: 'user1' });
  return { sc, watcher, pub };
}

describe('a delivery after its window closed', () => {
  it('undelivered-publish, then a late copy: an info follow-up naming the frames and the delay', () => {
    const { sc, watcher, pub } = base();
    const p = pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(1500).tick(); // the broker is stopped: the window closes
    expect(sc.codes()).toEqual(['undelivered-publish']);
    sc.wait(2000);
    const d = watcher.deliver({ topic: 'a/b', payload: 'x' }); // resumed: the copy comes
    expect(sc.codes()).toEqual(['undelivered-publish', 'undelivered-publish']);
    const f = sc.findings[1]!;
    expect(f).toMatchObject({
      code: 'undelivered-publish', severity: 'info', conn: watcher.meta.id, clientId: 'watcher', topic: 'a/b',
      frames: [p.frame, d.frame],
      extra: { late: true, reported_frame: p.frame, delay_us: 3_500_000, window_us: 1_000_000, qos: 0,
        publisher: { client_id: 'p1', username: 'user1' }, subscriber: { client_id: 'watcher', filter: '#' } },
    });
    expect(f.text).toBe(`Late, not dropped: mosquitto delivered the QoS 0 publish from user1 on 'a/b' (frame ${p.frame}) to watcher after all, in frame ${d.frame}. `
      + `The undelivered-publish reported for frame ${p.frame} counted it missing because mosquitto had not sent it 1000 ms after it could be routed (the delivery window); it came 2500 ms after that, 3500 ms in all. `
      + 'An ACL denial never delivers, so that finding\'s ACL reading does not hold for watcher: the broker was slow or stalled (stopped, swapping, blocked on a disk or a bridge), or --delivery-window is too short for it.');
    expect(d.findings).toEqual(['undelivered-publish']);
    // Once per subscriber: a second copy is not late again.
    watcher.deliver({ topic: 'a/b', payload: 'x' });
    expect(sc.findings).toHaveLength(2);
  });

  it('withheld-delivery, then the late copy to the subscriber that missed it', () => {
    const { sc, watcher, pub } = base();
    const slow = sc.client('slow').login({ username: 'user2' }).sub(1, ['a/#']);
    const p = pub.publish({ topic: 'a/b', payload: 'y' });
    watcher.deliver({ topic: 'a/b', payload: 'y' });
    sc.wait(1500).tick();
    expect(sc.codes()).toEqual(['withheld-delivery']);
    const d = slow.deliver({ topic: 'a/b', payload: 'y' });
    expect(sc.findings.map((f) => [f.code, f.severity, f.clientId, f.frames])).toEqual([
      ['withheld-delivery', 'warn', 'slow', [p.frame, expect.any(Number)]],
      ['withheld-delivery', 'info', 'slow', [p.frame, d.frame]],
    ]);
    expect(sc.findings[1]!.text).toContain('The withheld-delivery reported for frame');
  });

  it('another payload, or a subscriber the finding did not name, is not a late copy', () => {
    const { sc, watcher, pub } = base();
    const other = sc.client('other').login({ username: 'user3' });
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(1500).tick();
    watcher.deliver({ topic: 'a/b', payload: 'z' });
    other.deliver({ topic: 'a/b', payload: 'x' });
    expect(sc.codes()).toEqual(['undelivered-publish']);
  });

  it('a retained copy (sent for a new subscription) is not a late copy', () => {
    const { sc, watcher, pub } = base();
    pub.publish({ topic: 'a/b', payload: 'on' });
    sc.wait(1500).tick();
    // Another publisher retains the same payload; the watcher subscribes again and is sent it.
    const other = sc.client('other').login({ username: 'user3' });
    other.publish({ topic: 'a/b', payload: 'on', retain: true });
    watcher.deliver({ topic: 'a/b', payload: 'on' });
    sc.wait(10);
    watcher.sub(2, ['a/#']);
    watcher.deliver({ topic: 'a/b', payload: 'on', retain: true });
    sc.end();
    expect(sc.findings.map((f) => [f.code, f.severity])).toEqual([['undelivered-publish', 'warn']]);
  });

  it('a late copy is explained by the publish: not taken for a will', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000 });
    const watcher = sc.client('watcher').login().sub(1, ['#']);
    const pub = sc.client('p1').login({ will: { topic: 'a/b', payload: 'x', qos: 0, retain: false } });
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(1500).tick();
    pub.close('reset');
    watcher.deliver({ topic: 'a/b', payload: 'x' });
    expect(sc.codes()).toEqual(['undelivered-publish', 'undelivered-publish']);
  });
});

describe('a broker that answers nothing while the window runs', () => {
  it('a PINGREQ left unanswered and nothing from the broker anywhere: stalled, not a denied write', () => {
    const { sc, watcher, pub } = base();
    const p = pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(100);
    const ping = watcher.pingreq();
    sc.wait(1000).tick();
    const [f] = sc.findings;
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.frames).toEqual([p.frame]);
    expect(f!.text).toContain(`The broker looks stalled rather than denying: it sent nothing on any connection since before this publish, and left the PINGREQ of admin (frame ${ping.frame}) unanswered for 900 ms. `
      + 'A stopped or overloaded broker delivers late; a copy that still comes is reported as late (the same code, severity info).');
    expect(f!.text).not.toContain('denied write');
    expect(f!.extra['broker_stalled']).toEqual({ request_frame: ping.frame, request_type: 'PINGREQ', conn: watcher.meta.id, unanswered_us: 900_000 });
  });

  it('not stalled: the PINGREQ answered, or waiting less than the settle time, or its connection gone', () => {
    const answered = base();
    answered.pub.publish({ topic: 'a/b', payload: 'x' });
    answered.sc.wait(100);
    answered.watcher.pingreq();
    answered.watcher.pingresp();
    answered.sc.wait(1000).tick();
    const late = base();
    late.pub.publish({ topic: 'a/b', payload: 'x' });
    late.sc.wait(900);
    late.watcher.pingreq(); // 100 ms before the window closes
    late.sc.wait(200).tick();
    const gone = base();
    const other = gone.sc.client('other').login({ username: 'u9' });
    gone.pub.publish({ topic: 'a/b', payload: 'x' });
    gone.sc.wait(100);
    other.pingreq();
    other.close('reset');
    gone.sc.wait(1000).tick();
    for (const { sc } of [answered, late, gone]) {
      const [f] = sc.findings;
      expect(f!.code).toBe('undelivered-publish');
      expect(f!.text).toContain('With an acl_file this is a denied write for user1.');
      expect(f!.extra['broker_stalled']).toBeUndefined();
    }
  });
});

describe('reported publishes remembered for a late copy', () => {
  it('the latest 1,000: an older one is no longer looked for', () => {
    const { sc, watcher, pub } = base();
    for (let k = 0; k < 1005; k++) pub.publish({ topic: 'a/b', payload: `m${k}` });
    sc.wait(1500).tick();
    expect(sc.findings).toHaveLength(1005);
    const correlator = (sc.analyzer as unknown as { delivery: { missedCount: number } }).delivery;
    expect(correlator.missedCount).toBe(1000);
    watcher.deliver({ topic: 'a/b', payload: 'm0' }); // forgotten
    watcher.deliver({ topic: 'a/b', payload: 'm1004' });
    expect(sc.findings.slice(1005).map((f) => [f.severity, f.extra['reported_frame']])).toEqual([['info', sc.findings[1004]!.frames[0]]]);
    expect(correlator.missedCount).toBe(999);
  });
});

describe('a stall seen at the end of the input', () => {
  it('counts the wait up to the end, not up to the window it did not reach', () => {
    const { sc, watcher, pub } = base();
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(100);
    const ping = watcher.pingreq();
    sc.wait(400);
    sc.analyzer.end(sc.time); // 500 ms in: the window (1 s) is decided at the end
    const [f] = sc.findings;
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.extra['broker_stalled']).toEqual({ request_frame: ping.frame, request_type: 'PINGREQ', conn: watcher.meta.id, unanswered_us: 400_000 });
    expect(f!.text).toContain('unanswered for 400 ms.');
  });
});
