// A teacher's review of the annotation tree: findings that came out of reading
// the tree byte by byte against the specs and tshark 4.0. One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth } from './helpers.js';

describe('UTF-8: a multi-byte sequence cut off by the end of the string', () => {
  it('a + after it is still a wildcard in a PUBLISH Topic Name (MQTT-3.3.2-2)', () => {
    const { codes } = decodeBoth(`
      30 05        # PUBLISH QoS 0, Remaining Length 5
      00 03        # topic length 3
      61 e2 2b     # topic: "a", a lead byte e2 without its 2 continuation bytes, "+"
    `, 4);
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.3-1', 'wildcard-in-topic MQTT-3.3.2-2']);
  });

  it('a U+0000 after it is still noted (5.0 MQTT-1.5.4-2)', () => {
    const { codes } = decodeBoth(`
      30 06        # PUBLISH QoS 0, Remaining Length 6
      00 03        # topic length 3
      61 f0 00     # topic: "a", a lead byte f0 without its 3 continuation bytes, U+0000
      00           # property length 0
    `, 5);
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.4-1', 'utf8-null MQTT-1.5.4-2']);
  });

  it('a # after it in a topic filter is judged by the filter rules (MQTT-4.7.1-2)', () => {
    const { codes } = decodeBoth(`
      a2 06        # UNSUBSCRIBE, Remaining Length 6
      00 01        # packet identifier 1
      00 02        # topic filter length 2
      e2 23        # topic filter: a cut-off lead byte e2, then "#" (not a level of its own)
    `, 4);
    expect(codes).toEqual(['invalid-utf8 MQTT-1.5.3-1', 'invalid-topic-filter MQTT-4.7.1-2']);
  });
});
