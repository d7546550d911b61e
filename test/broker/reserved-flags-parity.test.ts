// Reserved fixed-header flag bits, run against the bundled broker AND a real mosquitto
// 2.0.11 with the same expectations (mosquitto missing = failure, never a skip). mosquitto
// checks the flags of PUBREL, SUBSCRIBE, UNSUBSCRIBE and DISCONNECT only for MQTT 3.1.1 and
// 5 (old 3.1 clients that send SUBSCRIBE with flags 0 work there), and those of PUBACK,
// PUBREC, PUBCOMP and PINGREQ at no level.
import { connect as tcpConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { frame, str } from './raw-client.js';
import { BROKERS, online, sleep, withBroker, type Start } from './parity.js';

/** A 2-byte packet identifier. */
const pid = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);

describe.each(BROKERS)('%s: reserved fixed-header flags', (_name, start) => {
  it('SUBSCRIBE, UNSUBSCRIBE and PUBREL with flags 0, and PINGREQ with flags 1, are answered', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'old31', level: 3 });
      expect(await c.send(0x80, Buffer.concat([
        pid(1), // packet identifier 1
        str('t31/a'), // topic filter
        Buffer.from([1]), // requested QoS 1
      ]))).toBe('suback');
      expect(await c.send(0x34, Buffer.concat([
        str('t31/a'), // topic (PUBLISH QoS 2)
        pid(2), // packet identifier 2
        Buffer.from('hello'), // payload
      ]))).toBe('pubrec');
      c.write(Buffer.from([0x60, 0x02, 0x00, 0x02])); // PUBREL with flags 0, remaining length 2, packet identifier 2
      // (PUBCOMP and the delivery to this same client may come in either order.)
      await c.waitFor(() => (c.packets.some((p) => p.cmd === 'pubcomp' && p.messageId === 2) ? true : undefined), 'PUBCOMP');
      // Released at the PUBREL: delivered to the subscription made with flags 0.
      await c.waitFor(() => (c.messages().includes('t31/a hello') ? true : undefined), 'the message');
      expect(await c.send(0xa0, Buffer.concat([
        pid(3), // packet identifier 3
        str('t31/a'), // topic filter
      ]))).toBe('unsuback');
      expect(await c.send(0xc1, Buffer.alloc(0))).toBe('pingresp'); // PINGREQ, flags 1
    });
  });

  it('a DISCONNECT with flags 1 is a normal disconnect: the will is not published', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const watcher = await online(open, { clientId: 'watch31' });
      expect(await watcher.subscribe(['will31/#'])).toEqual([0]);
      const c = await online(open, { clientId: 'will31', level: 3, will: { topic: 'will31/gone', payload: 'bye' } });
      c.write(Buffer.from([0xe1, 0x00])); // DISCONNECT, flags 1, remaining length 0
      await c.waitFor(() => undefined, 'close', 3000, true);
      await sleep(300);
      expect(c.closed).toBe(true);
      expect(watcher.messages()).toEqual([]);
    });
  });

  it('a CONNECT with the reserved connect flag set is accepted', async () => {
    let port = 0;
    const remember: Start = async (s) => { const p = await start(s); port = p.port; return p; };
    await withBroker(remember, { allowAnonymous: true }, async () => {
      const sock = tcpConnect({ host: '127.0.0.1', port });
      await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
      const got: Buffer[] = [];
      sock.on('data', (d) => got.push(d));
      sock.on('error', () => { /* a close is what we look for */ });
      try {
        sock.write(frame(0x10, Buffer.concat([
          str('MQIsdp'), // protocol name
          Buffer.from([3]), // protocol level 3
          Buffer.from([0x03]), // connect flags: CleanSession 1, reserved bit 0 set
          Buffer.from([0, 60]), // keep alive: 60 s
          str('rsv31'), // client id
        ])));
        sock.write(Buffer.from([0xc0, 0x00])); // PINGREQ, remaining length 0
        const end = Date.now() + 2000;
        while (Buffer.concat(got).length < 6 && !sock.destroyed && Date.now() < end) await sleep(20);
        // CONNACK (return code 0), then PINGRESP.
        expect(Buffer.concat(got).toString('hex')).toBe('20020000d000');
      } finally {
        sock.destroy();
      }
    });
  });

  it('MQTT 3.1.1: PUBACK, PUBREC, PUBCOMP and PINGREQ with flags 0xF are taken as they would be with 0', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'any311' });
      expect(await c.subscribe(['a311/#'], 1)).toEqual([1]);
      await c.publish('a311/x', 'one', 1);
      const delivery = await c.waitFor(() => c.packets.find((p) => p.cmd === 'publish'), 'the delivery');
      const id = (delivery as { messageId: number }).messageId;
      c.write(Buffer.from([0x4f, 0x02, id >> 8, id & 0xff])); // PUBACK with flags 0xF, remaining length 2, its packet identifier
      expect(await c.send(0x5f, pid(7))).toBe('pubrel'); // PUBREC with flags 0xF, packet identifier 7 (unknown): PUBREL 7
      c.write(Buffer.from([0x7f, 0x02, 0x00, 0x08])); // PUBCOMP with flags 0xF, remaining length 2, packet identifier 8 (unknown: no answer)
      expect(await c.send(0xcf, Buffer.alloc(0))).toBe('pingresp'); // PINGREQ with flags 0xF
      expect(c.closed).toBe(false);
    });
  });

  it('MQTT 3.1.1 for contrast: a SUBSCRIBE with flags 0, or a PUBREL with flags 0xF, closes the connection', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'new311' });
      expect(await c.send(0x80, Buffer.concat([
        pid(1), // packet identifier 1
        str('t/a'), // topic filter
        Buffer.from([0]), // requested QoS 0
      ]), 1500)).toBe('closed');
      const d = await online(open, { clientId: 'new311b' });
      expect(await d.send(0x6f, pid(2), 1500)).toBe('closed'); // PUBREL with flags 0xF, packet identifier 2
    });
  });
});
