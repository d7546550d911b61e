// The budget of subscriptions kept by all sessions together (maxSubscriptions) must not
// be filled for good by closed sessions: a persistent client of 10 filters that
// reconnected often left 10 in each closed connection, which could not be trimmed below
// the 100 a closed session keeps, so every later grant of an open session was not kept
// and its deliveries were no longer checked.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';

const FILTERS = Array.from({ length: 10 }, (_, j) => `budget/${j}/#`);

describe('subscriptions of closed sessions and the total budget', () => {
  it('a persistent client reconnecting 300 times keeps its subscriptions known, and its drops reported', () => {
    const h = new Harness({ brokerKind: 'mosquitto', maxSubscriptions: 1000 });
    let last = null as ReturnType<Harness['conn']> | null;
    for (let i = 0; i < 300; i++) {
      const c = h.conn();
      c.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, clientId: 'persistent', keepalive: 60 });
      c.s({ cmd: 'connack', sessionPresent: i > 0, returnCode: 0 });
      if (i === 0) {
        c.c({ cmd: 'subscribe', messageId: 1, subscriptions: FILTERS.map((topic) => ({ topic, qos: 1 })) });
        c.s({ cmd: 'suback', messageId: 1, granted: FILTERS.map(() => 1) });
      }
      h.wait(10);
      if (i < 299) c.close(); else last = c;
    }
    // Each closed connection holds its 10 inherited subscriptions: 2,990 past a budget of 1,000.
    expect(h.findings.filter((f) => f.extra?.['note'] === 'subscriptions-not-tracked')).toEqual([]);
    const snap = h.analyzer.snapshot();
    const s = snap.sessions.find((x) => x.conn === last!.meta.id)!;
    expect(s.subscriptionsIncomplete).toBe(false);
    expect(s.subscriptions).toHaveLength(10);
    // A publish it is owed and never gets is still reported.
    const pub = h.conn().login('pub', 'p');
    h.wait(300);
    pub.publish({ topic: 'budget/3/x', payload: 'owed' });
    h.end();
    const f = h.byCode('undelivered-publish');
    expect(f).toHaveLength(1);
    expect(f[0]!.text).toContain("persistent: 'budget/3/#'");
    expect(snap.untrackedSubscriptions).toBeGreaterThan(0);
  });
});
