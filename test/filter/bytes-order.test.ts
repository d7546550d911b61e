// `<`, `>` on bytes and on the password: bytes (mqtt.msg, mqtt, a binary property) are refused,
// as a slice is, rather than matching nothing; mqtt.passwd, a string in Wireshark, orders as text
// (it matched nothing). tshark's answers are in test/filter/tshark-parity-crafted.test.ts.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { syntaxError } from './errors.js';
import { gen } from './records.js';

const connect = gen({ cmd: 'connect', clientId: 'c1', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, username: 'u', password: Buffer.from('s3cret') });

describe('ordering bytes and the password', () => {
  it('mqtt.passwd orders byte by byte, a prefix first, as text', () => {
    expect(compileFilter('mqtt.passwd > "a"')(connect)).toBe(true);
    expect(compileFilter('mqtt.passwd < "t"')(connect)).toBe(true);
    expect(compileFilter('mqtt.passwd >= "s3cret"')(connect)).toBe(true);
    expect(compileFilter('mqtt.passwd > "s3cret"')(connect)).toBe(false);
    expect(compileFilter('mqtt.passwd > "s3"')(connect)).toBe(true);
    expect(compileFilter('mqtt.passwd lt "s3cret!"')(connect)).toBe(true);
  });

  it('payload (text here, unlike mqtt.msg) orders as text too', () => {
    const pub = gen({ cmd: 'publish', topic: 't', payload: Buffer.from('Turn On'), qos: 0, retain: false, dup: false });
    expect(compileFilter('payload > "T"')(pub)).toBe(true);
    expect(compileFilter('payload < "Turn"')(pub)).toBe(false);
  });

  it('a bytes field with <, <=, >, >= is an error that says why', () => {
    for (const f of ['mqtt.msg > "T"', 'mqtt.willmsg <= "a"', 'mqtt ge 10', 'mqtt.property.correlation_data < "x"']) {
      const e = syntaxError(f);
      expect(e.code).toBe('bad-operand');
      expect(e.reason).toMatch(/is bytes: compare it with ==, !=, contains or in \(Wireshark orders bytes by length first/);
    }
    expect(syntaxError('mqtt.msg > "T"').position).toBe(9);
  });
});
