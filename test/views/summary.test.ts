import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { renderSummary, stripAnsi, SummaryCounter, type SummarySnapshot } from '../../src/views/index.js';
import { conn, gen, hex, real, T0 } from '../filter/records.js';
import { sampleRecords } from './sample.js';

function counted(): SummaryCounter {
  const c = new SummaryCounter();
  for (const r of sampleRecords()) c.record(r);
  return c;
}

describe('SummaryCounter', () => {
  it('counts packets per type, client and topic, findings per code, connections, clients and bytes', () => {
    const recs = sampleRecords();
    const s = counted().toRecord();
    expect(s.kind).toBe('summary');
    expect(s.packets).toEqual({ CONNECT: 2, CONNACK: 3, PUBLISH: 3, PUBACK: 1, SUBSCRIBE: 1, SUBACK: 1 });
    expect(s.findings).toEqual({ 'connect-refused': 1, 'undelivered-publish': 1 });
    expect(s.connections).toBe(4);
    expect(s.clients).toEqual(['intruder', 'p-deny', 'p1', 'watcher']);
    expect(s.bytes).toBe(recs.reduce((a, r) => a + (r.kind === 'packet' ? r.bytes.length : 0), 0));
    const perClient = s.extra['per_client'] as Record<string, { packets: number; sent: number; received: number }>;
    expect(perClient['watcher']).toMatchObject({ packets: 4, sent: 2, received: 2 });
    const perTopic = s.extra['per_topic'] as Record<string, { published: number; bytes: number }>;
    expect(perTopic['panama/colon/user1']).toEqual({ published: 1, delivered: 0, bytes: 5 });
    expect(s.extra['first_time']).toBe(T0);
  });

  it('a client whose CONNECT is not counted (filtered out, or before the capture) counts under its address, as per_client lists it', () => {
    const c = new SummaryCounter();
    const c9 = conn(52999);
    // Only the PUBLISH of an anonymous client passes a topic filter: no CONNECT, no client id.
    c.record(gen({ cmd: 'publish', topic: 'Room1/Light', payload: Buffer.from('Turn On'), qos: 0 }, { conn: c9, time: T0, frame: 6, clientId: null }));
    const s = c.toRecord();
    expect(s.clients).toEqual(['127.0.0.1:52999']);
    expect(Object.keys(s.extra['per_client'] as object)).toEqual(s.clients);
  });

  it('port reuse: a broker-assigned id takes over only its own connection\'s counts, not an earlier anonymous one on the same ports', () => {
    const c = new SummaryCounter();
    const first = conn(52999);
    const second = conn(52999); // the same addresses and ports, a new connection
    c.record(gen({ cmd: 'connect', clientId: '', protocolVersion: 4, clean: true }, { conn: first, time: T0, frame: 1, clientId: '' }));
    c.record(gen({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0 }, { conn: first, time: T0 + 1, frame: 2, clientId: '' }));
    c.record(gen({ cmd: 'connect', clientId: '', protocolVersion: 4, clean: true }, { conn: second, time: T0 + 2, frame: 3, clientId: '' }));
    c.record(gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }, { conn: second, dir: 's2c', time: T0 + 3, frame: 4, clientId: 'auto-1' }));
    c.record(gen({ cmd: 'publish', topic: 'a', payload: Buffer.from('y'), qos: 0 }, { conn: second, time: T0 + 4, frame: 5, clientId: 'auto-1' }));
    const s = c.toRecord();
    expect(s.connections).toBe(2);
    expect(s.clients).toEqual(['127.0.0.1:52999', 'auto-1']);
    const per = s.extra['per_client'] as Record<string, { packets: number }>;
    expect([per['127.0.0.1:52999']?.packets, per['auto-1']?.packets]).toEqual([2, 3]);
  });

  it('bytes framed as the reserved type 0 count as a protocol-violation finding, as the json stream reports them', () => {
    const c = new SummaryCounter();
    c.record(real(hex('00 03 616263'), { frame: 9 })); // type 0, Remaining Length 3
    const s = c.toRecord();
    expect(s.packets).toEqual({});
    expect(s.findings).toEqual({ 'protocol-violation': 1 });
  });

  it('caps the number of distinct topics', () => {
    const c = new SummaryCounter({ maxKeys: 2 });
    for (const r of sampleRecords()) c.record(r);
    expect([...c.perTopic.keys()]).toEqual(['panama/colon/user1', 'Room1/Light', '(other)']);
  });
});

