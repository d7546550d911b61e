// The labelled hex dump: each byte's label names what it belongs to.
import { describe, expect, it } from 'vitest';
import { dissect } from '../../src/dissect/index.js';
import { renderHex } from '../../src/views/hex.js';
import { hex } from '../dissect/helpers.js';

describe('hex view labels', () => {
  it('a varint property value byte is named after its property, not just "Value: byte 1"', () => {
    const b = hex(`
      82 0c        # SUBSCRIBE, RL 12
      00 07        # packet identifier 7
      03           # property length 3
      0b c8 01     # subscription identifier 200 (varint c8 01)
      00 01 61     # topic filter "a"
      01           # options: QoS 1
    `);
    const lines = renderHex(b, dissect(b, { version: 5 })).split('\n');
    expect(lines).toContain('0005  0b                                               Subscription Identifier: Property Identifier (mqtt.property_id)');
    expect(lines).toContain('0006  c8                                               Subscription Identifier: Value: byte 1 (mqtt.property.subscription_identifier.value.byte)');
    expect(lines).toContain('0007  01                                               Subscription Identifier: Value: byte 2 (mqtt.property.subscription_identifier.value.byte)');
    // A non-generic parent is enough on its own.
    expect(lines).toContain('0004  03                                               Property Length: byte 1 (mqtt.property_len.byte)');
  });
});
