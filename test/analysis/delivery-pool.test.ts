// Delivery correlation reuses decided Pendings. A reused one must never be seen
// through a slot that still held it (its topic's list, the deadline queue, the
// packet-id table): the findings must be exactly those of an analyzer that
// never reuses anything, whatever the traffic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { type Client, Scenario } from './helpers.js';

interface PendingView { seq: number; done: boolean; topic: string; payLen: number }
interface DeliveryInternals {
  pool: { push(p: unknown): void; pop(): unknown; length: number };
  byTopic: Map<string, { pending: (PendingView | undefined)[]; head: number }>;
}

function delivery(sc: Scenario): DeliveryInternals {
  return (sc.analyzer as unknown as { delivery: DeliveryInternals }).delivery;
}

/** A scenario whose correlator never reuses a Pending (the reference). */
function unpooled(): Scenario {
  const sc = new Scenario();
  delivery(sc).pool = { push() {}, pop: () => undefined, length: 0 };
  return sc;
}

type Op =
  | { k: 'pub'; topic: number; qos: number; payload: number }
  | { k: 'deliver'; sub: number; msg: number }
  | { k: 'ack'; msg: number }
  | { k: 'wait'; ms: number };

const TOPICS = ['a/b', 'a/c', 'x/y'];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('pub' as const), topic: fc.nat(TOPICS.length - 1), qos: fc.nat(2), payload: fc.nat(3) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('deliver' as const), sub: fc.nat(2), msg: fc.nat(40) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('ack' as const), msg: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(0, 1, 300, 2000, 4000) }) },
);

/** Per topic, the undecided messages its list holds, in order: what matching will look at. */
function held(sc: Scenario): string[] {
  const out: string[] = [];
  for (const [t, ts] of delivery(sc).byTopic) {
    for (let i = ts.head; i < ts.pending.length; i++) {
      const p = ts.pending[i];
      if (p && !p.done) out.push(`${t}#${p.seq}:${p.topic}:${p.payLen}`);
    }
  }
  return out;
}

/**
 * Run the ops; the deliveries and acks name messages by index (mod how many were
 * published). Returns the findings and, after every op, what the lists held.
 */
function run(sc: Scenario, ops: Op[]): { findings: Finding[]; states: string[][] } {
  const states: string[][] = [];
  const subs: Client[] = [
    sc.client('s0').login().sub(1, [{ filter: 'a/#', qos: 2 }]),
    sc.client('s1').login().sub(1, [{ filter: 'a/b', qos: 1 }]),
    sc.client('s2').login().sub(1, ['+/+']),
  ];
  const pub = sc.client('pub').login();
  const msgs: { topic: string; qos: number; payload: string; id: number; acked: number }[] = [];
  let nextId = 1;
  for (const o of ops) {
    if (o.k === 'pub') {
      const m = { topic: TOPICS[o.topic]!, qos: o.qos, payload: `p${o.payload}`, id: nextId++, acked: 0 };
      msgs.push(m);
      pub.publish({ topic: m.topic, payload: m.payload, qos: m.qos, id: m.id });
    } else if (o.k === 'deliver' && msgs.length) {
      const m = msgs[o.msg % msgs.length]!;
      subs[o.sub]!.deliver({ topic: m.topic, payload: m.payload, qos: Math.min(m.qos, 1), id: 100 + o.msg });
    } else if (o.k === 'ack' && msgs.length) {
      const m = msgs[o.msg % msgs.length]!;
      // QoS 1: PUBACK. QoS 2: PUBREC, then PUBREL (routed now), then PUBCOMP.
      if (m.qos === 1 && m.acked === 0) { pub.puback(m.id); m.acked = 1; }
      else if (m.qos === 2 && m.acked === 0) { pub.ack('PUBREC', m.id, 's2c'); m.acked = 1; }
      else if (m.qos === 2 && m.acked === 1) { pub.ack('PUBREL', m.id, 'c2s'); pub.ack('PUBCOMP', m.id, 's2c'); m.acked = 2; }
    } else if (o.k === 'wait') {
      sc.wait(o.ms).tick();
    }
    sc.wait(0.05);
    states.push(held(sc));
  }
  return { findings: sc.end(), states };
}

