// Facts that mosquitto's own debug output gives a user (`mosquitto -v` with
// log_type all, `mosquitto_pub -d`, `mosquitto_sub -d`) and that the line and
// table views must give too: the MQTT 5 subscription options of each filter,
// the size of a will message, and every refusal of a SUBACK in a table row.
// docs/user-guide.md (Views) has the side-by-side comparison.
import { describe, expect, it } from 'vitest';
import { formatPacketLine, packetParts, renderPacketTable } from '../../src/views/index.js';
import { gen, hex, real } from '../filter/records.js';

describe('line view: what mosquitto -v and the -d clients show', () => {
  it('an MQTT 5 SUBSCRIBE names No Local, Retain As Published and Retain Handling per filter', () => {
    const sub = real(hex(
      '82' + //            SUBSCRIBE, flags 0010
      '11' + //            Remaining Length 17
      '0001' + //          Packet Identifier 1
      '00' + //            Properties Length 0
      '0004 6f6b2f78' + // Topic Filter "ok/x"
      '2d' + //            Options: rh=2 (bits 5-4), rap (bit 3), nl (bit 2), QoS 1
      '0004 6f6b2f79' + // Topic Filter "ok/y"
      '12', //             Options: rh=1, QoS 2
    ), { version: 5 });
    expect(packetParts(sub).topic).toBe('ok/x q1 nl rap rh=2, ok/y q2 rh=1');
    expect(formatPacketLine(sub, { utc: true })).toContain('SUBSCRIBE   id=1  ok/x q1 nl rap rh=2, ok/y q2 rh=1  len=17');
  });

  it('an MQTT 5 SUBSCRIBE with default options and a 3.1.1 one show only the QoS', () => {
    const v5 = gen({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/#', qos: 1, nl: false, rap: false, rh: 0 }] }, { version: 5 });
    const v4 = gen({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/#', qos: 1 }] });
    expect(packetParts(v5).topic).toBe('a/# q1');
    expect(packetParts(v4).topic).toBe('a/# q1');
  });

  it('a CONNECT with a will gives the will payload size, as mosquitto logs Will message specified (4 bytes)', () => {
    const c = gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 45, clientId: 'p0',
      username: 'u1', password: Buffer.from('pw1'), will: { topic: 'ok/will', payload: Buffer.from('dead'), qos: 1, retain: true },
    });
    expect(packetParts(c).detail).toBe('MQTT 3.1.1 clean ka=45 user=u1 pw=******** will=ok/will q1 r1 (4 bytes)');
    const empty = gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 45, clientId: 'p0',
      will: { topic: 'ok/will', payload: Buffer.alloc(0), qos: 0, retain: false },
    });
    expect(packetParts(empty).detail).toContain('will=ok/will q0 (0 bytes)');
  });
});

describe('table view keeps every refusal of a SUBACK', () => {
  it('a 3.1.1 SUBACK whose fourth code is 0x80 says so in Details, not behind the cut', () => {
    // mosquitto_sub -d prints this one as: Subscribed (mid: 1): 2, 2, 2, 128
    const ack = gen({ cmd: 'suback', messageId: 1, granted: [2, 2, 2, 0x80] }, { dir: 's2c' });
    const t = renderPacketTable([ack], { utc: true });
    expect(t).toContain('rc=0x02, 0x02, 0x02, 0x80 (1 of 4 refused)');
  });

  it('a SUBACK of many codes is cut but still counts its refusals', () => {
    const granted = [...Array.from({ length: 30 }, () => 1), 0x80, 0x80];
    const ack = gen({ cmd: 'suback', messageId: 1, granted }, { dir: 's2c' });
    const t = renderPacketTable([ack], { utc: true });
    expect(t).toMatch(/rc=0x01, 0x01, .*… \(2 of 32 refused\)/);
    const row = t.split('\n').find((l) => l.includes('SUBACK'))!;
    expect(row.split('│').some((cell) => cell.trim().length > 64)).toBe(false);
  });

  it('an MQTT 5 UNSUBACK that does not fit counts its failures and keeps the reason string', () => {
    const ack = gen({ cmd: 'unsuback', messageId: 4, granted: [0x00, 0x11, 0x87, 0x00], properties: { reasonString: 'no' } }, { version: 5, dir: 's2c' });
    const t = renderPacketTable([ack], { utc: true });
    expect(t).toContain('rc=0x00, 0x11, 0x87, 0x00 (1 of 4 failed) ("no")');
  });

  it('a SUBACK whose codes fit keeps their words', () => {
    const ack = gen({ cmd: 'suback', messageId: 1, granted: [1, 0x80] }, { dir: 's2c' });
    expect(renderPacketTable([ack], { utc: true })).toContain('rc=0x01 Granted QoS 1, 0x80 Failure');
  });
});

describe('table view keeps the flags after a long CONNECT value', () => {
  it('a will topic of 60 characters is cut on its own: the will QoS, retain and size stay', () => {
    const c = gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 45, clientId: 'p0', username: 'u1',
      password: Buffer.from('pw1'), will: { topic: `home/${'x'.repeat(55)}`, payload: Buffer.from('dead'), qos: 1, retain: true },
    });
    const t = renderPacketTable([c], { utc: true });
    expect(t).toMatch(/will=home\/x+… q1 r1 \(4 bytes\)/);
  });

  it('an ordinary user, will and 3.1.1 words fit whole', () => {
    const c = gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 45, clientId: 'p0', username: 'u1',
      password: Buffer.from('pw1'), will: { topic: 'ok/will', payload: Buffer.from('dead'), qos: 1, retain: true },
    });
    expect(renderPacketTable([c], { utc: true })).toContain('MQTT 3.1.1 clean ka=45 user=u1 pw=******** will=ok/will q1 r1 (4 bytes)');
  });
});

describe('table view counts the SUBSCRIBE filters it cannot show', () => {
  it('five filters of which three fit: the row says +2 more instead of cutting the fourth', () => {
    const sub = gen({ cmd: 'subscribe', messageId: 1, subscriptions: ['ok/a', 'ok/b', 'deny/x', 'forbidden/y', '$SYS/#'].map((topic) => ({ topic, qos: 2 })) });
    const t = renderPacketTable([sub], { utc: true });
    expect(t).toContain('ok/a q2, ok/b q2, deny/x q2, … +2 more');
    expect(t).not.toContain('forbidden/…');
  });

  it('an UNSUBSCRIBE whose first filter is too long keeps the count', () => {
    const un = gen({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: [`a/${'b'.repeat(60)}`, 'c'] });
    const t = renderPacketTable([un], { utc: true });
    expect(t).toMatch(/a\/b+…, … \+1 more/);
    const cell = t.split('\n').find((l) => l.includes('UNSUBSCRIBE'))!.split('│')[8]!.trim();
    expect(cell.length).toBeLessThanOrEqual(40);
  });

  it('filters that fit are shown whole, options included', () => {
    const sub = gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ok/x', qos: 1, nl: true }, { topic: 'ok/y', qos: 0 }] }, { version: 5 });
    expect(renderPacketTable([sub], { utc: true })).toContain('ok/x q1 nl, ok/y q0');
  });
});
