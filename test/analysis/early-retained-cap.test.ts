// Retained copies a broker sends a session between its SUBSCRIBE and the SUBACK are
// remembered (they are not owed again), per distinct topic. A SUBACK that never comes
// while the broker keeps sending retained copies must not grow that set without limit.
import { describe, expect, it } from 'vitest';
import { MAX_EARLY_TOPICS } from '../../src/analysis/grants.js';
import { Scenario } from './helpers.js';

/** The early set the GrantWatch keeps for a connection (private: read through casts). */
function earlySet(sc: Scenario, connId: string): { size: number } | undefined {
  const a = sc.analyzer as unknown as { grants: { early: WeakMap<object, { size: number }> }; sessions: { get(id: string): object | undefined } };
  return a.grants.early.get(a.sessions.get(connId)!);
}

/** A retained message on r/owed that the broker is seen to keep (a subscriber was sent it). */
function kept(): Scenario {
  const sc = new Scenario({ brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000 });
  sc.client('p').login().publish({ topic: 'r/owed', payload: 'v', retain: true });
  sc.client('w').login().sub(1, ['r/#']).deliver({ topic: 'r/owed', payload: 'v', retain: true });
  sc.wait(50);
  return sc;
}

describe('retained copies before a SUBACK', () => {
  it('at most MAX_EARLY_TOPICS topics are remembered; past them the subscription is not watched', () => {
    const sc = kept();
    const s = sc.client('s').login();
    s.subscribe(1, ['r/#']);
    for (let i = 0; i < 3 * MAX_EARLY_TOPICS; i++) s.deliver({ topic: `r/t${i}`, payload: 'x', retain: true });
    expect(earlySet(sc, s.meta.id)?.size ?? 0).toBeLessThanOrEqual(MAX_EARLY_TOPICS);
    const before = sc.analyzer.snapshot().untrackedRetainedGrants;
    s.suback(1, [0]);
    // Which retained copies came early is not known any more: r/owed is not awaited, and that is counted.
    expect(sc.analyzer.snapshot().untrackedRetainedGrants).toBe(before + 1);
    sc.end();
    expect(sc.codes()).toEqual([]);
  });

  it('under the cap, a copy sent before the SUBACK is still not owed again', () => {
    const sc = kept();
    const s = sc.client('s').login();
    s.subscribe(1, ['r/#']);
    s.deliver({ topic: 'r/owed', payload: 'v', retain: true });
    s.suback(1, [0]);
    sc.end();
    expect(sc.codes()).toEqual([]);
    // And without it, the missing copy is reported: the watch is on.
    const sc2 = kept();
    sc2.client('s').login().sub(1, ['r/#']);
    sc2.end();
    expect(sc2.codes()).toEqual(['withheld-delivery']);
  });
});
