// Second textbook review: bit breakdowns, spec names in labels, implied values
// and the wording of invalid fields. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, find } from './helpers.js';

describe('3.1/3.1.1 SUBSCRIBE: the Requested QoS byte has a bit breakdown', () => {
  it('bits 7-2 reserved and bits 1-0 Requested QoS, as children of the byte', () => {
    const { f, codes } = decodeBoth(`
      82 06        # SUBSCRIBE, RL 6
      00 01        # packet id 1
      00 01 61     # filter "a"
      05           # Requested QoS byte 0000 0101: reserved bits 000001, QoS 1
    `, 4);
    expect(codes).toEqual(['subscribe-options MQTT-3.8.3-4']);
    const byte = find(f, 'mqtt.subscription_options');
    expect(byte).toMatchObject({ label: 'Requested QoS Byte', offset: 7, length: 1, value: 5, display: '0x05' });
    expect(byte!.children!.map((c) => [c.id, c.mask, c.value, c.display])).toEqual([
      ['mqtt.subscription_options.reserved', 0xfc, 1, '1 (must be 0)'],
      ['mqtt.sub.qos', 0x03, 1, '1 (At least once)'],
    ]);
    expect(find(f, 'mqtt.sub.qos')).toMatchObject({ label: 'Requested QoS', offset: 7, length: 1 });
    // The note sits on the byte, not on a bit field.
    expect(byte!.notes!.map((n) => n.code)).toEqual(['subscribe-options']);
  });
  it('a clean byte shows reserved 0; MQTT 3.1 has the same layout', () => {
    for (const v of [3, 4] as const) {
      const { f, codes } = decodeBoth(`
        82 06        # SUBSCRIBE, RL 6 (flags 0010: QoS 1 in 3.1, fixed in 3.1.1)
        00 02        # packet id 2
        00 01 62     # filter "b"
        02           # Requested QoS 2
      `, v);
      expect(codes).toEqual([]);
      expect(find(f, 'mqtt.subscription_options.reserved')).toMatchObject({ value: 0, display: '0', mask: 0xfc });
      expect(find(f, 'mqtt.sub.qos')).toMatchObject({ value: 2, display: '2 (Exactly once)', mask: 0x03 });
    }
  });
});
