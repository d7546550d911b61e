import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('session-takeover', () => {
  it('same client id connects while the old connection is alive', () => {
    const sc = new Scenario();
    const a = sc.client('dup').login({ clientId: 'sensor-1' });
    const b = sc.client('dup');
    const con = b.connect({ clientId: 'sensor-1' });
    const ack = b.connack(0);
    const [f] = sc.findings;
    expect(f).toMatchObject({ code: 'session-takeover', severity: 'warn', conn: b.meta.id, clientId: 'sensor-1', extra: { previous_conn: a.meta.id } });
    expect(f!.frames).toContain(con.frame);
    expect(f!.frames).toContain(ack.frame);
    expect(f!.text).toContain(`Client id 'sensor-1' connected again on ${b.meta.id} while ${a.meta.id} was still connected`);
    const snap = sc.analyzer.snapshot().sessions;
    expect(snap[0]!.takenOverBy).toBe(b.meta.id);
    expect(snap[1]!.tookOver).toEqual([a.meta.id]);
  });

  it('no take-over after the old connection closed, for a refused CONNECT, or for empty client ids', () => {
    const sc = new Scenario();
    const a = sc.client('x').login({ clientId: 'c1' });
    a.close();
    sc.client('x').login({ clientId: 'c1' });
    const r = sc.client('y');
    r.connect({ clientId: 'c1' });
    r.connack(5);
    sc.client('e1').login({ clientId: '' });
    sc.client('e2').login({ clientId: '' });
    expect(sc.codes()).toEqual(['connect-refused']);
  });
});

describe('session-takeover after a DISCONNECT', () => {
  it('a client that sent DISCONNECT and reconnects at once (its FIN seen after the new CONNECT) is not taken over', () => {
    const sc = new Scenario();
    const a = sc.client('a').login({ clientId: 'pers', clean: false });
    a.disconnect();
    const b = sc.client('b');
    b.connect({ clientId: 'pers', clean: false });
    a.close();
    b.connack(0, { sessionPresent: true });
    expect(sc.codes()).toEqual([]);
    expect(sc.analyzer.snapshot().sessions[0]!.takenOverBy).toBe(null);
  });

  it('nor when its DISCONNECT comes between the new CONNECT and its CONNACK', () => {
    const sc = new Scenario();
    const a = sc.client('a').login({ clientId: 'pers' });
    const b = sc.client('b');
    b.connect({ clientId: 'pers' });
    a.disconnect();
    b.connack(0);
    expect(sc.codes()).toEqual([]);
  });

  it('a broker DISCONNECT (MQTT 5 0x8E Session taken over) between them is still a take-over', () => {
    const sc = new Scenario();
    const a = sc.client('a', { version: 5 }).login({ clientId: 'pers' });
    const b = sc.client('b', { version: 5 });
    b.connect({ clientId: 'pers' });
    a.disconnect(0x8e, 's2c');
    b.connack(0);
    expect(sc.codes()).toEqual(['session-takeover']);
  });
});
