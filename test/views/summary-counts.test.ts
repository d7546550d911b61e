// SummaryCounter's connection and client counts, the filtered QoS flow table
// (held to the analysis's own on random flows), and the capture notes section.
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { Engine, type EngineObserver } from '../../src/engine/engine.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { formatSummaryLine } from '../../src/views/line.js';
import { FilteredFlowCounter, renderSummary, SummaryCounter } from '../../src/views/summary.js';
import { conn, finding, gen, T0 } from '../filter/records.js';

const g = (p: object, version = 4): Uint8Array => new Uint8Array(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: version }));

describe('SummaryCounter: connections', () => {
  it('counts each opened connection, also a second one on the same addresses and ports', () => {
    const c = new SummaryCounter();
    const a1 = conn(50000);
    const b = conn(50001);
    const a2 = conn(50000); // the same id, a new connection (the engine makes one ConnMeta per open)
    c.record(gen({ cmd: 'pingreq' }, { conn: a1 }));
    c.record(gen({ cmd: 'pingreq' }, { conn: b }));
    c.record(gen({ cmd: 'pingresp' }, { conn: a1, dir: 's2c' })); // interleaved: still the first
    c.record(gen({ cmd: 'pingreq' }, { conn: a2 }));
    c.record(gen({ cmd: 'pingreq' }, { conn: a2 }));
    expect(c.toRecord().connections).toBe(3);
  });

  it('a connection known first from a finding is counted once; a finding-only connection counts', () => {
    const c = new SummaryCounter();
    const a = conn(50000);
    c.record(finding({ conn: a.id, code: 'stream-gap' }));
    c.record(gen({ cmd: 'pingreq' }, { conn: a }));
    c.record(finding({ conn: conn(50009).id, code: 'stream-gap' }));
    expect(c.toRecord().connections).toBe(2);
    expect(c.hasConnection(a.id)).toBe(true);
    expect(c.hasConnection(conn(50010).id)).toBe(false);
  });
});

describe('SummaryCounter: bounded over a long run with churn', () => {
  const connect = (clientId: string) => ({ cmd: 'connect', clientId, protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 });

  it('counts every connection once while remembering only the latest ids', () => {
    const c = new SummaryCounter({ maxConnIds: 4 });
    const long = conn(41000); // stays open while 20 others come and go
    c.record(gen({ cmd: 'pingreq' }, { conn: long }));
    for (let i = 0; i < 20; i++) {
      const m = conn(42000 + i);
      c.record(gen({ cmd: 'pingreq' }, { conn: m }));
      c.record(gen({ cmd: 'pingresp' }, { conn: m, dir: 's2c' }));
    }
    expect(c.hasConnection(conn(42000).id)).toBe(false); // forgotten
    expect(c.hasConnection(conn(42019).id)).toBe(true);
    c.record(gen({ cmd: 'pingreq' }, { conn: long })); // its id was forgotten, the connection is the same
    expect(c.toRecord().connections).toBe(21);
    expect(Reflect.get(c, 'connMeta').size).toBeLessThanOrEqual(4);
  });

  it('lists at most maxKeys client ids and counts the rest, each once', () => {
    const c = new SummaryCounter({ maxKeys: 3 });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) c.record(gen(connect(`mosq-${i}`), { conn: conn(43000 + i), clientId: `mosq-${i}` }));
    }
    const s = c.toRecord();
    expect(s.clients).toEqual(['mosq-0', 'mosq-1', 'mosq-2']);
    expect(s.extra['clients_not_listed']).toBe(7);
    expect(formatSummaryLine(s)).toContain('10 clients');
    expect(renderSummary(s)).toContain('10 clients');
  });

  it('estimates tens of thousands of unlisted client ids within 1%, in fixed memory', () => {
    const c = new SummaryCounter({ maxKeys: 100 });
    const m = conn(46000);
    for (let i = 0; i < 60_100; i++) c.packet(gen({ cmd: 'pingreq' }, { conn: m, clientId: `sensor-${i}` }));
    for (let i = 0; i < 60_100; i += 7) c.packet(gen({ cmd: 'pingreq' }, { conn: m, clientId: `sensor-${i}` })); // seen before
    expect(c.toRecord().clients).toHaveLength(100);
    expect(Math.abs(c.clientsNotListed - 60_000)).toBeLessThan(300);
    expect(Reflect.get(c, 'overflowBits').byteLength).toBe(128 * 1024);
  });

  it('forgets anonymous connections beyond maxConnIds, and a label leaves the clients only when no connection counts under it', () => {
    const c = new SummaryCounter({ maxConnIds: 5 });
    for (let i = 0; i < 50; i++) c.record(gen(connect(''), { conn: conn(44000 + i), clientId: '' }));
    expect(Reflect.get(c, 'anonymous').size).toBe(5);
    expect(Reflect.get(c, 'anonymousLabels').size).toBe(5);
    expect(c.toRecord().clients).toHaveLength(50);
    // The same address and ports reused by a second anonymous connection, then one of the two gets an id:
    const a1 = conn(45000);
    const a2 = conn(45000);
    const e = new SummaryCounter();
    e.record(gen(connect(''), { conn: a1, clientId: '' }));
    e.record(gen(connect(''), { conn: a2, clientId: '' }));
    e.record(gen({ cmd: 'pingreq' }, { conn: a2, clientId: 'assigned-1' }));
    expect(e.toRecord().clients).toEqual(['127.0.0.1:45000', 'assigned-1']);
  });
});

