// A CONNECT the broker closes the connection on without a CONNACK: refused with no
// reason code [MQTT-3.1.4-1]. Reported as connect-refused only when the broker closed
// first and its whole direction is in view; the CONNECT's own errors name the cause.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';

const CONNECT = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30 };

describe('connect-refused without a CONNACK', () => {
  it('the broker closing first after a CONNECT it never answered is a refusal with no reason code', () => {
    const h = new Harness();
    const c = h.conn();
    c.c({ ...CONNECT, clientId: 'dev-1', username: 'u1' });
    h.wait(2);
    c.close('fin', 's2c');
    const [f] = h.findings;
    expect(h.findings).toHaveLength(1);
    expect(f).toMatchObject({ code: 'connect-refused', severity: 'error', clientId: 'dev-1', username: 'u1', extra: { no_connack: true, closed_by: 'broker', close: 'fin' } });
    expect(f!.text).toMatch(/^The broker closed the connection \(FIN\) after the CONNECT of .* without sending a CONNACK: the connection was refused with no reason code\./);
    expect(f!.text).toContain('mosquitto closes the connection when the client id');
    expect(h.analyzer.snapshot().sessions[0]!.state).toBe('refused');
  });

  it('a CONNECT with errors names them as the cause', () => {
    const h = new Harness();
    const c = h.conn();
    // Connect Flags 0x1e: Will Flag set with Will QoS 3, which a CONNECT must not have.
    const bytes = Buffer.from([0x10, 0x12, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x1e, 0x00, 0x1e, 0x00, 0x01, 0x61, 0x00, 0x01, 0x74, 0x00, 0x00]);
    h.engine.data(c.meta.id, 'c2s', bytes, h.time);
    const rec = h.records.at(-1)!;
    const errors = rec.notes.filter((n) => n.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    c.close('reset', 's2c');
    const [f] = h.findings.filter((x) => x.code === 'connect-refused');
    expect(f!.text).toContain('The broker reset the connection (RST) after the CONNECT');
    expect(f!.text).toContain(`The CONNECT breaks the protocol: ${errors[0]!.text}`);
    expect(f!.extra['connect_errors']).toEqual(errors.map((n) => n.code));
  });

  it('no finding when the client closed first, the side is unknown, the capture ended, or the broker direction had a gap', () => {
    const cases: Array<(h: Harness) => void> = [
      (h) => { const c = h.conn(); c.c({ ...CONNECT, clientId: 'a' }); c.close('fin', 'c2s'); },
      (h) => { const c = h.conn(); c.c({ ...CONNECT, clientId: 'b' }); c.close('fin'); },
      (h) => { const c = h.conn(); c.c({ ...CONNECT, clientId: 'c' }); h.engine.close(c.meta.id, h.time, 'end', 's2c'); },
      (h) => { const c = h.conn(); c.c({ ...CONNECT, clientId: 'd' }); h.engine.gap(c.meta.id, 's2c', h.time, 0, 4); c.close('fin', 's2c'); },
    ];
    for (const run of cases) {
      const h = new Harness();
      run(h);
      expect(h.findings.filter((f) => f.code === 'connect-refused')).toEqual([]);
    }
  });

  it('a CONNECT answered with a CONNACK and then closed by the broker is no refusal', () => {
    const h = new Harness();
    const c = h.conn();
    c.login('ok', undefined);
    c.close('fin', 's2c');
    expect(h.findings.filter((f) => f.code === 'connect-refused')).toEqual([]);
  });
});
