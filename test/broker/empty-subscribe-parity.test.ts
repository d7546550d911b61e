// SUBSCRIBE and UNSUBSCRIBE without any topic filter, run against the bundled broker AND a
// real mosquitto 2.0.11 with the same expectations (mosquitto missing = failure, never a
// skip). MQTT 3.1 does not forbid them and mosquitto answers a SUBACK without return codes
// or an UNSUBACK; MQTT 3.1.1 does [MQTT-3.8.3-3] [MQTT-3.10.3-2], and mosquitto closes the connection.
import { describe, expect, it } from 'vitest';
import { BROKERS, online, withBroker } from './parity.js';

describe.each(BROKERS)('%s: SUBSCRIBE and UNSUBSCRIBE without a topic filter', (_name, start) => {
  it('MQTT 3.1: a SUBSCRIBE without filters gets a SUBACK without return codes, with flags 2 or 0', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'empty31', level: 3 });
      expect(await c.send(0x82, Buffer.from([
        0x00, 0x05, // packet identifier 5, and no filter
      ]))).toBe('suback');
      expect(await c.send(0x80, Buffer.from([
        0x00, 0x06, // packet identifier 6, and no filter (flags 0, as old 3.1 clients send it)
      ]))).toBe('suback');
      const subacks = c.packets.filter((p) => p.cmd === 'suback').map((p) => ({ id: p.messageId, length: p.length, granted: (p as { granted: number[] }).granted }));
      expect(subacks).toEqual([{ id: 5, length: 2, granted: [] }, { id: 6, length: 2, granted: [] }]);
      // The connection goes on: a real subscription still works.
      expect(await c.subscribe(['e31/#'], 1)).toEqual([1]);
      await c.publish('e31/x', 'hi', 1);
      await c.waitFor(() => (c.messages().length > 0 ? true : undefined), 'the message');
      expect(c.messages()).toEqual(['e31/x hi']);
    });
  });

  it('MQTT 3.1: an UNSUBSCRIBE without filters gets its UNSUBACK', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'unsub31', level: 3 });
      expect(await c.send(0xa2, Buffer.from([
        0x00, 0x07, // packet identifier 7, and no filter
      ]))).toBe('unsuback');
      expect(c.packets.find((p) => p.cmd === 'unsuback')?.messageId).toBe(7);
      expect(await c.send(0xc0, Buffer.alloc(0))).toBe('pingresp'); // PINGREQ
    });
  });

  it.each([
    ['MQTT 3.1 SUBSCRIBE with packet identifier 0', 3, 0x82, [0x00, 0x00]], // packet identifier 0, no filter
    ['MQTT 3.1 UNSUBSCRIBE with packet identifier 0', 3, 0xa2, [0x00, 0x00]], // packet identifier 0, no filter
    ['MQTT 3.1 SUBSCRIBE with half a packet identifier', 3, 0x82, [0x00]], // 1 byte
    ['MQTT 3.1.1 SUBSCRIBE', 4, 0x82, [0x00, 0x01]], // packet identifier 1, no filter
    ['MQTT 3.1.1 UNSUBSCRIBE', 4, 0xa2, [0x00, 0x01]], // packet identifier 1, no filter
  ] as Array<[string, 3 | 4, number, number[]]>)('%s without filters closes the connection', async (_case, level, header, body) => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'emptyx', level });
      expect(await c.send(header, Buffer.from(body), 1500)).toBe('closed');
    });
  });
});
