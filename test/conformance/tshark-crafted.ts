// A hand-made capture for the tshark field cross-check: the recorded captures
// use few MQTT 5 properties and reason codes, so this one carries every
// property tshark 4.0 decodes, in the packets that allow it, plus the codes and
// subscription options the recordings lack. Packets are encoded by mqtt-packet
// (the project's oracle) except where noted.
import { conversation, gen, type Seg } from '../read/craft.js';

const c2s = (bytes: Uint8Array): Seg => ({ dir: 'c2s', bytes });
const s2c = (bytes: Uint8Array): Seg => ({ dir: 's2c', bytes });

/** MQTT 5: every property, reason codes, subscription options, AUTH. */
function v5(): Seg[] {
  const V = 5;
  return [
    c2s(gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'crafted-5', clean: true, keepalive: 30,
      username: 'u5', password: Buffer.from('p5'),
      will: {
        topic: 'will/5', payload: Buffer.from('bye'), qos: 1, retain: true,
        properties: {
          willDelayInterval: 10, payloadFormatIndicator: true, messageExpiryInterval: 600, contentType: 'text/plain',
          responseTopic: 'will/reply', correlationData: Buffer.from([0x00, 0xff, 0x10]), userProperties: { wk: 'wv' },
        },
      },
      properties: {
        sessionExpiryInterval: 3600, receiveMaximum: 50, maximumPacketSize: 65536, topicAliasMaximum: 5,
        requestResponseInformation: true, requestProblemInformation: false, userProperties: { a: '1', b: ['2', '3'] },
        authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from([1, 2, 3]),
      },
    }, V)),
    s2c(gen({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from([9]), reasonString: 'go on' } }, V)),
    c2s(gen({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from([7, 7]) } }, V)),
    s2c(gen({
      cmd: 'connack', sessionPresent: true, reasonCode: 0,
      properties: {
        sessionExpiryInterval: 7200, receiveMaximum: 20, maximumQoS: 1, retainAvailable: false, maximumPacketSize: 100000,
        assignedClientIdentifier: 'assigned-1', topicAliasMaximum: 8, reasonString: 'welcome', userProperties: { s: 'x' },
        wildcardSubscriptionAvailable: true, subscriptionIdentifiersAvailable: false, sharedSubscriptionAvailable: true,
        serverKeepAlive: 25, responseInformation: 'resp/info', serverReference: 'other:1883',
        authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from([0xab]),
      },
    }, V)),
    c2s(gen({
      cmd: 'subscribe', messageId: 11, properties: { subscriptionIdentifier: 300, userProperties: { k: 'v' } },
      subscriptions: [
        { topic: 'a/+', qos: 2, nl: true, rap: false, rh: 0 },
        { topic: 'b/#', qos: 1, nl: false, rap: true, rh: 1 },
        { topic: '$share/g/c', qos: 0, nl: false, rap: false, rh: 2 },
      ],
    }, V)),
    s2c(gen({ cmd: 'suback', messageId: 11, granted: [2, 1, 0x9e], properties: { reasonString: 'partly' } }, V)),
    s2c(gen({
      cmd: 'publish', topic: 'a/x', payload: Buffer.from('{"t":1}'), qos: 1, messageId: 12, retain: false, dup: true,
      properties: {
        payloadFormatIndicator: true, messageExpiryInterval: 60, topicAlias: 3, responseTopic: 'r/t',
        correlationData: Buffer.from('cd'), userProperties: { h: 'i' }, subscriptionIdentifier: [300, 2], contentType: 'application/json',
      },
    }, V)),
    c2s(gen({ cmd: 'puback', messageId: 12, reasonCode: 0x10, properties: { reasonString: 'nobody', userProperties: { p: 'q' } } }, V)),
    // PUBLISH by Topic Alias only: empty topic, alias 3.
    s2c(gen({ cmd: 'publish', topic: '', payload: Buffer.from('again'), qos: 2, messageId: 13, retain: true, properties: { topicAlias: 3 } }, V)),
    c2s(gen({ cmd: 'pubrec', messageId: 13, reasonCode: 0x80, properties: { reasonString: 'no' } }, V)),
    s2c(gen({ cmd: 'pubrel', messageId: 13, reasonCode: 0x92 }, V)),
    c2s(gen({ cmd: 'pubcomp', messageId: 13, reasonCode: 0x92, properties: { userProperties: { z: 'y' } } }, V)),
    c2s(gen({ cmd: 'unsubscribe', messageId: 14, unsubscriptions: ['a/+', 'nope'], properties: { userProperties: { u: 'n' } } }, V)),
    s2c(gen({ cmd: 'unsuback', messageId: 14, granted: [0x00, 0x11], properties: { reasonString: 'one gone' } }, V)),
    c2s(gen({ cmd: 'pingreq' }, V)),
    s2c(gen({ cmd: 'pingresp' }, V)),
    c2s(gen({ cmd: 'disconnect', reasonCode: 0x04, properties: { sessionExpiryInterval: 0, reasonString: 'bye', userProperties: { d: 'e' } } }, V)),
  ];
}

