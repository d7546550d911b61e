// Byte vectors and a connection shared by the tests of connections joined
// mid-stream (no CONNECT captured): version inference, the line view's notes
// about it, and the stamps of late-framed packets.
import type { ConnMeta } from '../../src/model/types.js';

/** A fresh connection 10.0.0.2:50000 → 10.0.0.1:1883 (a new object each time: the engine's identity of a connection). */
export const midstreamMeta = (): ConnMeta => ({
  id: '10.0.0.2:50000-10.0.0.1:1883',
  client: { host: '10.0.0.2', port: 50000 },
  server: { host: '10.0.0.1', port: 1883 },
  transport: 'tcp',
});

/** Bytes from spaced hex. */
export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// MQTT 5 PUBLISH QoS 0 "a/b", property length 0, payload "hello": also a valid
// 3.1.1 PUBLISH whose payload is "\0hello".
export const PUB5_EMPTY_PROPS = '30 0b 0003 612f62 00 68656c6c6f';
// 3.1.1 PUBLISH QoS 0 "a/b", payload "hello": MQTT 5 would read 'h' (104) as a property length.
export const PUB4_TEXT = '30 0a 0003 612f62 68656c6c6f';
// PUBACK id 7 with reason code 0x10 (No matching subscribers): only MQTT 5 has a 3-byte PUBACK.
export const PUBACK5 = '40 03 0007 10';
export const PING = 'c0 00';
