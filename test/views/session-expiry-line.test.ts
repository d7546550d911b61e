// MQTT 5 has no Clean Session: Clean Start and the Session Expiry Interval decide
// whether a session outlives its connection (absent interval = 0, it does not).
// mosquitto logs only `c0`/`c1`; the line view names the interval where a packet
// carries one (CONNECT, CONNACK, DISCONNECT) and does not call a Clean Start 0
// CONNECT without one `persistent`.
import { describe, expect, it } from 'vitest';
import { packetParts } from '../../src/views/index.js';
import { gen, hex, real } from '../filter/records.js';

const connect5 = (clean: boolean, properties?: Record<string, unknown>) => gen({
  cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean, keepalive: 60, clientId: 'js5', ...(properties ? { properties } : {}),
}, { version: 5 });

describe('MQTT 5 session expiry on the line', () => {
  it('a Clean Start 0 CONNECT without an interval is not called persistent', () => {
    expect(packetParts(connect5(false)).detail).toBe('MQTT 5 no-clean-start ka=60');
  });

  it('a CONNECT with an interval shows it, never for 0xFFFFFFFF', () => {
    expect(packetParts(connect5(false, { sessionExpiryInterval: 300 })).detail).toBe('MQTT 5 no-clean-start ka=60 expiry=300');
    expect(packetParts(connect5(true, { sessionExpiryInterval: 0xffffffff })).detail).toBe('MQTT 5 clean-start ka=60 expiry=never');
  });

  it('a 3.1.1 CONNECT keeps clean and persistent', () => {
    const c = gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, keepalive: 30, clientId: 'c' });
    expect(packetParts(c).detail).toBe('MQTT 3.1.1 persistent ka=30');
  });

  it('a DISCONNECT that sets the interval to 0 shows it beside its reason', () => {
    const d = real(hex(
      'e0' + //        DISCONNECT
      '07' + //        Remaining Length 7
      '04' + //        Reason Code 0x04 Disconnect with Will Message
      '05' + //        Properties Length 5
      '11 00000000', // Session Expiry Interval 0
    ), { version: 5 });
    const x = packetParts(d);
    expect(x.detail).toBe('expiry=0');
    expect(x.reason).toBe('rc=0x04 Disconnect with Will Message');
  });

  it('a CONNACK with the interval the broker chose shows it after sp', () => {
    const a = gen({ cmd: 'connack', sessionPresent: true, reasonCode: 0, properties: { sessionExpiryInterval: 60 } }, { version: 5, dir: 's2c' });
    expect(packetParts(a).detail).toBe('sp=1 expiry=60');
  });
});