describe('delivery correlation reuses decided messages', () => {
  it('gives the findings of an analyzer that never reuses one, for any interleaving', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
      const got = run(new Scenario(), ops);
      const want = run(unpooled(), ops);
      expect(got.states).toEqual(want.states);
      expect(got.findings).toEqual(want.findings);
    }), { numRuns: 400 });
  });

  it('past the held-bytes budget, publishes compared by payload digest give the same findings as ones held in place', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), fc.constantFrom(0, 2, 5), (ops, budget) => {
      const sc = new Scenario({ maxPendingPayloadBytes: budget });
      const got = run(sc, ops);
      const want = run(new Scenario(), ops);
      expect(got.findings).toEqual(want.findings);
      expect(got.states).toEqual(want.states);
      const snap = sc.analyzer.snapshot();
      // Everything was decided at the end: every held byte was given back.
      expect(snap.heldDeliveryBytes).toBe(0);
      if (budget === 0 && ops.some((o) => o.k === 'pub')) expect(snap.digestedDeliveryPublishes).toBeGreaterThan(0);
    }), { numRuns: 200 });
  });

  it('a digested publish is matched by its payload, not just its length', () => {
    // 'aaa' is held in place: 3 payload bytes, in a 5-byte buffer (a 2-byte header first),
    // within the budget; the others would take the payloads past it.
    const sc = new Scenario({ maxPendingPayloadBytes: 5 });
    const sub = sc.client('s').login().sub(1, ['t']);
    const pub = sc.client('p').login();
    pub.publish({ topic: 't', payload: 'aaa' }); // held in place
    const second = pub.publish({ topic: 't', payload: 'bbb' }); // digested
    const third = pub.publish({ topic: 't', payload: 'ccc' }); // digested
    expect(sc.analyzer.snapshot()).toMatchObject({ heldDeliveryBytes: 3, digestedDeliveryPublishes: 2 });
    sc.wait(1);
    sub.deliver({ topic: 't', payload: 'aaa' });
    sub.deliver({ topic: 't', payload: 'ccc' }); // 'bbb' never arrives
    const f = sc.end();
    expect(f.map((x) => [x.code, x.frames])).toEqual([['undelivered-publish', [second.frame]]]);
    expect(f[0]!.frames).not.toContain(third.frame);
    expect(sc.analyzer.snapshot().heldDeliveryBytes).toBe(0);
  });

  it('in-order traffic circulates one Pending; a drained backlog leaves its messages for reuse', () => {
    const sc = new Scenario();
    const sub = sc.client('sub').login().sub(1, ['t']);
    const pub = sc.client('pub').login();
    for (let i = 0; i < 1000; i++) {
      pub.publish({ topic: 't', payload: `m${i}` });
      sub.deliver({ topic: 't', payload: `m${i}` });
    }
    expect(delivery(sc).pool.length).toBe(1);
    // 200 held at once, then delivered in order: all 200 come back to the pool.
    for (let i = 0; i < 200; i++) pub.publish({ topic: 't', payload: `n${i}` });
    for (let i = 0; i < 200; i++) sub.deliver({ topic: 't', payload: `n${i}` });
    expect(delivery(sc).pool.length).toBe(200);
    // A message delivered out of order stays in its list behind an undecided one,
    // so it is reused only once the list lets go of it.
    pub.publish({ topic: 't', payload: 'first' });
    pub.publish({ topic: 't', payload: 'second' });
    sub.deliver({ topic: 't', payload: 'second' });
    expect(delivery(sc).pool.length).toBe(198);
    sub.deliver({ topic: 't', payload: 'first' });
    expect(delivery(sc).pool.length).toBe(200);
    expect(sc.end()).toEqual([]);
  });

  it('a reused message carries nothing of its previous life into a finding', () => {
    const sc = new Scenario();
    const sub = sc.client('sub').login().sub(1, [{ filter: 't/#', qos: 1 }]);
    const pub = sc.client('pub').login();
    pub.publish({ topic: 't/old', payload: 'old', qos: 1, id: 7 });
    pub.puback(7);
    sub.deliver({ topic: 't/old', payload: 'old', qos: 1, id: 1 });
    expect(delivery(sc).pool.length).toBe(1);
    // Reuses the Pending of 't/old'; never delivered.
    pub.publish({ topic: 't/new', payload: 'brand new', qos: 0 });
    expect(delivery(sc).pool.length).toBe(0);
    const [f] = sc.end();
    expect(f!.code).toBe('undelivered-publish');
    expect(f!.topic).toBe('t/new');
    expect(f!.extra['qos']).toBe(0);
    expect(f!.extra['packet_id']).toBe(null);
    expect(f!.extra['payload_length']).toBe(9);
    expect(f!.extra).not.toHaveProperty('ack_reason_code');
  });
});
