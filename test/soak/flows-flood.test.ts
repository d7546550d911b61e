// Packet-id flows a client opens faster than they are answered: a client that
// floods PINGREQs (or QoS 1 PUBLISHes) and never reads its socket, so the
// broker's answers stay behind backpressure and the proxy sees none of them.
// Two bytes of PINGREQ must not become hundreds of bytes of state.
import { describe, expect, it } from 'vitest';
import { connack, connect, MiB, PINGREQ, PINGRESP, publish, retainedHeap, Rig } from './wire.js';

/** `n` copies of `p`, back to back. */
function repeat(p: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(p.length * n);
  for (let i = 0; i < n; i++) out.set(p, i * p.length);
  return out;
}

describe('flows opened faster than they are answered', () => {
  it('a million unanswered PINGREQs on one connection keep a bounded state', () => {
    const rig = new Rig();
    const id = rig.open();
    rig.c(id, connect('pinger', { keepAlive: 0 }));
    rig.s(id, connack());
    const before = retainedHeap();
    const chunk = repeat(PINGREQ, 32_768); // a 64 KiB read
    for (let i = 0; i < 32; i++) { rig.c(id, chunk); rig.time += 1000; }
    const grown = (retainedHeap() - before) / MiB;
    const snap = rig.analyzer.snapshot();
    expect(snap.flows.stats.ping.count).toBe(32 * 32_768);
    // The oldest unanswered PINGREQs are given up on (counted incomplete) past the cap.
    expect(snap.flows.inFlight.length).toBeLessThanOrEqual(64);
    expect(snap.flows.stats.ping.incomplete).toBe(32 * 32_768 - snap.flows.inFlight.length);
    expect(grown).toBeLessThan(8);
    // The answers that do come finish the newest ones still held.
    rig.s(id, PINGRESP);
    expect(rig.analyzer.snapshot().flows.stats.ping.complete).toBe(1);
  });

  it('QoS 1 publishes on many connections whose PUBACKs never show: flows in flight are capped across connections', () => {
    const rig = new Rig({ maxFlowsInFlight: 100_000 });
    const payload = new Uint8Array(8);
    const conns: string[] = [];
    const before = retainedHeap();
    for (let c = 0; c < 4; c++) {
      const id = rig.open();
      conns.push(id);
      rig.c(id, connect(`flooder-${c}`));
      rig.s(id, connack());
      // Every packet id once: 65,535 flows on this connection.
      const parts: Uint8Array[] = [];
      for (let pid = 1; pid <= 65_535; pid++) parts.push(publish(`f/${c}`, payload, { qos: 1, id: pid }));
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) { all.set(p, o); o += p.length; }
      for (let off = 0; off < all.length; off += 65_536) rig.c(id, all.subarray(off, off + 65_536));
    }
    const snap = rig.analyzer.snapshot();
    expect(snap.flows.inFlight.length).toBe(100_000);
    expect(snap.untrackedFlows).toBe(4 * 65_535 - 100_000);
    // About 460 bytes a flow (its records mostly); 262,140 of them took 120 MiB.
    expect((retainedHeap() - before) / MiB).toBeLessThan(80);
    // PUBACKs of flows that were not tracked are not reported as acks for unknown ids.
    const last = conns[3]!;
    const acks = new Uint8Array(4 * 100);
    for (let i = 0; i < 100; i++) { const pid = 65_535 - i; acks.set([0x40, 2, pid >> 8, pid & 0xff], i * 4); }
    rig.s(last, acks);
    expect(rig.byCode.get('protocol-violation') ?? 0).toBe(0);
  });
});
