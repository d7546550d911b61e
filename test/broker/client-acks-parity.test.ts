// Acknowledgements only a server sends (SUBACK, UNSUBACK, PINGRESP), sent by a client: run
// against the bundled broker AND a real mosquitto 2.0.11 with the same expectations
// (mosquitto missing = failure, never a skip). mosquitto 2.0.11 reads them and ignores
// them unless it cannot read a packet identifier (or it is 0), or a SUBACK has no return code.
import { connect as tcpConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ReservedFlags } from '../../src/broker/reserved-flags.js';
import { frame, str } from './raw-client.js';
import { BROKERS, online, sleep, withBroker, type Start } from './parity.js';

/** [case, protocol level, fixed header byte, body]. */
const CASES: Array<[string, 3 | 4, number, Buffer]> = [
  ['SUBACK', 4, 0x90, Buffer.from([
    0x00, 0x01, // packet identifier 1
    0x00, // return code: QoS 0 granted
  ])],
  ['SUBACK, MQTT 3.1', 3, 0x90, Buffer.from([
    0x00, 0x01, // packet identifier 1
    0x01, // return code: QoS 1 granted
  ])],
  ['SUBACK with flags 1 and return codes that are no QoS', 4, 0x91, Buffer.from([
    0x00, 0x07, // packet identifier 7
    0x55, // return code 0x55 (not a valid one)
    0x80, // return code: failure
    0x03, // return code 3 (not a valid one)
  ])],
  ['UNSUBACK', 4, 0xb0, Buffer.from([
    0x00, 0x01, // packet identifier 1
  ])],
  ['UNSUBACK with flags 5 and a byte too many', 4, 0xb5, Buffer.from([
    0x00, 0x02, // packet identifier 2
    0x07, // one byte more than an UNSUBACK has
  ])],
  ['PINGRESP', 4, 0xd0, Buffer.alloc(0)],
  ['PINGRESP, MQTT 3.1', 3, 0xd0, Buffer.alloc(0)],
  ['PINGRESP with flags 1 and 5 bytes of body', 4, 0xd1, Buffer.from([
    0x01, 0x02, 0x03, 0x04, 0x05, // a body a PINGRESP does not have
  ])],
];

/** Cases that close the connection on both brokers. */
const CLOSING: Array<[string, number, Buffer]> = [
  ['SUBACK without a return code', 0x90, Buffer.from([
    0x00, 0x01, // packet identifier 1, and nothing more
  ])],
  ['SUBACK with packet identifier 0', 0x90, Buffer.from([
    0x00, 0x00, // packet identifier 0
    0x00, // return code: QoS 0 granted
  ])],
  ['SUBACK with 1 byte', 0x90, Buffer.from([
    0x00, // half a packet identifier
  ])],
  ['UNSUBACK with packet identifier 0', 0xb0, Buffer.from([
    0x00, 0x00, // packet identifier 0
  ])],
  ['UNSUBACK without a body', 0xb0, Buffer.alloc(0)],
  ['CONNACK', 0x20, Buffer.from([
    0x00, // acknowledge flags
    0x00, // return code 0
  ])],
];

