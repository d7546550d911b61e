// Deliveries across runs: same topic/QoS position ↔ different packet ids.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { compareAnswers, type Answer } from '../../src/replay/index.js';
import { DeliveryTracker, withPacketId } from '../../src/replay/deliveries.js';

const A = (o: Partial<Answer>): Answer => ({
  type: 4, version: 4, frame: 1, time: 0, packetId: null, reasonCodes: null, sessionPresent: null, topic: null, qos: 0, retain: false, dup: false, payload: null, ...o,
});

describe('DeliveryTracker', () => {
  it('pairs deliveries by topic, QoS and order, whatever their ids', () => {
    const captured = new DeliveryTracker();
    const live = new DeliveryTracker();
    const c1 = captured.publish('a', 1, 5704, 10);
    const c2 = captured.publish('b', 2, 5705, 11);
    const c3 = captured.publish('a', 1, 5706, 12);
    live.publish('b', 2, 2);
    live.publish('a', 1, 1);
    expect(live.counterpart(c1)?.packetId).toBe(1);
    expect(live.counterpart(c2)?.packetId).toBe(2);
    expect(live.counterpart(c3)).toBeUndefined();
    expect(live.pubrel(2)?.key).toBe('b|2');
    expect(live.counterpart(c2)?.pubrel).toBe(true);
  });

  it('an id reused after its flow completed refers to the newest delivery', () => {
    const t = new DeliveryTracker();
    t.publish('x', 1, 7);
    const second = t.publish('y', 1, 7);
    expect(t.ofId(7)).toBe(second);
  });
});

describe('withPacketId', () => {
  it('rewrites the id of 3.1.1 and MQTT 5 acks and keeps the rest', () => {
    const v4 = mqttPacket.generate({ cmd: 'pubrec', messageId: 5705 });
    const r4 = withPacketId(v4, 2);
    expect(Buffer.from(r4).toString('hex')).toBe('50020002');
    const v5 = mqttPacket.generate({ cmd: 'puback', messageId: 300, reasonCode: 0x10, properties: { reasonString: 'no subscribers' } } as mqttPacket.IPubackPacket, { protocolVersion: 5 });
    const r5 = withPacketId(v5, 0x1234);
    expect(r5.length).toBe(v5.length);
    expect([r5[2], r5[3]]).toEqual([0x12, 0x34]);
    expect(Buffer.from(r5.subarray(4)).equals(Buffer.from(v5.subarray(4)))).toBe(true);
    expect(Buffer.from(v5).readUInt16BE(2)).toBe(300); // the original is not modified
  });
});

describe('compareAnswers: the broker PUBREL of a delivery', () => {
  it('is matched by the delivery it releases, not by the broker-chosen id', () => {
    const captured = [
      A({ type: 3, topic: 'q2', qos: 2, packetId: 5705, payload: Uint8Array.of(1) }),
      A({ type: 6, packetId: 5705, frame: 45 }),
    ];
    const now = [
      A({ type: 3, topic: 'q2', qos: 2, packetId: 2, payload: Uint8Array.of(1) }),
      A({ type: 6, packetId: 2 }),
    ];
    expect(compareAnswers(captured, now)).toEqual([]);
  });

  it('a PUBREL that does not come now is still missing', () => {
    const captured = [A({ type: 3, topic: 'q2', qos: 2, packetId: 9, payload: null }), A({ type: 6, packetId: 9, frame: 45 })];
    const now = [A({ type: 3, topic: 'q2', qos: 2, packetId: 2, payload: null })];
    expect(compareAnswers(captured, now).map((d) => `${d.kind}: ${d.text}`)).toEqual(['missing: PUBREL id 9 (capture frame 45) was not sent now']);
  });
});
