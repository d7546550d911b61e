// Every Topic Name is at least one character long [MQTT-4.7.3-1]: the MQTT 5
// Response Topic (a Topic Name for the response), and a PUBLISH topic that is
// empty with a Topic Alias of 0 (not a valid alias). One comment per field.
import { describe, expect, it } from 'vitest';
import { decodeBoth, holder } from './helpers.js';

describe('empty Topic Names', () => {
  it('notes an empty Response Topic in a PUBLISH', () => {
    const d = decodeBoth(`
      30 08        # PUBLISH QoS 0, Remaining Length 8
      00 01 61     # Topic Name "a"
      03           # Property Length 3
      08 00 00     # Response Topic "" (id 0x08, length 0)
      78           # Payload "x"
    `, 5);
    expect(d.codes).toEqual(['empty-topic MQTT-4.7.3-1']);
    expect(d.notes[0]!.text).toContain('Response Topic is empty');
    expect(holder(d.f, 'empty-topic')?.id).toBe('mqtt.property.response_topic.len');
  });

  it('leaves a non-empty Response Topic alone', () => {
    expect(decodeBoth(`
      30 09        # PUBLISH QoS 0, Remaining Length 9
      00 01 61     # Topic Name "a"
      04           # Property Length 4
      08 00 01 72  # Response Topic "r"
      78           # Payload "x"
    `, 5).codes).toEqual([]);
  });

  it('notes an empty topic with Topic Alias 0 as empty, besides the invalid alias', () => {
    const d = decodeBoth(`
      30 07        # PUBLISH QoS 0, Remaining Length 7
      00 00        # Topic Name "" (length 0)
      03           # Property Length 3
      23 00 00     # Topic Alias 0 (id 0x23): not allowed
      78           # Payload "x"
    `, 5);
    expect(d.codes).toContain('empty-topic MQTT-3.3.2.1');
    expect(d.codes.some((c) => c.startsWith('property-value'))).toBe(true);
    expect(d.notes.find((n) => n.code === 'empty-topic')!.text).toContain('no valid Topic Alias (0 is not allowed)');
  });

  it('takes an empty topic with Topic Alias 1 as an alias use, without a note', () => {
    expect(decodeBoth(`
      30 07        # PUBLISH QoS 0, Remaining Length 7
      00 00        # Topic Name "" (length 0)
      03           # Property Length 3
      23 00 01     # Topic Alias 1 (id 0x23)
      78           # Payload "x"
    `, 5).codes).toEqual([]);
  });
});
