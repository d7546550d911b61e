// MQTT 5 enhanced authentication against a real mosquitto 2.0.11 with no auth plugin:
// a CONNECT with an Authentication Method is refused with CONNACK 0x8C (Bad
// authentication method), and connect-refused says what that means.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';
import { Tap } from './mosquitto-tap.js';

describe('Authentication Method (mosquitto 2.0.11, no auth plugin)', () => {
  it('CONNACK 0x8C: connect-refused names the method and says the broker has no plugin for it', async () => {
    const tap = await Tap.start(null);
    const c = await tap.client('e', 'ue', 5, [], { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from('n,,n=ue,r=abc') });
    expect((c.got[0] as { reasonCode?: number }).reasonCode).toBe(0x8c);
    await c.closedByBroker();
    const f = (await tap.end(1000)).filter((x) => x.code === 'connect-refused');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ clientId: 'e', extra: { reason_code: 0x8c, reason: 'Bad authentication method', authentication_method: 'SCRAM-SHA-1' } });
    expect(f[0]!.text).toBe("The broker refused the connection of ue: CONNACK 0x8c (Bad authentication method). The CONNECT asked for enhanced authentication with the Authentication Method 'SCRAM-SHA-1' (MQTT 5 §4.12), which the broker does not support: mosquitto answers 0x8C to every method unless an auth plugin handles it. Connect without an Authentication Method (a username and password), or give the broker a plugin for 'SCRAM-SHA-1'.");
  }, 20000);

  it('an AUTH packet on a connection whose CONNECT named no method: mosquitto hangs up without a word, the analysis says why', async () => {
    const tap = await Tap.start(null);
    const c = await tap.client('c', 'uc', 5);
    c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    await c.closedByBroker();
    expect(c.got.map((x) => x.cmd)).toEqual(['connack']); // no DISCONNECT
    const f = (await tap.end(1000)).filter((x) => x.code === 'protocol-violation');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ clientId: 'c', extra: { violation: 'auth-without-method', dir: 'c2s', reason_code: 0x19, spec: 'MQTT-4.12' } });
    expect(f[0]!.text).toBe('An AUTH packet (reason code 0x19 Re-authenticate) from uc, whose CONNECT (frame 1) named no Authentication Method: AUTH belongs to enhanced authentication, which only a CONNECT with an Authentication Method starts (MQTT 5 §4.12), so this is a protocol error (mosquitto 2.0.11 closes the connection without a DISCONNECT)');
  }, 20000);

  it('no finding for AUTH after a CONNECT with a method, or when the CONNECT was not seen', () => {
    const h = new Harness();
    const a = h.conn(5);
    a.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'a', keepalive: 60, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    a.s({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    a.c({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    a.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
    const b = h.conn(5); // capture began mid-connection
    b.c({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    expect(h.end().filter((x) => x.code === 'protocol-violation')).toEqual([]);
  });
});
