// Ids read from the tree on a SUBSCRIBE/UNSUBSCRIBE/SUBACK/UNSUBACK whose list is
// longer than the tree itemises (1,000; docs/dissector.md): the entries past the
// first 1,000 come from the summary's list (the first 10,000), so a code or an
// option bit of entry 1,501 matches as one of entry 1 does, and `rc` and
// `mqtt.suback.qos` give the same answer for the same packet.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { real } from './records.js';

function frame(type: number, body: number[]): Uint8Array {
  const head = [type];
  let n = body.length;
  do { let d = n & 0x7f; n >>= 7; if (n > 0) d |= 0x80; head.push(d); } while (n > 0); // Remaining Length
  return Uint8Array.from([...head, ...body]);
}

/** SUBSCRIBE (packet id 7) of (filter, options byte) pairs; MQTT 5 adds an empty property block. */
function subscribe(entries: Array<[string, number]>, v5: boolean): Uint8Array {
  const body: number[] = [0x00, 0x07]; // Packet Identifier 7
  if (v5) body.push(0x00); // Property Length 0
  for (const [f, o] of entries) {
    const b = Buffer.from(f);
    body.push(b.length >> 8, b.length & 0xff, ...b, o); // filter length, filter, options / Requested QoS byte
  }
  return frame(0x82, body); // SUBSCRIBE, flags 0010
}

/** SUBACK (type 9) or UNSUBACK (type 11) of these codes, packet id 7; MQTT 5 adds an empty property block. */
function ack(type: 9 | 11, codes: number[], v5: boolean): Uint8Array {
  return frame(type << 4, [0x00, 0x07, ...(v5 ? [0x00] : []), ...codes]); // Packet Identifier 7, (Property Length 0), one code per filter
}

const matches = (expr: string, rec: PacketRecord): boolean => compileFilter(expr)(rec);
const hasError = (rec: PacketRecord): boolean => rec.summary.notes.some((n) => n.severity === 'error');

