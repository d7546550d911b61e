// Several packets in one write: mosquitto 2.0.11 answers them in the order they arrived,
// and so must the bundled broker (src/broker/answer-order.ts): aedes answered a PINGREQ
// before the SUBSCRIBE written with it. mosquitto missing = failure, never a skip.
import { describe, expect, it } from 'vitest';
import { BROKERS, online, sleep, withBroker } from './parity.js';
import { frame, str } from './raw-client.js';

// PINGREQ: fixed header 0xC0, remaining length 0
const PINGREQ = Buffer.from([0xc0, 0x00]);
const id = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);

const CASES: Array<[string, Buffer, string[]]> = [
  ['SUBSCRIBE then PINGREQ', Buffer.concat([
    // SUBSCRIBE, flags 2: packet id 10, filter 'o/#', requested QoS 1
    frame(0x82, Buffer.concat([id(10), str('o/#'), Buffer.from([1])])),
    PINGREQ,
  ]), ['suback', 'pingresp']],
  ['PUBLISH QoS 1 then PINGREQ', Buffer.concat([
    // PUBLISH QoS 1: topic 'o/1', packet id 11, payload 'x'
    frame(0x32, Buffer.concat([str('o/1'), id(11), Buffer.from('x')])),
    PINGREQ,
  ]), ['puback', 'pingresp']],
  ['PUBLISH QoS 2 then PINGREQ', Buffer.concat([
    // PUBLISH QoS 2: topic 'o/2', packet id 12, payload 'x'
    frame(0x34, Buffer.concat([str('o/2'), id(12), Buffer.from('x')])),
    PINGREQ,
  ]), ['pubrec', 'pingresp']],
  ['UNSUBSCRIBE then PINGREQ', Buffer.concat([
    // UNSUBSCRIBE, flags 2: packet id 13, filter 'o/#'
    frame(0xa2, Buffer.concat([id(13), str('o/#')])),
    PINGREQ,
  ]), ['unsuback', 'pingresp']],
  ['SUBSCRIBE, UNSUBSCRIBE, PINGREQ', Buffer.concat([
    // SUBSCRIBE, flags 2: packet id 14, filter 'p/#', requested QoS 0
    frame(0x82, Buffer.concat([id(14), str('p/#'), Buffer.from([0])])),
    // UNSUBSCRIBE, flags 2: packet id 15, filter 'p/#'
    frame(0xa2, Buffer.concat([id(15), str('p/#')])),
    PINGREQ,
  ]), ['suback', 'unsuback', 'pingresp']],
  ['SUBSCRIBE then PUBLISH QoS 1', Buffer.concat([
    // SUBSCRIBE, flags 2: packet id 16, filter 'q/#', requested QoS 1
    frame(0x82, Buffer.concat([id(16), str('q/#'), Buffer.from([1])])),
    // PUBLISH QoS 1: topic 'q/1' (which the client now receives), packet id 17, payload 'x'
    frame(0x32, Buffer.concat([str('q/1'), id(17), Buffer.from('x')])),
  ]), ['suback', 'puback']],
  ['PUBLISH QoS 2 then SUBSCRIBE', Buffer.concat([
    // PUBLISH QoS 2: topic 'o/2', packet id 18, payload 'x'
    frame(0x34, Buffer.concat([str('o/2'), id(18), Buffer.from('x')])),
    // SUBSCRIBE, flags 2: packet id 19, filter 'q/#', requested QoS 1
    frame(0x82, Buffer.concat([id(19), str('q/#'), Buffer.from([1])])),
  ]), ['pubrec', 'suback']],
  ['PUBLISH QoS 2 then QoS 1', Buffer.concat([
    // PUBLISH QoS 2: topic 'o/2', packet id 20, payload 'x'
    frame(0x34, Buffer.concat([str('o/2'), id(20), Buffer.from('x')])),
    // PUBLISH QoS 1: topic 'o/1', packet id 21, payload 'x'
    frame(0x32, Buffer.concat([str('o/1'), id(21), Buffer.from('x')])),
  ]), ['pubrec', 'puback']],
  ['PUBREL then PINGREQ', Buffer.concat([
    // PUBREL, flags 2: packet id 22 (unknown: answered PUBCOMP all the same)
    frame(0x62, id(22)),
    PINGREQ,
  ]), ['pubcomp', 'pingresp']],
  ['UNSUBSCRIBE then PUBLISH QoS 1', Buffer.concat([
    // UNSUBSCRIBE, flags 2: packet id 23, filter 'o/#'
    frame(0xa2, Buffer.concat([id(23), str('o/#')])),
    // PUBLISH QoS 1: topic 'o/1', packet id 24, payload 'x'
    frame(0x32, Buffer.concat([str('o/1'), id(24), Buffer.from('x')])),
  ]), ['unsuback', 'puback']],
];

describe.each(BROKERS)('%s', (_name, start) => {
  it.each(CASES)('%s in one write: answered in that order', async (_title, bytes, expected) => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'order' });
      const seen = c.packets.length;
      // The answers only: a delivery to the client itself may come between them.
      const answers = (): string[] => c.packets.slice(seen).map((p) => p.cmd).filter((cmd) => cmd !== 'publish');
      c.write(bytes);
      await c.waitFor(() => (answers().length >= expected.length ? true : undefined), 'the answers');
      await sleep(100);
      expect(answers()).toEqual(expected);
    });
  });
});
