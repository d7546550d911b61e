// A finding is shown with the packets it is about (docs/filters.md, "Findings and
// filters", step 2). Some findings are about packets of other connections than
// their own: a withheld-delivery belongs to the subscriber's connection but names
// the publisher's PUBLISH and PUBACK and the copy another subscriber got. Before,
// a packet that passed was remembered with its connection and looked up with the
// finding's, so `client == "pub"` or `mqtt.qos >= 1` showed the PUBLISH and hid the
// read-ACL drop it caused.
import { describe, expect, it } from 'vitest';
import { RecordFilter } from '../../src/filter/index.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { conn, finding, gen } from './records.js';

function scenario(): OutputRecord[] {
  const pub = conn(52200);
  const reader = conn(52201);
  const denied = conn(52202);
  return [
    gen({ cmd: 'publish', topic: 'room/temp', payload: Buffer.from('21'), qos: 1, messageId: 1, retain: false, dup: false }, { conn: pub, frame: 20, clientId: 'pub' }),
    gen({ cmd: 'publish', topic: 'room/temp', payload: Buffer.from('21'), qos: 0, retain: false, dup: false }, { conn: reader, dir: 's2c', frame: 21, clientId: 'reader' }),
    gen({ cmd: 'puback', messageId: 1 }, { conn: pub, dir: 's2c', frame: 22, clientId: 'pub' }),
    finding({ code: 'withheld-delivery', conn: denied.id, clientId: 'denied', username: 'bob', frames: [20, 21, 22], topic: 'room/temp' }),
  ];
}

function shown(expr: string): string[] {
  const f = new RecordFilter(expr);
  return scenario().filter((r) => f.test(r)).map((r) => (r.kind === 'packet' ? `#${r.frame}` : r.code));
}

describe('a finding about packets of other connections', () => {
  it('is shown with the publisher packets a client filter shows', () => {
    expect(shown('client == "pub"')).toEqual(['#20', '#22', 'withheld-delivery']);
  });

  it('is shown with the PUBLISH that mqtt.qos >= 1 shows', () => {
    expect(shown('mqtt.qos >= 1')).toEqual(['#20', 'withheld-delivery']);
  });

  it('is shown with the copy another subscriber got', () => {
    expect(shown('client == "reader"')).toEqual(['#21', 'withheld-delivery']);
  });

  it('stays hidden when none of its packets is shown, and with !finding', () => {
    expect(shown('mqtt.msgtype == 8')).toEqual([]);
    expect(shown('!finding')).toEqual(['#20', '#21', '#22']);
  });
});