describe('SummaryCounter: a broker-assigned client id', () => {
  it('moves what was counted under the client address to the assigned id: one client', () => {
    const counter = new SummaryCounter();
    const engine = new Engine({ onRecord: (r) => counter.record(r) });
    const c = conn(37716, '::1');
    engine.open(c, T0);
    engine.data(c.id, 'c2s', g({ cmd: 'connect', clientId: '', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 60 }, 5), T0);
    engine.data(c.id, 's2c', g({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { assignedClientIdentifier: 'auto-6F78' } }, 5), T0 + 1);
    engine.data(c.id, 'c2s', g({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0 }, 5), T0 + 2);
    engine.end(T0 + 3);
    const s = counter.toRecord();
    expect(s.clients).toEqual(['auto-6F78']);
    expect(s.extra['per_client']).toEqual({ 'auto-6F78': { packets: 3, sent: 2, received: 1, bytes: expect.any(Number) } });
  });

  it('an empty client id that the broker does not replace stays counted by address', () => {
    const c = new SummaryCounter();
    const m = conn(40000);
    c.record(gen({ cmd: 'connect', clientId: '', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 }, { conn: m, clientId: '' }));
    c.record(gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }, { conn: m, dir: 's2c', clientId: '' }));
    expect(c.toRecord().clients).toEqual(['127.0.0.1:40000']);
  });
});

type Step =
  | { t: 'pub'; c: number; qos: 1 | 2; id: number; dup: boolean; dir: 'c2s' | 's2c' }
  | { t: 'ack'; c: number; type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'; id: number; rc: number; dir: 'c2s' | 's2c' }
  | { t: 'sub'; c: number; id: number }
  | { t: 'suback'; c: number; id: number; code: number }
  | { t: 'unsub'; c: number; id: number }
  | { t: 'unsuback'; c: number; id: number }
  | { t: 'ping'; c: number }
  | { t: 'pong'; c: number }
  | { t: 'close'; c: number }
  | { t: 'gap'; c: number; dir: 'c2s' | 's2c'; reason: 'lost' | 'not-captured' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constant('pub' as const), c: fc.nat(2), qos: fc.constantFrom(1 as const, 2 as const), id: fc.integer({ min: 1, max: 3 }), dup: fc.boolean(), dir: fc.constantFrom('c2s' as const, 's2c' as const) }),
  fc.record({ t: fc.constant('ack' as const), c: fc.nat(2), type: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const), id: fc.integer({ min: 1, max: 3 }), rc: fc.constantFrom(0, 0, 0x87), dir: fc.constantFrom('c2s' as const, 's2c' as const) }),
  fc.record({ t: fc.constant('sub' as const), c: fc.nat(2), id: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant('suback' as const), c: fc.nat(2), id: fc.integer({ min: 1, max: 3 }), code: fc.constantFrom(0, 1, 0x80) }),
  fc.record({ t: fc.constant('unsub' as const), c: fc.nat(2), id: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant('unsuback' as const), c: fc.nat(2), id: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant('ping' as const), c: fc.nat(2) }),
  fc.record({ t: fc.constant('pong' as const), c: fc.nat(2) }),
  fc.record({ t: fc.constant('close' as const), c: fc.nat(2) }),
  fc.record({ t: fc.constant('gap' as const), c: fc.nat(2), dir: fc.constantFrom('c2s' as const, 's2c' as const), reason: fc.constantFrom('lost' as const, 'not-captured' as const) }),
);

