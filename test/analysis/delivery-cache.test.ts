// Delivery correlation caches, per topic, who a publish is routed to. These
// scenarios publish on one topic before and after the subscriptions change: each
// would go wrong if a change did not invalidate the cached route.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

/** Publish `n` times on `topic` (one string object, as the engine hands them out), 1 ms apart. */
function publishes(sc: Scenario, pub: ReturnType<Scenario['client']>, topic: string, n = 1, payload = 'x'): void {
  for (let i = 0; i < n; i++) { pub.publish({ topic, payload }); sc.wait(1); }
}

/** One message on 't' from `pub`, delivered to `sub`: the topic's route is now cached. */
function cacheRoute(sc: Scenario, pub: ReturnType<Scenario['client']>, sub: ReturnType<Scenario['client']>): void {
  pub.publish({ topic: 't', payload: 'one' });
  sub.deliver({ topic: 't', payload: 'one' });
  sc.wait(1);
}

describe('delivery correlation: cached routes follow subscription changes', () => {
  it('a subscription granted after earlier publishes on the topic is expected for the next publish', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const topic = 'a/b';
    publishes(sc, pub, topic, 3); // nobody subscribed: nothing expected (route cached empty)
    const sub = sc.client('s').login();
    sub.subscribe(1, ['a/#']);
    publishes(sc, pub, topic); // SUBSCRIBE alone does not route yet
    sub.suback(1, [0]);
    sc.wait(1);
    publishes(sc, pub, topic, 1, 'after-suback');
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['undelivered-publish']);
    expect(f[0]!.text).toContain("(s: 'a/#')");
    expect(f[0]!.extra['payload_length']).toBe('after-suback'.length);
  });

  it('an UNSUBSCRIBE removes the subscriber from the next publish', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const sub = sc.client('s').login().sub(1, ['a/b']);
    pub.publish({ topic: 'a/b', payload: 'one' });
    sub.deliver({ topic: 'a/b', payload: 'one' });
    sc.wait(1);
    sub.unsubscribe(2, ['a/b']);
    sub.unsuback(2);
    publishes(sc, pub, 'a/b', 3, 'two');
    expect(sc.end()).toEqual([]);
  });

  it('a subscriber that disconnects or closes is no longer expected', () => {
    for (const how of ['disconnect', 'close'] as const) {
      const sc = new Scenario();
      const pub = sc.client('p').login();
      const sub = sc.client('s').login().sub(1, ['#']);
      cacheRoute(sc, pub, sub);
      if (how === 'disconnect') sub.disconnect();
      sub.close();
      sc.wait(1);
      publishes(sc, pub, 't', 3, 'two');
      expect(sc.end(), how).toEqual([]);
    }
  });

  it('a closed subscriber leaves nothing pending', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const sub = sc.client('s').login().sub(1, ['t']);
    cacheRoute(sc, pub, sub);
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    sub.close();
    sc.wait(1);
    publishes(sc, pub, 't', 2, 'two');
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    expect(sc.end()).toEqual([]);
  });

  it('a connection id opened again replaces its session in the route', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const sub = sc.client('s').login().sub(1, ['t']);
    cacheRoute(sc, pub, sub);
    sc.analyzer.open(sub.meta, sc.time); // same connection id, no close seen: a new, unsubscribed session
    sc.wait(1);
    publishes(sc, pub, 't', 2, 'two');
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    expect(sc.end()).toEqual([]);
  });

  it('a client that connects and subscribes between two publishes is expected for the second only', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const s1 = sc.client('s1').login().sub(1, ['t']);
    cacheRoute(sc, pub, s1);
    sc.client('s2').login().sub(1, ['t']);
    sc.wait(1);
    pub.publish({ topic: 't', payload: 'two' });
    s1.deliver({ topic: 't', payload: 'two' });
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['withheld-delivery']);
    expect(f[0]!.clientId).toBe('s2');
  });

  it('a resumed session (session present) is expected on the topic once its CONNACK is seen', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const old = sc.client('s').login({ clientId: 'sub', clean: false }).sub(1, ['t']);
    old.close();
    sc.wait(1);
    publishes(sc, pub, 't'); // offline: nothing expected
    const again = sc.client('s-again');
    again.connect({ clientId: 'sub', clean: false });
    again.connack(0, { sessionPresent: true });
    sc.wait(1);
    publishes(sc, pub, 't', 1, 'resumed');
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['undelivered-publish']);
    expect(f[0]!.extra['payload_length']).toBe('resumed'.length);
  });

  it('a takeover moves the expectation to the new connection', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const first = sc.client('s').login({ clientId: 'sub' }).sub(1, ['t']);
    cacheRoute(sc, pub, first);
    const second = sc.client('s2').login({ clientId: 'sub' }); // takes 'sub' over, no subscription of its own
    sc.wait(1);
    pub.publish({ topic: 't', payload: 'two' });
    sc.wait(1);
    first.close();
    second.sub(1, ['t']);
    sc.wait(1);
    pub.publish({ topic: 't', payload: 'three' });
    second.deliver({ topic: 't', payload: 'three' });
    const f = sc.end();
    // 'two' was expected only of the taken-over connection (excused); 'three' reached the new one.
    expect(f.map((x) => x.code)).toEqual(['session-takeover']);
  });

  it('Maximum Packet Size and no-local are decided per publish on a cached route', () => {
    const sc = new Scenario();
    const small = sc.client('small', { version: 5 }).login({ properties: { maximum_packet_size: 20 } }).sub(1, ['t']);
    const nl = sc.client('nl', { version: 5 }).login().sub(1, [{ filter: 't', nl: true }]);
    const other = sc.client('other', { version: 5 }).login();
    // From nl itself, small payload: only `small` is expected (no-local), and it gets it.
    nl.publish({ topic: 't', payload: 'ab' });
    small.deliver({ topic: 't', payload: 'ab' });
    sc.wait(1);
    // From another client, too large for `small` (a 33-byte PUBLISH): only `nl` is expected, and it gets it.
    other.publish({ topic: 't', payload: 'a payload larger than ten bytes' });
    nl.deliver({ topic: 't', payload: 'a payload larger than ten bytes' });
    sc.wait(1);
    // Only the info that the large one is too large for `small`.
    expect(sc.end().map((f) => [f.code, f.extra['cause'], f.clientId])).toEqual([['withheld-delivery', 'maximum-packet-size', 'small']]);
    // The same with nothing delivered: one finding each, naming only the expected subscriber.
    const sc2 = new Scenario();
    sc2.client('small', { version: 5 }).login({ properties: { maximum_packet_size: 20 } }).sub(1, ['t']);
    const nl2 = sc2.client('nl', { version: 5 }).login().sub(1, [{ filter: 't', nl: true }]);
    const other2 = sc2.client('other', { version: 5 }).login();
    nl2.publish({ topic: 't', payload: 'ab' });
    sc2.wait(1);
    other2.publish({ topic: 't', payload: 'a payload larger than ten bytes' });
    const f = sc2.end().filter((x) => x.extra['cause'] !== 'maximum-packet-size');
    expect(f.map((x) => (x.extra['subscribers'] as { client_id: string }[]).map((s) => s.client_id))).toEqual([['small'], ['nl']]);
  });

  it('a refused connection of a subscriber is not expected', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const s1 = sc.client('s1').login().sub(1, ['t']);
    cacheRoute(sc, pub, s1);
    const bad = sc.client('s1');
    bad.connect({ clientId: 's1' });
    bad.connack(5);
    sc.wait(1);
    pub.publish({ topic: 't', payload: 'two' });
    s1.deliver({ topic: 't', payload: 'two' });
    expect(sc.end().map((x) => x.code)).toEqual(['connect-refused']);
  });
});

describe('delivery correlation: the shared expectation set', () => {
  it('what one publish got is not carried over to the next publish of the same route', () => {
    const sc = new Scenario();
    const pub = sc.client('p').login();
    const a = sc.client('a').login().sub(1, ['t/#']);
    const b = sc.client('b').login().sub(1, ['t/+']);
    // One: delivered to both. Two: only to a. Three: to nobody.
    pub.publish({ topic: 't/x', payload: 'one' });
    a.deliver({ topic: 't/x', payload: 'one' });
    b.deliver({ topic: 't/x', payload: 'one' });
    sc.wait(1);
    pub.publish({ topic: 't/x', payload: 'two' });
    a.deliver({ topic: 't/x', payload: 'two' });
    sc.wait(1);
    pub.publish({ topic: 't/x', payload: 'three' });
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['withheld-delivery', 'undelivered-publish']);
    expect(f[0]!.text).toContain("to a but not to b (filter 't/+')");
    expect(f[1]!.extra['payload_length']).toBe('three'.length);
    expect(f[1]!.text).toContain('none of the 2 subscriber(s)');
  });
});
