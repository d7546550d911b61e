// Connection churn next to thousands of idle connections, and persistent
// sessions reconnecting among a long history: the cost of one more connection
// must not depend on how many are open or how many came before.
import { describe, expect, it } from 'vitest';
import { budget, shortConnection } from './churn.js';
import { connack, connect, DISCONNECT, Rig, subscribe, suback } from './wire.js';

describe('connection churn next to idle connections and a long history', () => {
  it('thousands of idle connections do not make each new connection slower', () => {
    const rig = new Rig();
    const churn = (n: number, base: number): number => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        shortConnection(rig, base + i);
        if (i % 1000 === 0) budget(t0, 10_000, `churn from ${base}`);
      }
      return performance.now() - t0;
    };
    churn(3_000, 0); // warm up
    const before = churn(15_000, 10_000);
    // 25,000 clients connect and stay (more than the closed-session cap's trigger).
    const t1 = performance.now();
    for (let i = 0; i < 25_000; i++) {
      if (i % 1000 === 0) budget(t1, 10_000, 'idle connections');
      const id = rig.open();
      rig.c(id, connect(`idle-${i}`, { keepAlive: 0 }));
      rig.s(id, connack());
    }
    const after = churn(15_000, 100_000);
    expect(rig.analyzer.snapshot().sessions.filter((s) => s.state === 'connected').length).toBe(25_000);
    // Every CONNECT used to walk every live session, and every open rebuilt the session list.
    expect(after).toBeLessThan(3 * before + 500);
  }, 30_000);

  it('a persistent client that reconnects finds its previous session without walking the history', () => {
    const rig = new Rig();
    // 20,000 sessions of history.
    for (let i = 0; i < 20_000; i++) shortConnection(rig, i);
    rig.advance(10_000_000); // past the delivery and will windows
    const reconnect = (n: number, persistent: boolean): number => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const id = rig.open();
        rig.c(id, connect(`${persistent ? 'persistent' : 'clean'}-${i % 50}`, { clean: !persistent }));
        rig.s(id, connack({ sessionPresent: persistent && i >= 50 }));
        if (i < 50) { rig.c(id, subscribe(1, `cmd/${i}`)); rig.s(id, suback(1)); }
        rig.c(id, DISCONNECT);
        rig.engine.close(id, rig.time, 'fin');
        if (i % 1000 === 0) budget(t0, 10_000, 'reconnects');
      }
      return performance.now() - t0;
    };
    reconnect(2_000, false); // warm up
    const clean = reconnect(10_000, false);
    const persistent = reconnect(10_000, true);
    const snap = rig.analyzer.snapshot();
    const last = snap.sessions.filter((s) => s.clientId === 'persistent-7').pop()!;
    expect(last.subscriptions.map((s) => [s.filter, s.inherited])).toEqual([['cmd/7', true]]);
    // Looking up the previous session walked every kept session (up to 20,000) per CONNACK.
    expect(persistent).toBeLessThan(3 * clean + 300);
  }, 30_000);
});
