import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('connect-refused', () => {
  it('3.1.1 return codes are named in words', () => {
    for (const [code, words] of [[1, 'unacceptable protocol version'], [2, 'identifier rejected'], [4, 'bad user name or password'], [5, 'not authorized']] as const) {
      const sc = new Scenario();
      const c = sc.client('c');
      c.connect({ username: 'user1' });
      c.connack(code);
      const [f] = sc.findings;
      expect(f).toMatchObject({ code: 'connect-refused', severity: 'error', clientId: 'c', username: 'user1', extra: { reason_code: code } });
      expect(f!.text).toContain(`The broker refused the connection of user1: CONNACK ${code} (Connection Refused, ${words})`);
    }
  });

  it('MQTT 5 CONNECT answered with a 3.1.1 return code 1 (a 3.1.1-only broker such as aedes)', () => {
    const sc = new Scenario();
    const a = sc.client('a', { version: 5 });
    a.connect();
    a.connack(1);
    expect(sc.codes()).toEqual(['connect-refused']);
    expect(sc.findings[0]!.text).toContain('the broker does not speak MQTT 5');
    expect(sc.findings[0]!.text).toContain('unacceptable protocol version');
  });

  it('MQTT 5: 0x86 Bad User Name or Password, 0x87 Not authorized, reason string', () => {
    const sc = new Scenario();
    const a = sc.client('a', { version: 5 });
    a.connect();
    a.connack(0x86);
    const b = sc.client('b', { version: 5 });
    b.connect();
    b.connack(0x87, { properties: { reason_string: 'nope' } });
    expect(sc.findings.map((f) => f.extra['reason'])).toEqual(['Bad User Name or Password', 'Not authorized']);
    expect(sc.findings[0]!.text).toContain('CONNACK 0x86 (Bad User Name or Password)');
    expect(sc.findings[1]!.text).toContain('CONNACK 0x87 (Not authorized) ("nope")');
    expect(sc.analyzer.snapshot().sessions.map((s) => s.state)).toEqual(['refused', 'refused']);
  });

  it('CONNACK 0 is no finding', () => {
    const sc = new Scenario();
    sc.client('c').login();
    expect(sc.end()).toEqual([]);
  });
});
