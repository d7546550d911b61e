import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('protocol-violation (flows)', () => {
  it('packet id reused while in flight: the client rule of 3.1.1 [MQTT-2.3.1-2]', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    const a = c.publish({ topic: 't', payload: 'x', qos: 1, id: 5 });
    const b = c.subscribe(5, ['z']);
    const [f] = sc.findings;
    expect(f).toMatchObject({ code: 'protocol-violation', severity: 'warn', frames: [a.frame, b.frame], extra: { violation: 'packet-id-reuse', packet_id: 5, spec: 'MQTT-2.3.1-2' } });
    expect(f!.text).toContain('Packet id 5 reused by SUBSCRIBE while its QoS 1 PUBLISH');
    expect(f!.text).toContain('[MQTT-2.3.1-2]');
    expect(a.findings).toEqual(['protocol-violation']);
  });

  // Each sender has its own statement: a client's (any packet with an id) and a server's
  // (a QoS 1/2 PUBLISH). 3.1.1: "Each time a Client sends a new packet of one of these types it
  // MUST assign it a currently unused Packet Identifier" (2.3.1-2), "The same conditions apply
  // to a Server when it sends a PUBLISH with QoS > 0" (2.3.1-4). 5.0: "Each time a Client sends a
  // new SUBSCRIBE, UNSUBSCRIBE, or PUBLISH (where QoS > 0) ... currently unused" (2.2.1-3), "Each
  // time a Server sends a new PUBLISH (with QoS > 0) ... currently unused" (2.2.1-4).
  it.each([
    [4, 'c2s', 'MQTT-2.3.1-2'],
    [4, 's2c', 'MQTT-2.3.1-4'],
    [5, 'c2s', 'MQTT-2.2.1-3'],
    [5, 's2c', 'MQTT-2.2.1-4'],
  ] as const)('packet id reused: MQTT %s, %s cites %s', (version, dir, spec) => {
    const sc = new Scenario();
    const c = sc.client('c', { version }).login();
    if (dir === 'c2s') {
      c.publish({ topic: 't', payload: 'x', qos: 1, id: 7 });
      c.publish({ topic: 't', payload: 'y', qos: 1, id: 7 });
    } else {
      c.deliver({ topic: 't', payload: 'x', qos: 1, id: 7 });
      c.deliver({ topic: 't', payload: 'y', qos: 1, id: 7 });
    }
    const f = sc.findings.find((x) => x.extra['violation'] === 'packet-id-reuse');
    expect(f?.extra['spec']).toBe(spec);
    expect(f?.text).toContain(`[${spec}]`);
  });

  it('ack for an unknown packet id', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    const ack = c.puback(42);
    expect(sc.findings).toMatchObject([{ code: 'protocol-violation', severity: 'warn', frames: [ack.frame], extra: { violation: 'unknown-ack', packet_id: 42, packet_type: 'PUBACK' } }]);
  });

  it('unknown ack on a connection captured mid-stream is only info', () => {
    const sc = new Scenario();
    const c = sc.client('c', { open: false });
    c.puback(42);
    expect(sc.findings).toMatchObject([{ code: 'protocol-violation', severity: 'info' }]);
    expect(sc.findings[0]!.text).toContain('capture started mid-connection');
  });

  it('unknown ack after a stream gap on the connection is only info, with the reason', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    // The PUBLISH id 10 fell into a hole of the client's stream; its PUBACK arrives.
    c.gap('c2s');
    const ack = c.puback(10);
    expect(sc.findings).toMatchObject([{ code: 'protocol-violation', severity: 'info', frames: [ack.frame], extra: { violation: 'unknown-ack', packet_id: 10, after_gap: true } }]);
    expect(sc.findings[0]!.text).toContain('bytes of this connection are missing from the capture before it');
  });

  it('a gap in the other direction counts too (a PUBREL whose PUBREC was lost); a gap on another connection does not', () => {
    const sc = new Scenario();
    const a = sc.client('a').login();
    const b = sc.client('b').login();
    a.gap('s2c');
    a.ack('PUBREL', 3, 'c2s');
    b.puback(4);
    expect(sc.findings.map((f) => [f.clientId, f.severity])).toEqual([['a', 'info'], ['b', 'warn']]);
  });

  it('PUBREL for a QoS 1 flow is unknown; repeated PUBREC/PUBREL are tolerated', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 2, id: 1 });
    c.ack('PUBREC', 1, 's2c');
    c.ack('PUBREC', 1, 's2c');
    c.ack('PUBREL', 1, 'c2s');
    c.ack('PUBREL', 1, 'c2s');
    c.ack('PUBCOMP', 1, 's2c');
    expect(sc.findings).toEqual([]);
    expect(sc.analyzer.snapshot().flows.recent[0]).toMatchObject({ state: 'complete', retransmissions: 2 });
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 2 });
    c.ack('PUBREL', 2, 'c2s');
    expect(sc.codes()).toEqual(['protocol-violation']);
  });

  it('a second CONNECT on one connection [MQTT-3.1.0-2]', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.connect();
    expect(sc.findings).toMatchObject([{ code: 'protocol-violation', severity: 'error', extra: { violation: 'second-connect' } }]);
  });
});
