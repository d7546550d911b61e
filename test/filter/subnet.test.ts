// An unquoted subnet on an address field, as Wireshark takes it (`ip.addr == 10.0.0.0/8`,
// `ipv6.src == fe80::/10`): the addresses in it. It was a syntax error that said to quote
// a topic. tshark's answer on the sample captures is in test/filter/tshark-parity.test.ts.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { syntaxError } from './errors.js';
import { conn, finding, gen } from './records.js';

const pub = (host: string, dir: 'c2s' | 's2c' = 'c2s') =>
  gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false }, { conn: conn(52144, host), dir });

const lan = pub('192.168.1.20');
const ten = pub('10.1.2.3');
const v6 = pub('fe80::1');
const m = (f: string) => [lan, ten, v6].filter((r) => compileFilter(f)(r)).map((r) => r.conn.client.host);

describe('subnets on address fields', () => {
  it('== and in take the addresses in the subnet', () => {
    expect(m('ip.addr == 10.0.0.0/8')).toEqual(['10.1.2.3']);
    expect(m('ip.src == 192.168.0.0/16 && publish')).toEqual(['192.168.1.20']);
    expect(m('ip.src in {10.0.0.0/8, 192.168.1.0/24}')).toEqual(['192.168.1.20', '10.1.2.3']);
    expect(m('ip.src == 192.168.1.20/32')).toEqual(['192.168.1.20']);
    expect(m('ipv6.src == fe80::/10')).toEqual(['fe80::1']);
    expect(m('ipv6.addr == FE80:0::/64')).toEqual(['fe80::1']);
  });

  it('!= holds when no address is in it; an IPv6 packet has no ip.addr', () => {
    expect(m('ip.src != 10.0.0.0/8')).toEqual(['192.168.1.20']);
    expect(m('!(ip.src == 10.0.0.0/8)')).toEqual(['192.168.1.20', 'fe80::1']);
  });

  it('a finding matches by its connection ends', () => {
    const f = compileFilter('ip.addr == 10.0.0.0/8');
    expect(f.finding(finding({ code: 'stream-gap', conn: conn(52144, '10.9.9.9').id }))).toBe(true);
    expect(f.finding(finding({ code: 'stream-gap', conn: conn(52144, '11.9.9.9').id }))).toBe(false);
  });

  it('a bad subnet is an error that says why', () => {
    expect(syntaxError('ip.addr == 10.0.0.0/33').reason).toBe("the prefix length of '10.0.0.0/33' is past 32 bits");
    expect(syntaxError('ip.addr == fe80::/10').reason).toBe("'fe80::/10' is not an IPv4 subnet (10.0.0.0/8)");
    expect(syntaxError('ipv6.addr == 10.0.0.0/8').reason).toBe("'10.0.0.0/8' is not an IPv6 subnet (fe80::/10)");
    expect(syntaxError('ipv6.addr == ::/129').reason).toBe("the prefix length of '::/129' is past 128 bits");
  });
});
