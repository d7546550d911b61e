// Delivery matching stays O(1) per delivery when the broker drops messages:
// undecided messages pile up in the topic's pending list for a whole window,
// and neither matching nor retiring a message may walk that list each time.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

function work(sc: Scenario): number {
  return (sc.analyzer as unknown as { delivery: { work: number } }).delivery.work;
}

describe('delivery correlation at scale', () => {
  it('identical payloads with every other delivery dropped: constant work per delivery, every drop reported', () => {
    const sc = new Scenario();
    const watcher = sc.client('watcher').login({ username: null }).sub(1, ['#']);
    const pub = sc.client('p1').login({ username: 'user1' });
    const N = 20_000;
    let delivered = 0;
    for (let i = 0; i < N; i++) {
      pub.publish({ topic: 'a/b', payload: 'same' });
      // The first half loses every other delivery (as a congested broker drops QoS 0).
      if (i >= N / 2 || i % 2 === 0) { watcher.deliver({ topic: 'a/b', payload: 'same' }); delivered++; }
      sc.wait(0.01);
    }
    // Before the fix, retiring a matched message spliced it out of the front of a
    // list of up to N/4 undecided ones, and the old code did ~N²/16 moves here.
    expect(work(sc)).toBeLessThan(4 * delivered);
    sc.wait(6000).tick();
    expect(sc.codes().filter((c) => c === 'undelivered-publish')).toHaveLength(N / 4);
  });

  it('distinct payloads delivered in order: each is found right after the previous one', () => {
    const sc = new Scenario();
    const watcher = sc.client('watcher').login({ username: null }).sub(1, ['#']);
    const pub = sc.client('p1').login({ username: 'user1' });
    for (let i = 0; i < 2000; i++) pub.publish({ topic: 'a/b', payload: `m${i}` });
    // Delivered in order: each is found right after the previous one.
    for (let i = 0; i < 2000; i++) watcher.deliver({ topic: 'a/b', payload: `m${i}` });
    expect(work(sc)).toBeLessThan(3 * 2000);
    sc.wait(6000).tick();
    expect(sc.findings).toEqual([]);
  });

  it('short-lived subscribers on a topic whose pending list never empties: their cursors are forgotten', () => {
    const sc = new Scenario();
    // The watcher never gets anything, so every message stays pending for the whole window.
    sc.client('watcher').login({ username: null }).sub(1, ['#']);
    const pub = sc.client('p1').login({ username: 'user1' });
    for (let i = 0; i < 2000; i++) {
      const sub = sc.client(`s${i}`).login().sub(1, ['a/b']);
      pub.publish({ topic: 'a/b', payload: `m${i}` });
      sub.deliver({ topic: 'a/b', payload: `m${i}` });
      sub.close();
      sc.wait(1);
    }
    const delivery = (sc.analyzer as unknown as { delivery: { byTopic: Map<string, { cursors: Map<unknown, number> }> } }).delivery;
    expect(delivery.byTopic.get('a/b')!.cursors.size).toBeLessThan(600);
    sc.wait(6000).tick();
    expect(sc.codes().filter((c) => c === 'withheld-delivery').length).toBe(2000);
  });
});


describe('delivery correlation under a backlog it cannot hold', () => {
  it('awaits at most maxPendingDeliveries publishes; the rest are counted, not checked, and tracking resumes once it drains', () => {
    const sc = new Scenario({ maxPendingDeliveries: 100 });
    const watcher = sc.client('watcher').login({ username: null }).sub(1, ['#']);
    const pub = sc.client('p1').login({ username: 'user1' });
    for (let i = 0; i < 150; i++) pub.publish({ topic: 'a/b', payload: `m${i}` });
    let snap = sc.analyzer.snapshot();
    expect(snap.pendingDeliveries).toBe(100);
    expect(snap.untrackedDeliveryPublishes).toBe(50);
    // The broker delivers the first 100; the 50 untracked ones are never delivered and not reported.
    for (let i = 0; i < 100; i++) watcher.deliver({ topic: 'a/b', payload: `m${i}` });
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    // Room again: a later publish that goes undelivered is reported.
    pub.publish({ topic: 'a/b', payload: 'late' });
    sc.wait(6000).tick();
    snap = sc.analyzer.snapshot();
    expect(snap.untrackedDeliveryPublishes).toBe(50);
    expect(sc.findings.map((f) => f.code)).toEqual(['undelivered-publish']);
    expect(sc.findings[0]!.extra['payload_length']).toBe('late'.length);
  });
});

describe('delivery correlation lets decided messages go', () => {
  it('a backlog delivered in order keeps no decided message (nor its delivery record) reachable from the topic list', () => {
    const sc = new Scenario({ keepRecords: false });
    const watcher = sc.client('watcher').login({ username: null }).sub(1, ['#']);
    const pub = sc.client('p1').login({ username: 'user1' });
    for (let i = 0; i < 1000; i++) pub.publish({ topic: 'a/b', payload: `m${i}` });
    for (let i = 0; i < 600; i++) watcher.deliver({ topic: 'a/b', payload: `m${i}` });
    const d = (sc.analyzer as unknown as { delivery: { byTopic: Map<string, { pending: ({ done: boolean; got0: unknown } | undefined)[]; head: number }> } }).delivery;
    const ts = d.byTopic.get('a/b')!;
    const held = ts.pending.filter((p) => p !== undefined);
    // Only the 400 undecided ones (compaction may have moved them to the front).
    expect(held).toHaveLength(400);
    expect(held.every((p) => !p.done && p.got0 === null)).toBe(true);
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(400);
    for (let i = 600; i < 1000; i++) watcher.deliver({ topic: 'a/b', payload: `m${i}` });
    expect(sc.analyzer.snapshot().pendingDeliveries).toBe(0);
    sc.wait(6000).tick();
    expect(sc.findings).toEqual([]);
  });
});