describe('tree ids past the entries the tree itemises', () => {
  it('3.1.1 SUBACK: a Failure (0x80) as code 1501 of 2000 matches mqtt.suback.qos, as rc does', () => {
    const codes = Array.from({ length: 2000 }, (_, i) => (i === 1500 ? 0x80 : 0x01));
    const rec = real(ack(9, codes, false));
    expect(matches('rc == 0x80', rec)).toBe(true);
    expect(matches('mqtt.suback.qos == 0x80', rec)).toBe(true);
    expect(matches('mqtt.suback.qos == 2', rec)).toBe(false);
    // The same code among the first thousand matches as well (the tree).
    expect(matches('mqtt.suback.qos == 0x80', real(ack(9, codes.map((c, i) => (i === 1500 ? 0x01 : i === 5 ? 0x80 : c)), false)))).toBe(true);
    // Codes past the summary's 10,000 are in neither.
    const long = Array.from({ length: 10_001 }, (_, i) => (i === 10_000 ? 0x80 : 0x00));
    expect(matches('mqtt.suback.qos == 0x80', real(ack(9, long, false)))).toBe(false);
    expect(matches('mqtt.suback.qos == 0x80', real(ack(9, long.map((c, i) => (i === 9_999 ? 0x80 : c)), false)))).toBe(true);
  });

  it('MQTT 5 SUBACK and UNSUBACK: reason codes past the first 1,000, with and without an invalid code in the packet', () => {
    for (const bad of [false, true]) {
      const sub = real(ack(9, Array.from({ length: 1500 }, (_, i) => (i === 1200 ? 0x87 : bad && i === 3 ? 0x03 : 0x00)), true), { version: 5 });
      expect(hasError(sub)).toBe(bad);
      expect(matches('mqtt.suback.reason_code == 0x87', sub)).toBe(true);
      expect(matches('mqtt.suback.reason_code == 0x03', sub)).toBe(bad);
      expect(matches('mqtt.suback.qos', sub)).toBe(false); // the 3.1.1 id is not on an MQTT 5 SUBACK
      const unsub = real(ack(11, Array.from({ length: 1500 }, (_, i) => (i === 1499 ? 0x11 : bad && i === 3 ? 0x03 : 0x00)), true), { version: 5 });
      expect(hasError(unsub)).toBe(bad);
      expect(matches('mqtt.unsuback.reason_code == 0x11', unsub)).toBe(true);
      expect(matches('mqtt.unsuback.reason_code == 0x11', real(ack(11, Array(1500).fill(0), true), { version: 5 }))).toBe(false);
    }
  });

  it('MQTT 5 SUBSCRIBE: the option bits and the filter of entry 1501 of 2000, with and without an invalid filter', () => {
    for (const bad of [false, true]) {
      // 0x2e: Retain Handling 2, Retain As Published 1, No Local 1, Maximum QoS 2.
      const entries: Array<[string, number]> = Array.from({ length: 2000 }, (_, i) => (i === 1500 ? ['x/y', 0x2e] : bad && i === 3 ? ['a/#/b', 0x00] : [`f/${i}`, 0x00]));
      const rec = real(subscribe(entries, true), { version: 5 });
      expect(hasError(rec)).toBe(bad);
      for (const expr of ['mqtt.sub.qos == 2', 'mqtt.sub.nl == 1', 'mqtt.sub.rap == 1', 'mqtt.sub.rh == 2', 'mqtt.subscription == "x/y"',
        'mqtt.subscription_options_qos == 2', 'mqtt.subscription_options_retain == 2', 'mqtt.topic == "x/y"']) {
        expect(matches(expr, rec), expr).toBe(true);
      }
      expect(matches('mqtt.sub.qos == 1', rec)).toBe(false);
      expect(matches('mqtt.sub.rh == 1', rec)).toBe(false);
    }
  });

  it('3.1.1 SUBSCRIBE: the Requested QoS of entry 1501; no MQTT 5 option bits', () => {
    const entries: Array<[string, number]> = Array.from({ length: 2000 }, (_, i) => [`f/${i}`, i === 1500 ? 0x02 : 0x00]);
    const rec = real(subscribe(entries, false));
    expect(matches('mqtt.sub.qos == 2', rec)).toBe(true);
    expect(matches('mqtt.sub.nl', rec)).toBe(false);
    expect(matches('mqtt.sub.rh', rec)).toBe(false);
    expect(matches('mqtt.subscription == "f/1999"', rec)).toBe(true);
  });
});

describe('the summing fields of a long list are filter ids', () => {
  it('mqtt.topic_filters.not_itemised, mqtt.reason_codes.not_itemised and mqtt.property.not_itemised compile and match by count', () => {
    const sub = real(subscribe(Array.from({ length: 1600 }, (_, i): [string, number] => [`f/${i}`, 0x00]), false));
    const sub1000 = real(subscribe(Array.from({ length: 1000 }, (_, i): [string, number] => [`f/${i}`, 0x00]), false));
    expect(matches('mqtt.topic_filters.not_itemised', sub)).toBe(true);
    expect(matches('mqtt.topic_filters.not_itemised == 600', sub)).toBe(true);
    expect(matches('mqtt.topic_filters.not_itemised', sub1000)).toBe(false);
    const suback = real(ack(9, Array(1001).fill(0), true), { version: 5 });
    expect(matches('mqtt.reason_codes.not_itemised == 1', suback)).toBe(true);
    // A SUBACK (MQTT 5) whose property block holds 1,001 User Properties "k" = "v".
    const props: number[] = [];
    for (let i = 0; i < 1001; i++) props.push(0x26, 0x00, 0x01, 0x6b, 0x00, 0x01, 0x76); // User Property: key length 1, "k", value length 1, "v"
    const plen = props.length; // 7007: Property Length as a Variable Byte Integer (2 bytes)
    const big = real(frame(0x90, [0x00, 0x07, (plen & 0x7f) | 0x80, plen >> 7, ...props, 0x00]), { version: 5 }); // packet id 7, properties, one code 0x00
    expect(matches('mqtt.property.not_itemised == 1', big)).toBe(true);
    expect(matches('mqtt.property.not_itemised', suback)).toBe(false);
  });
});