describe('renderSummary', () => {
  it('says when delivery correlation skipped publishes (too many awaited at once), and only then', () => {
    const c = counted();
    const note = /note: 3 publishes were not checked for silent drops: too many were awaiting their deliveries at once/;
    expect(renderSummary(c.toRecord(), { snapshot: { untrackedDeliveryPublishes: 3 } })).toMatch(note);
    expect(renderSummary(c.toRecord(), { snapshot: { untrackedDeliveryPublishes: 0 } })).not.toMatch(/not checked for silent drops/);
  });

  it('prints counts per type, client, topic and the findings list', () => {
    const c = counted();
    const text = renderSummary(c.toRecord(), { findings: c.findings, utc: true });
    expect(text).toContain('Summary: 11 packets');
    expect(text).toMatch(/Packets by type\n {2}CONNECT +2\n {2}CONNACK +3\n {2}PUBLISH +3/);
    expect(text).toMatch(/Clients\n {2}client +packets +sent +received +bytes\n {2}watcher +4 +2 +2/);
    expect(text).toMatch(/Topics\n {2}topic +published +delivered +payload\n/);
    expect(text).toContain('Findings (2)');
    expect(text).toMatch(/18:00:02\.024 warn {2}undelivered-publish #7\n {6}The broker accepted/);
    expect(text).toMatch(/error connect-refused #10/);
    expect(text).not.toContain('QoS flows');
  });

  it('says so when there are no findings', () => {
    const c = new SummaryCounter();
    expect(renderSummary(c.toRecord())).toContain('Findings (0)\n  none');
  });

  it('renders QoS flows, in-flight flows and sessions from a plain snapshot', () => {
    const snap: SummarySnapshot = {
      flows: {
        stats: {
          'publish-qos1': { count: 3, complete: 2, rejected: 1, incomplete: 0, avgUs: 1500, maxUs: 2000 },
          'publish-qos2': { count: 0, complete: 0, rejected: 0, incomplete: 0, avgUs: null, maxUs: 0 },
        },
        inFlight: [{ kind: 'publish-qos2', clientId: 'p1', packetId: 7, state: 'awaiting-pubrel', topic: 'a/b', startedAt: T0 }],
      },
      sessions: [{ conn: 'c', clientId: 'watcher', username: null, state: 'connected', subscriptions: [{ filter: '#', grantedQos: 0 }] }],
      topics: [{ topic: 'x/y', published: 5, delivered: 9, bytes: 10 }],
    };
    const text = renderSummary(counted().toRecord(), { snapshot: snap, utc: true });
    expect(text).toMatch(/QoS flows\n {2}flow +count +complete +rejected +incomplete +avg +max\n {2}publish-qos1 +3 +2 +1 +0 +1\.50ms +2\.00ms\n/);
    expect(text).not.toMatch(/publish-qos2 +0/);
    expect(text).toContain('publish-qos2 p1 id=7 awaiting-pubrel a/b since 18:00:01.512');
    expect(text).toMatch(/Sessions\n {2}client +user +state +subscriptions\n {2}watcher +- +connected +# q0/);
    expect(text).toMatch(/x\/y +5 +9 +10 B/); // the snapshot's topics win
  });

  it('accepts a real Analyzer snapshot from the engine', () => {
    const out: OutputRecord[] = [];
    const counter = new SummaryCounter();
    const analyzer = new Analyzer((f) => { out.push(f); counter.record(f); });
    const engine = new Engine({ onRecord: (r) => { out.push(r); counter.record(r); }, observers: [analyzer] });
    const c = conn(50000);
    engine.open(c, T0);
    const g = (p: object): Uint8Array => new Uint8Array(mqttPacket.generate(p as mqttPacket.Packet));
    engine.data(c.id, 'c2s', g({ cmd: 'connect', clientId: 'p1', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 }), T0);
    engine.data(c.id, 's2c', g({ cmd: 'connack', returnCode: 0, sessionPresent: false }), T0 + 1000);
    engine.data(c.id, 'c2s', g({ cmd: 'publish', topic: 'Room1/Light', payload: Buffer.from('Turn On'), qos: 1, messageId: 1 }), T0 + 2000);
    engine.data(c.id, 's2c', g({ cmd: 'puback', messageId: 1 }), T0 + 3000);
    engine.end(T0 + 10_000);
    const text = stripAnsi(renderSummary(counter.toRecord(), { snapshot: analyzer.snapshot(), findings: counter.findings }));
    expect(text).toContain('Summary: 4 packets');
    expect(text).toMatch(/publish-qos1 +1 +1 +0 +0 +1\.00ms/);
    expect(text).toContain('Room1/Light');
  });
});