/** MQTT 3.1.1: will, credentials, a failed subscription, DUP/RETAIN/QoS 2. */
function v4(): Seg[] {
  const V = 4;
  return [
    c2s(gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'crafted-4', clean: false, keepalive: 0,
      username: 'user', password: Buffer.from([0x70, 0x00, 0xff]), will: { topic: 'w/4', payload: Buffer.alloc(0), qos: 2, retain: false },
    }, V)),
    s2c(gen({ cmd: 'connack', sessionPresent: true, returnCode: 0 }, V)),
    c2s(gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 2 }, { topic: 'forbidden', qos: 1 }] }, V)),
    s2c(gen({ cmd: 'suback', messageId: 1, granted: [2, 0x80] }, V)),
    c2s(gen({ cmd: 'publish', topic: 'x/y', payload: Buffer.from('z'), qos: 2, messageId: 2, retain: true, dup: true }, V)),
    s2c(gen({ cmd: 'pubrec', messageId: 2 }, V)),
    c2s(gen({ cmd: 'pubrel', messageId: 2 }, V)),
    s2c(gen({ cmd: 'pubcomp', messageId: 2 }, V)),
    c2s(gen({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['x/#'] }, V)),
    s2c(gen({ cmd: 'unsuback', messageId: 3 }, V)),
    c2s(gen({ cmd: 'disconnect' }, V)),
  ];
}

/** MQTT 3.1 (MQIsdp): a refused CONNECT with a will. */
function v3(): Seg[] {
  const V = 3;
  return [
    c2s(gen({
      cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'crafted-3', clean: true, keepalive: 120,
      will: { topic: 'w/3', payload: Buffer.from('gone'), qos: 1, retain: true },
    }, V)),
    s2c(gen({ cmd: 'connack', returnCode: 2 }, V)),
  ];
}

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** MQTT 5 edge cases: omitted reason codes and properties, long varints, non-ASCII text, odd option bits. */
function v5Edges(): Seg[] {
  const V = 5;
  return [
    c2s(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: '', clean: true, keepalive: 10 }, V)),
    s2c(gen({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { assignedClientIdentifier: 'auto-ß' } }, V)),
    // Non-ASCII topic (with a BOM), Subscription Identifier 268435455 (4-byte
    // varint), and a 200-byte user property: Property Length 222 takes 2 bytes.
    s2c(gen({
      cmd: 'publish', topic: 'sensör/温度/\uFEFF', payload: Buffer.from('€'), qos: 0, retain: false, dup: false,
      properties: { subscriptionIdentifier: 268435455, userProperties: { key: 'v'.repeat(200) } },
    }, V)),
    // Hand-encoded (mqtt-packet always writes the Property Length):
    c2s(hex('40 03 0005 10')), // PUBACK, id 5, reason 0x10, no Property Length [MQTT 5.0 §3.4.2.2.1]
    c2s(hex('50 02 0006')), // PUBREC, id 6, reason and properties omitted: 0x00 implied
    c2s(hex('62 03 0007 92')), // PUBREL, id 7, reason 0x92, no Property Length
    c2s(hex('82 09 0008 00 0003 612f62 f6')), // SUBSCRIBE id 8, no properties, "a/b", options 0xf6: reserved bits, RH 3, NL, QoS 2
    c2s(hex('c0 80 00')), // PINGREQ with a non-minimal Remaining Length (2 bytes for 0)
    c2s(hex('e0 01 8e')), // DISCONNECT, reason 0x8e (Session taken over), no Property Length
    s2c(hex('f0 00')), // AUTH with Remaining Length 0: 0x00 Success implied
  ];
}

/** MQTT 3.1.1 edge cases: reserved bits in a requested QoS byte. */
function v4Edges(): Seg[] {
  const V = 4;
  return [
    c2s(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'edge-4', clean: true, keepalive: 10 }, V)),
    s2c(gen({ cmd: 'connack', sessionPresent: false, returnCode: 0 }, V)),
    c2s(hex('82 08 0009 0003 782f79 05')), // SUBSCRIBE id 9, "x/y", QoS byte 0x05: reserved bit 2 set, QoS 1
    s2c(hex('90 03 0009 01')), // SUBACK id 9, granted QoS 1
  ];
}

/** A packet from its first byte and body (hex); the Remaining Length (< 16384) is computed. */
const pkt = (b0: number, body: string): Buffer => {
  const x = hex(body);
  const rl = x.length < 128 ? [x.length] : [0x80 | (x.length & 0x7f), x.length >> 7];
  return Buffer.concat([Buffer.from([b0, ...rl]), x]);
};

