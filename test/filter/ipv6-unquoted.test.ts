// Wireshark takes an IPv6 address unquoted (`ipv6.addr == ::1`; tshark 4.0 even
// refuses the quoted form). Before, mqttscope refused the unquoted one with
// "unexpected character ':'", so a filter pasted from Wireshark failed on every
// IPv6 client. The address is compared in the form connections carry (RFC 5952:
// lowercase, zeros compressed), so 0:0:0:0:0:0:0:1 and FE80::1 match too.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError } from '../../src/filter/index.js';
import type { ConnMeta } from '../../src/model/types.js';
import { gen } from './records.js';

const six: ConnMeta = { id: '[fe80::1]:40000-[::1]:1883', client: { host: 'fe80::1', port: 40000 }, server: { host: '::1', port: 1883 }, transport: 'tcp' };
const pub = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false }, { conn: six });
const ack = gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }, { conn: six, dir: 's2c' });

const m = (expr: string, rec = pub): boolean => compileFilter(expr).call(null, rec);

describe('unquoted IPv6 addresses', () => {
  it('match as Wireshark writes them', () => {
    expect(m('ipv6.addr == ::1')).toBe(true);
    expect(m('ipv6.src == fe80::1 && ipv6.dst == ::1')).toBe(true);
    expect(m('ipv6.src == fe80::1', ack)).toBe(false);
    expect(m('ipv6.addr != ::2')).toBe(true);
    expect(m('ipv6.addr in {::2 fe80::1}')).toBe(true);
    expect(m('!(ipv6.addr == ::2) && mqtt.msgtype == 3')).toBe(true);
  });

  it('are compared in the form connections carry', () => {
    expect(m('ipv6.addr == 0:0:0:0:0:0:0:1')).toBe(true);
    expect(m('ipv6.src == FE80:0::1')).toBe(true);
  });

  it('stay an error when they are not an address', () => {
    expect(() => compileFilter('ipv6.addr == ::1x')).toThrow(FilterSyntaxError);
    expect(() => compileFilter('ipv6.addr == 1:2:3:4:5:6:7:8:9')).toThrow(FilterSyntaxError);
  });
});
