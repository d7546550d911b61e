import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

function base(opts: ConstructorParameters<typeof Scenario>[0] = {}) {
  const sc = new Scenario(opts);
  const watcher = sc.client('watcher').login({ username: null }).sub(1, ['#']);
  const pub = sc.client('p1').login({ username: 'user1' });
  return { sc, watcher, pub };
}

describe('undelivered-publish', () => {
  it('fires when the window closes on a tick, not before', () => {
    const { sc, pub } = base();
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(4999).tick();
    expect(sc.findings).toEqual([]);
    sc.wait(2).tick();
    expect(sc.codes()).toEqual(['undelivered-publish']);
    expect(sc.findings[0]!.text).toContain("The broker accepted this QoS 0 publish from user1 on 'a/b' but delivered it to none of the 1 subscriber(s) whose filters match (watcher: '#'). With a mosquitto acl_file this is a denied write.");
  });

  it('not a write denial when another publish by the same connection on the topic was delivered (a stalled subscriber, not the ACL)', () => {
    const { sc, watcher, pub } = base();
    const first = pub.publish({ topic: 'a/b', payload: 'one' });
    watcher.deliver({ topic: 'a/b', payload: 'one' });
    const second = pub.publish({ topic: 'a/b', payload: 'two' }); // the watcher stopped reading: never delivered
    const f = sc.end();
    expect(f.map((x) => [x.code, x.frames])).toEqual([['undelivered-publish', [second.frame]]]);
    expect(f[0]!.text).toContain(`This is not a write denial: another publish by user1 on this topic was delivered (frame ${first.frame}), and an acl_file decides by user and topic.`);
    expect(f[0]!.text).not.toContain('this is a denied write');
    expect(f[0]!.extra['delivered_other_frame']).toBe(first.frame);
    // Another connection's delivered publish on the topic says nothing about this one's writes.
    const other = base();
    other.sc.client('p2').login({ username: 'user2' }).publish({ topic: 'a/b', payload: 'one' });
    other.watcher.deliver({ topic: 'a/b', payload: 'one' });
    other.pub.publish({ topic: 'a/b', payload: 'two' });
    const g = other.sc.end();
    expect(g[0]!.text).toContain('With a mosquitto acl_file this is a denied write.');
    expect(g[0]!.extra['delivered_other_frame']).toBeUndefined();
  });

  it('fires when a later packet moves the clock past the window', () => {
    const { sc, pub } = base();
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(6000);
    pub.pingreq();
    expect(sc.codes()).toEqual(['undelivered-publish']);
  });

  it('honours a custom delivery window', () => {
    const { sc, pub } = base({ deliveryWindowUs: 100_000 });
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(150).tick();
    expect(sc.codes()).toEqual(['undelivered-publish']);
  });

  it('lists every matching subscriber and its filters', () => {
    const { sc, pub } = base();
    sc.client('s2').login().sub(1, ['a/+', { filter: 'a/#', qos: 1 }]);
    pub.publish({ topic: 'a/b', payload: 'x' });
    const [f] = sc.end();
    expect(f!.text).toContain("none of the 2 subscriber(s) whose filters match (watcher: '#', s2: 'a/+', 'a/#')");
    expect(f!.extra['subscribers']).toEqual([
      { client_id: 'watcher', username: null, filter: '#', conn: expect.any(String) },
      { client_id: 's2', username: 's2', filter: 'a/+', filters: ['a/+', 'a/#'], conn: expect.any(String) },
    ]);
  });

  it('QoS 2: accepted by PUBREC, routed on PUBREL', () => {
    const { sc, pub } = base({ brokerKind: 'mosquitto' });
    pub.publish({ topic: 'a/b', payload: 'x', qos: 2, id: 5 });
    pub.ack('PUBREC', 5, 's2c');
    sc.wait(4000);
    pub.ack('PUBREL', 5, 'c2s');
    pub.ack('PUBCOMP', 5, 's2c');
    sc.wait(4000).tick(); // 8 s after the publish, 4 s after PUBREL: still inside the window
    expect(sc.findings).toEqual([]);
    const [f] = sc.end();
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.text).toContain('(PUBREC rc 0)');
  });

  describe('no false positives', () => {
    it('no subscriber matches: nothing', () => {
      const sc = new Scenario();
      sc.client('s').login().sub(1, ['x/#']);
      sc.client('p').login().publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('delivered (even as QoS 0 to a QoS 1 publish, with a different packet id)', () => {
      const { sc, watcher, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x', qos: 1, id: 1 });
      pub.puback(1);
      watcher.deliver({ topic: 'a/b', payload: 'x', qos: 1, id: 77 });
      watcher.ack('PUBACK', 77, 'c2s');
      expect(sc.end()).toEqual([]);
    });

    it('a delivery with a different payload does not count', () => {
      const { sc, watcher, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x' });
      watcher.deliver({ topic: 'a/b', payload: 'y' });
      expect(sc.end().map((f) => f.code)).toEqual(['undelivered-publish']);
    });

    it('QoS 1 never acknowledged: not known to be accepted', () => {
      const { sc, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x', qos: 1, id: 1 });
      expect(sc.end(10_000).filter((f) => f.code === 'undelivered-publish')).toEqual([]);
    });

    it('QoS 2 never released: no drop', () => {
      const { sc, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x', qos: 2, id: 1 });
      pub.ack('PUBREC', 1, 's2c');
      expect(sc.end().filter((f) => f.code === 'undelivered-publish')).toEqual([]);
    });

    it('rejected with a reason code >= 0x80: publish-rejected only', () => {
      const sc = new Scenario();
      sc.client('w', { version: 5 }).login().sub(1, ['#']);
      const p = sc.client('p', { version: 5 }).login();
      p.publish({ topic: 'a/b', payload: 'x', qos: 2, id: 1 });
      p.ack('PUBREC', 1, 's2c', 0x87);
      expect(sc.end().map((f) => f.code)).toEqual(['publish-rejected']);
    });

    it('the subscriber connected (or was granted) after the publish', () => {
      const sc = new Scenario();
      const p = sc.client('p').login();
      const s = sc.client('s').login();
      s.subscribe(1, ['#']);
      p.publish({ topic: 'a/b', payload: 'x' });
      s.suback(1, [0]);
      sc.client('late').login().sub(1, ['#']);
      expect(sc.end()).toEqual([]);
    });

    it('the subscriber ended its session before the message', () => {
      const sc = new Scenario();
      const s = sc.client('s').login().sub(1, ['#']);
      s.disconnect();
      s.close();
      sc.client('p').login().publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('the subscriber closed within the settle time (250 ms) without getting it', () => {
      const sc = new Scenario();
      const s = sc.client('s').login().sub(1, ['#']);
      sc.client('p').login().publish({ topic: 'a/b', payload: 'x' });
      sc.wait(10);
      s.close('reset');
      expect(sc.end()).toEqual([]);
    });

    it('the subscriber stream has a capture gap', () => {
      const { sc, watcher, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x' });
      watcher.gap('s2c');
      expect(sc.end()).toEqual([]);
    });

    it('the subscriber unsubscribed before the publish', () => {
      const { sc, watcher, pub } = base();
      watcher.unsubscribe(2, ['#']);
      watcher.unsuback(2);
      pub.publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('the publisher was refused: nothing is routed', () => {
      const sc = new Scenario();
      sc.client('w').login().sub(1, ['#']);
      const p = sc.client('p');
      p.connect();
      p.connack(5);
      p.publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end().map((f) => f.code)).toEqual(['connect-refused']);
    });

    it('the capture ends inside the window: undecided', () => {
      const { sc, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end(100)).toEqual([]);
    });

    it('the capture ends after the window: decided even though end() closes the connections', () => {
      const { sc, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end(6000).map((f) => f.code)).toEqual(['undelivered-publish']);
    });

    it('DUP re-sends are one message', () => {
      const { sc, watcher, pub } = base();
      pub.publish({ topic: 'a/b', payload: 'x', qos: 1, id: 4 });
      sc.wait(1000);
      pub.publish({ topic: 'a/b', payload: 'x', qos: 1, id: 4, dup: true });
      pub.puback(4);
      watcher.deliver({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('the publisher gets its own message back (no no-local in 3.1.1)', () => {
      const sc = new Scenario();
      const p = sc.client('p').login().sub(1, ['a/#']);
      p.publish({ topic: 'a/b', payload: 'x' });
      p.deliver({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('MQTT 5 no-local: the publisher is not expected', () => {
      const sc = new Scenario();
      const p = sc.client('p', { version: 5 }).login().sub(1, [{ filter: 'a/#', nl: true }]);
      p.publish({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('$ topics do not match # or + at the first level', () => {
      const sc = new Scenario();
      sc.client('w').login().sub(1, ['#', '+/x']);
      sc.client('p').login().publish({ topic: '$SYS/x', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('$ topics do match an explicit $ filter', () => {
      const sc = new Scenario();
      sc.client('w').login().sub(1, ['$SYS/#']);
      sc.client('p').login().publish({ topic: '$SYS/x', payload: 'x' });
      expect(sc.end().map((f) => f.code)).toEqual(['undelivered-publish']);
    });

    it('overlapping subscriptions: one delivery per subscriber is enough', () => {
      const sc = new Scenario();
      const w = sc.client('w').login().sub(1, ['#', 'a/+', 'a/b']);
      sc.client('p').login().publish({ topic: 'a/b', payload: 'x' });
      w.deliver({ topic: 'a/b', payload: 'x' });
      expect(sc.end()).toEqual([]);
    });

    it('a retained message delivered on a later SUBSCRIBE is not a drop', () => {
      const sc = new Scenario();
      const w = sc.client('w').login().sub(1, ['a/#']);
      const p = sc.client('p').login();
      p.publish({ topic: 'a/b', payload: 'on', retain: true });
      w.deliver({ topic: 'a/b', payload: 'on' });
      sc.wait(100);
      const late = sc.client('late').login().sub(1, ['a/b']);
      late.deliver({ topic: 'a/b', payload: 'on', retain: true });
      expect(sc.end()).toEqual([]);
      const t = sc.analyzer.snapshot().topics.find((x) => x.topic === 'a/b')!;
      expect(t).toMatchObject({ published: 1, delivered: 2, retained: { preview: 'on' } });
    });

    it('a persistent session delivered on a reconnect counts', () => {
      const sc = new Scenario();
      const w = sc.client('w').login({ clean: false }).sub(1, [{ filter: 'a/#', qos: 1 }]);
      const p = sc.client('p').login();
      p.publish({ topic: 'a/b', payload: 'x', qos: 1, id: 1 });
      p.puback(1);
      const w2 = sc.client('w');
      w2.connect({ clientId: 'w', clean: false });
      w2.connack(0, { sessionPresent: true });
      w2.deliver({ topic: 'a/b', payload: 'x', qos: 1, id: 1 });
      w2.ack('PUBACK', 1, 'c2s');
      w.close();
      expect(sc.end().filter((f) => f.code !== 'session-takeover')).toEqual([]);
    });

    it('QoS 0 lost while the subscriber is being taken over', () => {
      const sc = new Scenario();
      sc.client('w').login().sub(1, ['#']);
      const p = sc.client('p').login();
      const w2 = sc.client('w');
      w2.connect({ clientId: 'w' });
      p.publish({ topic: 'a/b', payload: 'x' });
      w2.connack(0);
      expect(sc.end().map((f) => f.code)).toEqual(['session-takeover']);
    });
  });
});

describe('undelivered-publish: MQTT 5 maximum packet size', () => {
  it('a subscriber whose Maximum Packet Size is too small is not expected [MQTT-3.1.2-25]', () => {
    const sc = new Scenario();
    const w = sc.client('w', { version: 5 });
    w.connect({ properties: { maximum_packet_size: 8 } });
    w.connack(0);
    w.sub(1, ['#']);
    expect(sc.analyzer.snapshot().sessions[0]!.subscriptions).toHaveLength(1);
    sc.client('p').login().publish({ topic: 'a/b', payload: 'a payload longer than eight bytes' });
    // No drop: only the info that the broker discards it for w (too large for it).
    expect(sc.end().map((f) => [f.code, f.severity, f.extra['cause']])).toEqual([['withheld-delivery', 'info', 'maximum-packet-size']]);
  });

  it('still fires when the subscriber stays past the settle time and leaves before the window ends', () => {
    // The captures/acl.pcap shape: the watcher disconnects 333 ms after the denied publish.
    const { sc, watcher, pub } = base();
    pub.publish({ topic: 'panama/colon/user1', payload: 'denied silently' });
    sc.wait(333);
    watcher.disconnect();
    watcher.close();
    expect(sc.end().map((f) => f.code)).toEqual(['undelivered-publish']);
  });

  it('decides at the end of a short capture once the settle time has passed', () => {
    const { sc, pub } = base();
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(300);
    expect(sc.end(0).map((f) => f.code)).toEqual(['undelivered-publish']);
  });

  it('leaves it undecided when the capture ends inside the settle time', () => {
    const { sc, pub } = base();
    pub.publish({ topic: 'a/b', payload: 'x' });
    sc.wait(100);
    expect(sc.end(0)).toEqual([]);
  });
});
