// Line view details that the scenario test does not reach: the MQTT 5 word for a
// clean CONNECT, the RETAIN of a will, and the 3.1.1 success of every ack without a
// reason code (PUBACK, PUBREC, PUBCOMP), a topic with a double quote, and a
// finding over more frames than its line lists.
import { describe, expect, it } from 'vitest';
import { formatFindingLine, packetParts } from '../../src/views/index.js';
import { finding, gen } from '../filter/records.js';

describe('line view details', () => {
  it('an MQTT 5 CONNECT says clean-start, a 3.1.1 one clean', () => {
    const c5 = gen({ cmd: 'connect', clientId: 'c', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 30 }, { version: 5 });
    const c4 = gen({ cmd: 'connect', clientId: 'c', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30 });
    expect(packetParts(c5).detail).toBe('MQTT 5 clean-start ka=30');
    expect(packetParts(c4).detail).toBe('MQTT 3.1.1 clean ka=30');
  });

  it('a retained will shows r1, a plain one not', () => {
    const will = (retain: boolean) => gen({ cmd: 'connect', clientId: 'c', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30,
      will: { topic: 'dead/c', payload: Buffer.from('x'), qos: 1, retain } });
    expect(packetParts(will(true)).detail).toContain('will=dead/c q1 r1');
    expect(packetParts(will(false)).detail).toContain('will=dead/c q1');
    expect(packetParts(will(false)).detail).not.toContain('r1');
  });

  it('3.1.1 PUBACK, PUBREC and PUBCOMP read as ok', () => {
    for (const cmd of ['puback', 'pubrec', 'pubcomp']) {
      const r = gen({ cmd, messageId: 3 }, { dir: 's2c' });
      expect(packetParts(r).reason, cmd).toBe('ok (3.1.1 acks carry no reason code)');
    }
  });

  it('a topic with a double quote is quoted, so the line stays unambiguous', () => {
    const r = gen({ cmd: 'publish', topic: 'a"b', payload: Buffer.from('x'), qos: 0 });
    expect(packetParts(r).topic).toBe('"a\\"b"');
  });

  it('a finding on nine frames lists eight and says there are more', () => {
    const f = finding({ code: 'undelivered-publish', frames: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
    const head = formatFindingLine(f, { utc: true }).split('\n')[0]!;
    expect(head).toContain('#1 #2 #3 #4 #5 #6 #7 #8 …');
    expect(head).not.toContain('#9');
    const eight = formatFindingLine(finding({ code: 'undelivered-publish', frames: [1, 2, 3, 4, 5, 6, 7, 8] }), { utc: true }).split('\n')[0]!;
    expect(eight).toContain('#8');
    expect(eight).not.toContain('…');
  });

  it('an MQTT 5 UNSUBACK with two reason codes lists both', () => {
    const r = gen({ cmd: 'unsuback', messageId: 4, granted: [0x00, 0x11] }, { version: 5, dir: 's2c' });
    expect(packetParts(r).reason).toBe('rc=0x00 Success, 0x11 No subscription existed');
  });
});