/** MQTT 3.1.1 oddities, hand-encoded. */
function v4Odd(): Seg[] {
  return [
    c2s(pkt(0x10, '0004 4d515454 06 02 000a 0007 6c6576656c2d36')), // CONNECT, unknown protocol level 6, client id "level-6"
    s2c(pkt(0x20, '00 01')), // CONNACK 1: unacceptable protocol version
    c2s(pkt(0x10, '0004 4d515454 04 42 000a 0004 6e6f2d75 0002 7077')), // CONNECT 3.1.1 with the Password Flag but no User Name Flag
    s2c(pkt(0x20, '00 00')),
    c2s(pkt(0x30, '0004 c0af 2f78 6869')), // PUBLISH, topic with an overlong (ill-formed) UTF-8 sequence
    s2c(pkt(0x90, '0001 00 01 02 80')), // SUBACK with all four 3.1.1 return codes
    c2s(pkt(0xf0, '18 00')), // AUTH on a 3.1.1 connection: reason 0x18, empty property block
  ];
}

/** MQTT 5 oddities, hand-encoded. */
function v5Odd(): Seg[] {
  const V = 5;
  return [
    c2s(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'odd-5', clean: true, keepalive: 10 }, V)),
    s2c(pkt(0x20, '00 00')), // CONNACK without its (mandatory) Property Length
    s2c(pkt(0x90, '0001 00 00 01 02 80 83 87 8f 91 97 9e a1 a2')), // SUBACK with every MQTT 5 SUBACK reason code
    // PUBLISH with two Content Types (a duplicate) and a Property Length of 7, one byte short of the 8 the two take.
    s2c(pkt(0x30, '0001 78 07 03 0001 61 03 0001 62 7a')),
    // CONNECT with a will whose properties hold a Subscription Identifier (129, 2-byte varint), not allowed there.
    c2s(pkt(0x10, '0004 4d515454 05 24 000a 00 0002 6f64 03 0b 8101 0001 74 0000')),
    // PUBLISH whose 130-byte property block ends with a one-byte property (Payload Format Indicator).
    s2c(pkt(0x30, `0001 78 8201 26 0001 6b 007a ${'61'.repeat(122)} 01 01 ff`)),
  ];
}

/** MQTT 5 Topic Aliases: each direction has its own mapping [MQTT 5.0 §3.3.2.3.4]. */
function aliases(): Seg[] {
  const V = 5;
  const pub = (topic: string, body: string): Buffer => gen({ cmd: 'publish', topic, payload: Buffer.from(body), qos: 0, properties: { topicAlias: 2 } }, V);
  return [
    c2s(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'alias', clean: true, keepalive: 10, properties: { topicAliasMaximum: 5 } }, V)),
    s2c(gen({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { topicAliasMaximum: 5 } }, V)),
    s2c(pub('down/1', 'a')), // server→client alias 2 = down/1
    c2s(pub('', 'b')), // client→server alias 2 was never set
    c2s(pub('up/1', 'c')), // client→server alias 2 = up/1
    s2c(pub('', 'd')), // down/1
    c2s(pub('', 'e')), // up/1
  ];
}

/** An MQTT 5 connection whose CONNECT is not in the capture. */
function noConnect5(): Seg[] {
  return [
    c2s(pkt(0x32, '0001 78 0007 05 0100 2300 01 6869')), // PUBLISH QoS 1 id 7 with 5 bytes of properties
    s2c(pkt(0x40, '0007 10')), // PUBACK id 7 reason 0x10: only MQTT 5 has a 3-byte PUBACK
    c2s(pkt(0xe0, '00')), // DISCONNECT, reason 0x00
  ];
}

/** MQTT 3.1 retries: PUBREL, SUBSCRIBE and UNSUBSCRIBE with DUP set (3.1 gives them DUP and QoS 1). */
function v3Retries(): Seg[] {
  return [
    c2s(gen({ cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'retry-3', clean: true, keepalive: 60 }, 3)),
    s2c(pkt(0x20, '00 00')),
    c2s(pkt(0x8a, '0001 0003 612f62 01')), // SUBSCRIBE retry: DUP 1, QoS 1, id 1, "a/b" QoS 1
    s2c(pkt(0x90, '0001 01')),
    c2s(pkt(0xaa, '0002 0003 612f62')), // UNSUBSCRIBE retry: DUP 1, QoS 1, id 2
    s2c(pkt(0xb0, '0002')),
    s2c(pkt(0x6a, '0003')), // PUBREL retry: DUP 1, QoS 1, id 3
    c2s(pkt(0x70, '0003')),
  ];
}

/** The conversations in one pcap, one after another, on client ports 50001 and up. */
export function craftedCapture(): Buffer {
  const parts = [v5(), v4(), v3(), v5Edges(), v4Edges(), v4Odd(), v5Odd(), aliases(), noConnect5(), v3Retries()].map((segs, i) =>
    conversation(segs, { clientPort: 50001 + i, serverPort: 1883, t0: 1_700_000_000_000_000 + i * 1_000_000 }));
  // Each conversation() is a whole pcap; keep the first global header only (24 bytes).
  return Buffer.concat(parts.map((p, i) => (i === 0 ? p : p.subarray(24))));
}
