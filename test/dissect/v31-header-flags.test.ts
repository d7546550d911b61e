// MQTT 3.1 PUBREL, SUBSCRIBE and UNSUBSCRIBE carry a real DUP flag and QoS
// (sent at QoS 1, DUP set on a retry, RETAIN unused); 3.1.1 fixed the nibble at
// 0010. Found by the tshark cross-check (test/conformance/tshark-fields.test.ts):
// tshark shows DUP and QoS for these 3.1 packets, we showed a reserved nibble
// and called a 3.1 retry (DUP 1) a reserved-flags error.
import { describe, expect, it } from 'vitest';
import { decodeBoth, expectField, find, findAll } from './helpers.js';

describe('MQTT 3.1 fixed-header flags of PUBREL, SUBSCRIBE, UNSUBSCRIBE', () => {
  it('a 3.1 SUBSCRIBE retry (DUP 1, QoS 1) is well-formed and shows DUP and QoS', () => {
    const { f, codes } = decodeBoth(`
      8a           # SUBSCRIBE, flags 1010: DUP 1, QoS 1, RETAIN 0
      08           # Remaining Length 8
      00 01        # Message ID 1
      00 03 61 2f 62  # topic "a/b"
      01           # requested QoS 1
    `, 3);
    expect(codes).toEqual([]);
    expectField(f, 'mqtt.hdrflags', 0, 1, 0x8a);
    expect(find(f, 'mqtt.dupflag')).toMatchObject({ offset: 0, length: 1, value: 1, mask: 0x08 });
    expect(find(f, 'mqtt.qos')).toMatchObject({ offset: 0, length: 1, value: 1, mask: 0x06 });
    expect(find(f, 'mqtt.hdrflags.reserved')).toMatchObject({ offset: 0, length: 1, value: 0, mask: 0x01 });
  });

  it('a 3.1 PUBREL and UNSUBSCRIBE retry are well-formed too', () => {
    expect(decodeBoth(`
      6a           # PUBREL, flags 1010: DUP 1, QoS 1, RETAIN 0
      02           # Remaining Length 2
      00 07        # Message ID 7
    `, 3).codes).toEqual([]);
    expect(decodeBoth(`
      aa           # UNSUBSCRIBE, flags 1010: DUP 1, QoS 1, RETAIN 0
      05           # Remaining Length 5
      00 02        # Message ID 2
      00 01 61     # topic "a"
    `, 3).codes).toEqual([]);
  });

  it('3.1 still requires QoS 1 and RETAIN 0', () => {
    const q0 = decodeBoth(`
      60           # PUBREL, flags 0000: QoS 0
      02           # Remaining Length 2
      00 07        # Message ID 7
    `, 3);
    // Cited by the 3.1 section: 3.1.1 MQTT-3.6.1-1 would also forbid the 1010 that 3.1 allows.
    expect(q0.codes).toEqual(['reserved-flags MQTT-3.6']);
    expect(find(q0.f, 'mqtt.qos')).toMatchObject({ value: 0, display: '0 (must be 1)' });
    expect(decodeBoth(`
      83           # SUBSCRIBE, flags 0011: QoS 1, RETAIN 1
      06           # Remaining Length 6
      00 01        # Message ID 1
      00 01 61     # topic "a"
      00           # requested QoS 0
    `, 3).codes).toEqual(['reserved-flags MQTT-3.8']);
  });

  it('3.1.1 and 5 keep the fixed 0010 nibble: DUP is a reserved bit there', () => {
    for (const v of [4, 5] as const) {
      const { f, codes } = decodeBoth(`
        6a         # PUBREL, flags 1010
        02         # Remaining Length 2
        00 07      # Packet Identifier 7
      `, v);
      expect(codes).toEqual(['reserved-flags MQTT-3.6.1-1']);
      expect(find(f, 'mqtt.dupflag')).toBeUndefined();
      expect(findAll(f, 'mqtt.hdrflags.reserved').map((x) => [x.value, x.mask])).toEqual([[0x0a, 0x0f]]);
    }
  });
});
