// Wills and the per-session lists over a long run: what a closed session keeps,
// how many armed wills are watched at once, and a client that subscribes and
// unsubscribes for days on one connection.
import { describe, expect, it } from 'vitest';
import { budget } from './churn.js';
import { connack, connect, DISCONNECT, MiB, publish, retainedBuffers, Rig, subscribe, suback, unsuback, unsubscribe } from './wire.js';

describe('wills over a long run', () => {
  it('MQTT 5 wills delayed by a day: at most 10,000 are watched, the rest counted, and the newest still found', () => {
    const rig = new Rig();
    const sub = rig.open();
    rig.c(sub, connect('watcher', { version: 5 }));
    rig.s(sub, connack({ version: 5 }));
    const t0 = performance.now();
    for (let i = 0; i < 30_000; i++) {
      const id = rig.open();
      // The session outlives the delay (a will's delay ends with its session at the latest).
      rig.c(id, connect(`d${i}`, { version: 5, sessionExpiry: 2 * 86_400, will: { topic: `lwt/d${i}`, payload: new Uint8Array([1, 2, 3]), delaySeconds: 86_400 } }));
      rig.s(id, connack({ version: 5 }));
      rig.time += 1000;
      rig.engine.close(id, rig.time, 'reset');
      if (i % 1000 === 0) { rig.advance(0); budget(t0, 10_000, `wills up to ${i}`); }
    }
    let snap = rig.analyzer.snapshot();
    expect(snap.armedWills).toBe(10_000);
    expect(snap.unwatchedWills).toBe(20_000);
    // The broker publishes the latest one: still recognised.
    rig.s(sub, publish('lwt/d29999', new Uint8Array([1, 2, 3]), { version: 5 }));
    expect(rig.byCode.get('will-published')).toBe(1);
    // A day later they are all over.
    rig.advance(86_400_000_000 + 10_000_000);
    snap = rig.analyzer.snapshot();
    expect(snap.armedWills).toBe(0);
  });

  it('a closed session keeps only the start of its will: 1,000 clients with 60 KiB wills', () => {
    const rig = new Rig();
    const big = new Uint8Array(60 * 1024).fill(0x41);
    const conn = connect('w', { will: { topic: 'lwt/w', payload: big } });
    const before = retainedBuffers();
    for (let i = 0; i < 1000; i++) {
      const id = rig.open();
      rig.c(id, conn.slice());
      rig.s(id, connack());
      rig.c(id, DISCONNECT);
      rig.time += 1000;
      rig.engine.close(id, rig.time, 'fin');
    }
    // 60 MiB of will payloads used to stay with the 1,000 closed sessions.
    expect((retainedBuffers() - before) / MiB).toBeLessThan(8);
    const s = rig.analyzer.snapshot().sessions.at(-1)!;
    expect(s.will?.payloadLength).toBe(60 * 1024);
    expect(s.will?.preview).toMatch(/^A{64}…$/);
  });

  it('armed will payloads are capped in bytes too', () => {
    const rig = new Rig();
    const big = new Uint8Array(60 * 1024).fill(0x42);
    const conn = connect('b', { will: { topic: 'lwt/all', payload: big } });
    for (let i = 0; i < 1500; i++) {
      const id = rig.open();
      rig.c(id, conn.slice());
      rig.s(id, connack());
      rig.time += 1000;
      rig.engine.close(id, rig.time, 'reset');
    }
    const snap = rig.analyzer.snapshot();
    // 64 MiB of payloads at most (1,092 of 60 KiB): the oldest are no longer watched.
    expect(snap.armedWills).toBe(1092);
    expect(snap.unwatchedWills).toBe(1500 - 1092);
  });

  it('a client that subscribes and unsubscribes for days lists its last 100 unsubscriptions', () => {
    const rig = new Rig();
    const id = rig.open();
    rig.c(id, connect('flapper'));
    rig.s(id, connack());
    for (let i = 0; i < 20_000; i++) {
      const pid = (i % 65_535) + 1;
      rig.c(id, subscribe(pid, `room/${i}`));
      rig.s(id, suback(pid));
      rig.c(id, unsubscribe(pid, `room/${i}`));
      rig.s(id, unsuback(pid));
      rig.time += 1000;
    }
    const s = rig.analyzer.snapshot().sessions[0]!;
    expect(s.unsubscribed.length).toBe(100);
    expect(s.unsubscribed.at(-1)).toBe('room/19999');
    expect(s.unsubscribedDropped).toBe(19_900);
    expect(s.subscriptions).toEqual([]);
  });
});
