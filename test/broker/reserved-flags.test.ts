// ReservedFlags alone: the rewrite does not depend on how the bytes are split into chunks,
// and MQTT 3.1.1 streams get only the part mosquitto ignores at every level.
import { describe, expect, it } from 'vitest';
import { ReservedFlags } from '../../src/broker/reserved-flags.js';
import { frame, str } from './raw-client.js';

function connect(name: string, level: number, flags: number): Buffer {
  return frame(0x10, Buffer.concat([
    str(name), // protocol name
    Buffer.from([level]), // protocol level
    Buffer.from([flags]), // connect flags
    Buffer.from([0, 60]), // keep alive: 60 s
    str('c'), // client id
  ]));
}

const REST = Buffer.concat([
  frame(0x80, Buffer.concat([Buffer.from([0, 1]), str('a'), Buffer.from([0])])), // SUBSCRIBE flags 0: id 1, filter 'a', QoS 0
  frame(0x3b, Buffer.concat([str('a'), Buffer.from([0, 2]), Buffer.alloc(200, 0x80)])), // PUBLISH DUP QoS 1 retain: topic, id 2, a payload of 0x80 bytes (2-byte length)
  frame(0x60, Buffer.from([0, 2])), // PUBREL flags 0: id 2
  frame(0xa0, Buffer.concat([Buffer.from([0, 3]), str('a')])), // UNSUBSCRIBE flags 0: id 3, filter 'a'
  Buffer.from([0x4f, 0x02, 0x00, 0x02]), // PUBACK flags 0xF: remaining length 2, id 2
  Buffer.from([0xc1, 0x00]), // PINGREQ flags 1
  Buffer.from([0xe1, 0x00]), // DISCONNECT flags 1
]);

/** Feed `bytes` in chunks of `size` bytes and join what comes out. */
function run(bytes: Buffer, size: number): Buffer {
  const f = new ReservedFlags();
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(f.feed(Buffer.from(bytes.subarray(i, i + size))));
  return Buffer.concat(out);
}

describe('ReservedFlags', () => {
  it('gives an MQTT 3.1 stream the flags mqtt-packet requires, split anywhere', () => {
    const input = Buffer.concat([connect('MQIsdp', 3, 0x03), REST]);
    const want = Buffer.from(input);
    want[11] = 0x02; // the reserved connect flag cleared (offset: header 2 + name 8 + level 1)
    let at = connect('MQIsdp', 3, 0x03).length;
    for (const [len, fixed] of [[8, 0x82], [208, 0x3b], [4, 0x62], [7, 0xa2], [4, 0x40], [2, 0xc0], [2, 0xe0]] as const) {
      want[at] = fixed;
      at += len;
    }
    expect(at).toBe(input.length);
    for (const size of [1, 2, 3, 5, 13, input.length]) expect(run(input, size).toString('hex'), `chunks of ${size}`).toBe(want.toString('hex'));
  });

  it('gives MQTT 3.1.1 (and MQIsdp with another level) only the PUBACK/PUBREC/PUBCOMP/PINGREQ part, split anywhere', () => {
    for (const head of [connect('MQTT', 4, 0x03), connect('MQIsdp', 4, 0x03)]) {
      const input = Buffer.concat([head, REST]);
      const want = Buffer.from(input); // the CONNECT, SUBSCRIBE, PUBLISH, PUBREL, UNSUBSCRIBE and DISCONNECT as they are
      want[head.length + 8 + 208 + 4 + 7] = 0x40; // PUBACK
      want[head.length + 8 + 208 + 4 + 7 + 4] = 0xc0; // PINGREQ
      for (const size of [1, 4, 13, input.length]) expect(run(input, size).toString('hex'), `chunks of ${size}`).toBe(want.toString('hex'));
    }
  });
});