describe.each(BROKERS)('%s: SUBACK, UNSUBACK and PINGRESP from a client', (_name, start) => {
  it.each(CASES)('%s is ignored: no answer, the connection stays and a PINGREQ still gets its PINGRESP', async (_case, level, header, body) => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'acker', level });
      expect(await c.send(header, body)).toBe('none');
      expect(await c.send(0xc0, Buffer.alloc(0))).toBe('pingresp'); // PINGREQ
      expect(c.packets.map((p) => p.cmd)).toEqual(['connack', 'pingresp']);
    });
  });

  it.each(CLOSING)('%s closes the connection', async (_case, header, body) => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'acker' });
      expect(await c.send(header, body, 1500)).toBe('closed');
    });
  });

  it('a PINGRESP counts as activity for the keep alive: a client sending only PINGRESPs stays connected', async () => {
    let port = 0;
    const remember: Start = async (s) => { const p = await start(s); port = p.port; return p; };
    await withBroker(remember, { allowAnonymous: true }, async () => {
      const sock = tcpConnect({ host: '127.0.0.1', port });
      await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
      sock.resume();
      let closed = false;
      sock.on('close', () => { closed = true; });
      sock.on('error', () => { /* 'close' follows */ });
      try {
        sock.write(frame(0x10, Buffer.concat([
          str('MQTT'), // protocol name
          Buffer.from([4]), // protocol level 4
          Buffer.from([0x02]), // connect flags: CleanSession 1
          Buffer.from([0, 1]), // keep alive: 1 s (closed after 1.5 s without a packet)
          str('kapr'), // client id
        ])));
        for (let i = 0; i < 6 && !closed; i++) {
          await sleep(500);
          sock.write(Buffer.from([0xd0, 0x00])); // PINGRESP, remaining length 0
        }
        expect(closed).toBe(false);
      } finally {
        sock.destroy();
      }
    });
  });

  it('ignored packets between others, in one write, leave the others as they were', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'mixed' });
      c.write(Buffer.concat([
        frame(0xd0, Buffer.alloc(0)), // PINGRESP
        frame(0x82, Buffer.from([0x00, 0x05, 0x00, 0x01, 0x6d, 0x00])), // SUBSCRIBE: packet identifier 5, filter 'm', QoS 0
        frame(0x90, Buffer.from([0x00, 0x09, 0x02])), // SUBACK: packet identifier 9, return code 2
        frame(0x30, Buffer.from([0x00, 0x01, 0x6d, 0x68, 0x69])), // PUBLISH QoS 0: topic 'm', payload 'hi'
        frame(0xb0, Buffer.from([0x00, 0x03])), // UNSUBACK: packet identifier 3
      ]));
      await c.waitFor(() => (c.messages().length > 0 ? true : undefined), 'the message');
      expect(await c.send(0xc0, Buffer.alloc(0))).toBe('pingresp'); // PINGREQ
      expect(c.packets.map((p) => p.cmd)).toEqual(['connack', 'suback', 'publish', 'pingresp']);
      expect(c.messages()).toEqual(['m hi']);
    });
  });
});

describe('ReservedFlags: dropping client acknowledgements across chunk boundaries', () => {
  const connect = frame(0x10, Buffer.from([
    0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // protocol name 'MQTT'
    0x04, // protocol level 4
    0x02, // connect flags: CleanSession 1
    0x00, 0x3c, // keep alive: 60 s
    0x00, 0x01, 0x63, // client id 'c'
  ]));
  const pingreq = frame(0xc0, Buffer.alloc(0)); // PINGREQ
  const badSuback = frame(0x90, Buffer.from([0x00, 0x00, 0x00])); // SUBACK with packet identifier 0: passed on
  const stream = Buffer.concat([
    connect,
    frame(0x90, Buffer.from([0x00, 0x01, 0x00, 0x01, 0x02])), // SUBACK: packet identifier 1, 3 return codes: dropped
    pingreq,
    frame(0xd0, Buffer.from([0x01, 0x02])), // PINGRESP with a 2-byte body: dropped
    frame(0xb0, Buffer.from([0x00, 0x04])), // UNSUBACK: packet identifier 4: dropped
    badSuback,
  ]);
  const kept = Buffer.concat([connect, pingreq, badSuback]).toString('hex');

  it.each([1, 2, 3, 5, 7, stream.length])('fed in chunks of %i bytes', (size) => {
    const flags = new ReservedFlags();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) out.push(Buffer.from(flags.feed(Buffer.from(stream.subarray(i, i + size)))));
    expect(Buffer.concat(out).toString('hex')).toBe(kept);
    expect(flags.dropped).toBe(3);
  });
});
