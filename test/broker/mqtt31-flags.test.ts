// Mqtt31Flags alone: the rewrite does not depend on how the bytes are split into chunks,
// and MQTT 3.1.1 streams are passed through untouched.
import { describe, expect, it } from 'vitest';
import { Mqtt31Flags } from '../../src/broker/mqtt31-flags.js';
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
  Buffer.from([0xc1, 0x00]), // PINGREQ flags 1
  Buffer.from([0xe1, 0x00]), // DISCONNECT flags 1
]);

/** Feed `bytes` in chunks of `size` bytes and join what comes out. */
function run(bytes: Buffer, size: number): Buffer {
  const f = new Mqtt31Flags();
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(f.feed(Buffer.from(bytes.subarray(i, i + size))));
  return Buffer.concat(out);
}

describe('Mqtt31Flags', () => {
  it('gives an MQTT 3.1 stream the flags mqtt-packet requires, split anywhere', () => {
    const input = Buffer.concat([connect('MQIsdp', 3, 0x03), REST]);
    const want = Buffer.from(input);
    want[11] = 0x02; // the reserved connect flag cleared (offset: header 2 + name 8 + level 1)
    let at = connect('MQIsdp', 3, 0x03).length;
    for (const [len, fixed] of [[8, 0x82], [208, 0x3b], [4, 0x62], [7, 0xa2], [2, 0xc0], [2, 0xe0]] as const) {
      want[at] = fixed;
      at += len;
    }
    expect(at).toBe(input.length);
    for (const size of [1, 2, 3, 5, 13, input.length]) expect(run(input, size).toString('hex'), `chunks of ${size}`).toBe(want.toString('hex'));
  });

  it('leaves MQTT 3.1.1 streams (and MQIsdp with another level) as they are, and stops after the CONNECT', () => {
    for (const head of [connect('MQTT', 4, 0x03), connect('MQIsdp', 4, 0x03)]) {
      const input = Buffer.concat([head, REST]);
      for (const size of [1, 4, input.length]) expect(run(input, size).toString('hex')).toBe(input.toString('hex'));
      const f = new Mqtt31Flags();
      f.feed(Buffer.from(head));
      expect(f.done).toBe(true);
    }
  });
});