/**
 * Runs steps through an Engine with an Analyzer, feeding every packet to `onPacket`
 * and, when given, gaps and closes to `counter` (as `read --filter --summary` does).
 */
function run(steps: Step[], version: 4 | 5, onPacket: (r: PacketRecord) => void, counter?: FilteredFlowCounter): Analyzer {
  const analyzer = new Analyzer(() => {});
  const observers: EngineObserver[] = [analyzer];
  if (counter) observers.push({ gap: (m, d, _t, _f, why) => counter.gap(m, d, why), close: (m) => counter.close(m) });
  const engine = new Engine({ onRecord: (r: OutputRecord) => { if (r.kind === 'packet') onPacket(r); }, observers });
  const conns: (ConnMeta | null)[] = [null, null, null];
  let t = T0;
  const open = (i: number): ConnMeta => {
    let m = conns[i];
    if (m) return m;
    m = conn(41000 + i);
    conns[i] = m;
    engine.open(m, t);
    engine.data(m.id, 'c2s', g({ cmd: 'connect', clientId: `c${i}`, protocolId: 'MQTT', protocolVersion: version, clean: true, keepalive: 60 }, version), t);
    engine.data(m.id, 's2c', g({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false }, version), t);
    return m;
  };
  for (const s of steps) {
    t += 1000;
    if (s.t === 'close') {
      const m = conns[s.c];
      if (m) { engine.close(m.id, t, 'fin'); conns[s.c] = null; }
      continue;
    }
    if (s.t === 'gap') {
      const m = conns[s.c];
      if (m) engine.gap(m.id, s.dir, t, 0, undefined, s.reason);
      continue;
    }
    const m = open(s.c);
    const send = (dir: 'c2s' | 's2c', p: object): void => engine.data(m.id, dir, g(p, version), t);
    switch (s.t) {
      case 'pub': send(s.dir, { cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: s.qos, messageId: s.id, dup: s.dup }); break;
      case 'ack': send(s.dir, { cmd: s.type, messageId: s.id, ...(version === 5 && s.rc ? { reasonCode: s.rc } : {}) }); break;
      case 'sub': send('c2s', { cmd: 'subscribe', messageId: s.id, subscriptions: [{ topic: 'a/#', qos: 1 }] }); break;
      case 'suback': send('s2c', { cmd: 'suback', messageId: s.id, granted: [s.code] }); break;
      case 'unsub': send('c2s', { cmd: 'unsubscribe', messageId: s.id, unsubscriptions: ['a/#'] }); break;
      case 'unsuback': send('s2c', { cmd: 'unsuback', messageId: s.id, ...(version === 5 ? { granted: [0] } : {}) }); break;
      case 'ping': send('c2s', { cmd: 'pingreq' }); break;
      case 'pong': send('s2c', { cmd: 'pingresp' }); break;
    }
  }
  engine.end(t + 1000);
  return analyzer;
}

describe('FilteredFlowCounter over many connections', () => {
  it('settles a closed connection\'s open flows and lets it go (incomplete; unobserved when the answer\'s direction was never captured)', () => {
    const f = new FilteredFlowCounter();
    for (let i = 0; i < 1000; i++) {
      const m = conn(30000 + i);
      f.packet(gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 1 }, { conn: m }), true);
      if (i % 2 === 0) f.gap(m, 's2c', 'not-captured');
      f.close(m);
    }
    expect(Reflect.get(f, 'live').size).toBe(0);
    expect(Reflect.get(f, 'notCaptured').size).toBe(0);
    expect(f.stats()['publish-qos1']).toMatchObject({ count: 1000, incomplete: 500, unobserved: 500 });
  });

  it('a direction thought never captured is in view again from its next packet', () => {
    const f = new FilteredFlowCounter();
    const m = conn(31000);
    f.gap(m, 's2c', 'not-captured');
    f.packet(gen({ cmd: 'pingresp' }, { conn: m, dir: 's2c' }), true);
    f.packet(gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 2 }, { conn: m }), true);
    expect(f.stats()['publish-qos1']).toMatchObject({ count: 1, incomplete: 1 });
  });
});

