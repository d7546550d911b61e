// The clients view said `closed` for every ended connection: the two rows of a session
// take-over (the old connection the broker closed, the new one the client ended with a
// DISCONNECT) read the same. The analysis knows how each ended; the view now says it.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { Engine } from '../../src/engine/engine.js';
import { clientsTable, flowsTable } from '../../src/views/tui/side-views.js';
import { sideDataFromSnapshot } from '../../src/views/tui/snapshot-adapter.js';
import { conn, T0 } from '../filter/records.js';

const g = (p: object): Buffer => mqttPacket.generate(p as never, { protocolVersion: 4 });
const connect = g({ cmd: 'connect', clientId: 'twin', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 });
const connack = g({ cmd: 'connack', returnCode: 0, sessionPresent: false });

describe('clients view: how each connection ended', () => {
  it('tells the taken-over connection from the one that sent DISCONNECT and the one reset', () => {
    const analyzer = new Analyzer(() => {});
    const engine = new Engine({ onRecord: () => {}, observers: [analyzer] });
    const [a, b, c] = [conn(40001), conn(40002), conn(40003)];
    engine.open(a, T0);
    engine.data(a.id, 'c2s', connect, T0 + 1);
    engine.data(a.id, 's2c', connack, T0 + 2);
    engine.open(b, T0 + 10);
    engine.data(b.id, 'c2s', connect, T0 + 11); // the same client id: the broker drops a
    engine.data(b.id, 's2c', connack, T0 + 12);
    engine.close(a.id, T0 + 13, 'fin', 's2c');
    engine.data(b.id, 'c2s', g({ cmd: 'disconnect' }), T0 + 20);
    engine.close(b.id, T0 + 21, 'fin', 'c2s');
    engine.open(c, T0 + 30);
    engine.data(c.id, 'c2s', g({ cmd: 'connect', clientId: 'other', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 }), T0 + 31);
    engine.data(c.id, 's2c', connack, T0 + 32);
    engine.close(c.id, T0 + 33, 'reset', 'c2s');
    const d = sideDataFromSnapshot(analyzer.snapshot());
    const byConn = new Map(d.clients.map((x, i) => [x.conn, i]));
    const t = clientsTable(d, 300);
    const row = (m: { id: string }): string => t.rows[byConn.get(m.id)!]!;
    const details = (m: { id: string }): string => t.detail(byConn.get(m.id)!, 300).join('\n');
    expect(row(a)).toContain('taken over');
    expect(details(a)).toContain(`ended: taken over by ${b.id} (a CONNECT with the same client id: the broker closed this connection); then TCP close`);
    expect(row(b)).toContain('disconnected');
    expect(details(b)).toMatch(/ended: DISCONNECT from the client \(frame \d+\); then TCP close/);
    expect(row(c)).toMatch(/ closed /);
    expect(details(c)).toContain('ended: TCP reset, with no DISCONNECT');
  });

  it('says that mqttscope closed a client whose broker connection failed (proxy close upstream-failed)', () => {
    const analyzer = new Analyzer(() => {});
    const engine = new Engine({ onRecord: () => {}, observers: [analyzer] });
    const a = conn(40011);
    engine.open(a, T0);
    engine.data(a.id, 'c2s', connect, T0 + 1);
    engine.close(a.id, T0 + 2, 'upstream-failed', 's2c');
    const d = sideDataFromSnapshot(analyzer.snapshot());
    const t = clientsTable(d, 300);
    const text = t.detail(0, 300).join('\n');
    expect(text).toContain('ended: TCP close by mqttscope, because its connection to the broker failed, with no DISCONNECT');
    expect(text).not.toContain('still open');
  });

  it('the flows view says how many finished flows the analysis no longer lists', () => {
    const analyzer = new Analyzer(() => {}, { keepFlows: 3 });
    const engine = new Engine({ onRecord: () => {}, observers: [analyzer] });
    const a = conn(40021);
    engine.open(a, T0);
    engine.data(a.id, 'c2s', connect, T0 + 1);
    engine.data(a.id, 's2c', connack, T0 + 2);
    for (let id = 1; id <= 5; id++) {
      engine.data(a.id, 'c2s', g({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: id, retain: false, dup: false }), T0 + 10 * id);
      engine.data(a.id, 's2c', g({ cmd: 'puback', messageId: id }), T0 + 10 * id + 1);
    }
    const t = flowsTable(sideDataFromSnapshot(analyzer.snapshot()), 200);
    expect(t.rows).toHaveLength(3);
    expect(t.title).toBe('QoS / packet-id flows (3; 2 older finished ones not kept)');
    // All kept: the title is the count alone.
    const all = new Analyzer(() => {});
    const e2 = new Engine({ onRecord: () => {}, observers: [all] });
    e2.open(a, T0);
    e2.data(a.id, 'c2s', connect, T0 + 1);
    e2.data(a.id, 's2c', connack, T0 + 2);
    e2.data(a.id, 'c2s', g({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 1, retain: false, dup: false }), T0 + 3);
    e2.data(a.id, 's2c', g({ cmd: 'puback', messageId: 1 }), T0 + 4);
    expect(flowsTable(sideDataFromSnapshot(all.snapshot()), 200).title).toBe('QoS / packet-id flows (1)');
  });
});
