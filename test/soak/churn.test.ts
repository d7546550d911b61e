// Connection churn through the Engine and the Analyzer in one process: what a
// proxy in front of a busy broker sees over days. Every connection's state must
// be let go (or capped) once it closes, and the cost per connection must not
// grow with how many came before or how many are idle.
import { describe, expect, it } from 'vitest';
import { budget, shortConnection } from './churn.js';
import { connect, connack, MiB, retainedHeap, Rig, subscribe, suback } from './wire.js';

describe('connection churn (Engine + Analyzer)', () => {
  it('200,000 short connections: retained state stops growing and the cost per connection stays flat', () => {
    const rig = new Rig();
    // A subscriber that stays for the whole run, so delivery correlation has work.
    const sub = rig.open();
    rig.c(sub, connect('watcher'));
    rig.s(sub, connack());
    rig.c(sub, subscribe(1, 'data/#'));
    rig.s(sub, suback(1));
    const times: number[] = [];
    let heapAt100k = 0;
    for (let round = 0; round < 4; round++) {
      const t0 = performance.now();
      for (let i = round * 50_000; i < (round + 1) * 50_000; i++) {
        shortConnection(rig, i);
        if (i % 1000 === 0) budget(t0, 10_000, `connections ${round * 50_000}-${i}`);
      }
      times.push(performance.now() - t0);
      if (round === 1) heapAt100k = retainedHeap();
    }
    const heapAt200k = retainedHeap();
    const snap = rig.analyzer.snapshot();
    // Closed sessions are forgotten past the documented cap, and the snapshot says how many.
    expect(snap.sessions.length).toBeLessThanOrEqual(20_001);
    expect(snap.forgottenSessions).toBe(200_001 - snap.sessions.length);
    expect(snap.clients.length).toBeLessThanOrEqual(snap.sessions.length);
    const lastDev = snap.sessions.findLast((x) => x.clientId?.startsWith('dev-'));
    expect([lastDev?.clientId, lastDev?.will?.topic]).toEqual(['dev-0199998', 'status/dev-0199998']);
    expect(snap.topics.length).toBeLessThanOrEqual(10_000);
    // Wills armed by the resets stay only for their window.
    expect(snap.armedWills).toBeLessThan(10_000);
    // From 100k to 200k connections the retained heap stays put (the state is capped).
    expect((heapAt200k - heapAt100k) / MiB).toBeLessThan(8);
    // Cost per connection: the last 50k no slower than the first 50k (quadratic work
    // showed up as ~20× here). Generous against scheduling noise on a shared machine.
    expect(times[3]!).toBeLessThan(3 * times[0]! + 500);
  }, 30_000);
});