describe('FilteredFlowCounter', () => {
  it('with every packet passing, its table equals the analysis\'s flow statistics (random flows with stream gaps, 3.1.1 and 5)', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.constantFrom(4 as const, 5 as const), (steps, version) => {
      const counter = new FilteredFlowCounter();
      const analyzer = run(steps, version, (r) => counter.packet(r, true), counter);
      const theirs = analyzer.snapshot().flows.stats;
      const ours = counter.stats();
      for (const [k, v] of Object.entries(theirs)) {
        expect(ours[k], k).toEqual({ count: v.count, complete: v.complete, rejected: v.rejected, incomplete: v.incomplete, ...(v.unobserved ? { unobserved: v.unobserved } : {}), avgUs: v.avgUs, maxUs: v.maxUs });
      }
    }), { numRuns: 500 });
  });

  it('a flow whose answer\'s direction had an ordinary stream gap after it is unobserved; one opened after the gap is incomplete', () => {
    const counter = new FilteredFlowCounter();
    const analyzer = run([
      { t: 'pub', c: 0, qos: 1, id: 1, dup: false, dir: 'c2s' },
      { t: 'gap', c: 0, dir: 's2c', reason: 'lost' },
      { t: 'pub', c: 0, qos: 1, id: 2, dup: false, dir: 'c2s' },
    ], 4, (r) => counter.packet(r, true), counter);
    expect(analyzer.snapshot().flows.stats['publish-qos1']).toMatchObject({ count: 2, incomplete: 1, unobserved: 1 });
    expect(counter.stats()['publish-qos1']).toMatchObject({ count: 2, incomplete: 1, unobserved: 1 });
  });

  it('counts only the flows whose first packet passed, with the outcome their acks gave', () => {
    const counter = new FilteredFlowCounter();
    run([
      { t: 'sub', c: 0, id: 1 }, { t: 'suback', c: 0, id: 1, code: 0x80 },
      { t: 'pub', c: 0, qos: 1, id: 2, dup: false, dir: 'c2s' }, { t: 'ack', c: 0, type: 'puback', id: 2, rc: 0, dir: 's2c' },
      { t: 'pub', c: 1, qos: 2, id: 2, dup: false, dir: 'c2s' }, { t: 'ack', c: 1, type: 'pubrec', id: 2, rc: 0, dir: 's2c' },
    ], 4, (r) => counter.packet(r, r.summary.type === 3));
    const s = counter.stats();
    expect(s['subscribe']).toMatchObject({ count: 0, rejected: 0 });
    expect(s['publish-qos1']).toMatchObject({ count: 1, complete: 1 });
    expect(s['publish-qos2']).toMatchObject({ count: 1, complete: 0, incomplete: 1 });
  });
});

describe('renderSummary: the totals line', () => {
  it('says 1 packet, not 1 packets', () => {
    const c = new SummaryCounter();
    const m = conn(32000);
    c.record(gen({ cmd: 'pingreq' }, { conn: m }));
    expect(renderSummary(c.toRecord())).toMatch(/^Summary: 1 packet, /);
    c.record(gen({ cmd: 'pingresp' }, { conn: m, dir: 's2c' }));
    expect(renderSummary(c.toRecord())).toMatch(/^Summary: 2 packets, /);
  });
});

describe('renderSummary: capture notes and the filter', () => {
  it('lists capture notes per code right after the totals, and names the filter', () => {
    const text = renderSummary(new SummaryCounter().toRecord(), {
      filter: 'publish',
      captureNotes: [
        { code: 'tls-not-decoded', severity: 'info', count: 2, text: 'frame 1: connection a-b is on the MQTT-over-TLS port 8883; it is encrypted and not decoded' },
        { code: 'unsupported-link-type', severity: 'warn', count: 480, text: 'frame 1: link type 147 is not supported; frame skipped' },
      ],
    });
    expect(text).toMatch(/^Summary: 0 packets.*\n {2}filter: publish \(every section counts only what passes it\)\n\nCapture notes\n {2}info +tls-not-decoded ×2\n {6}connection a-b is on the MQTT-over-TLS port 8883; it is encrypted and not decoded\n {2}warn +unsupported-link-type ×480\n {6}link type 147 is not supported; frame skipped\n/);
  });
});
