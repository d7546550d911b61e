// A note about an entry past the 1,000 the tree itemises sits on the one summing
// field (mqtt.topic_filters.not_itemised / mqtt.reason_codes.not_itemised), so
// it says which entry it is about: `Topic Filter 1002 is empty`, `… code 1002
// of the list: the answer to topic filter 1002 of the SUBSCRIBE`. Before, an
// empty or ill-formed filter, a cut-off options byte or an invalid code past the
// cap was reported with no way to tell which of the thousands it was but the
// offset. Entries the tree itemises keep their notes as they were (the field
// shows where they belong).
import { describe, expect, it } from 'vitest';
import { decodeBoth } from './helpers.js';

function rep(n: number, entry: string): string {
  return Array.from({ length: n }, () => entry).join(' ');
}

describe('notes past the itemised cap name their entry', () => {
  it('3.1.1 UNSUBSCRIBE: an empty filter (1002) and a bad wildcard (1003) past the cap; the same at filter 1 unnumbered', () => {
    const { notes } = decodeBoth(`
      a2 c3 17     # UNSUBSCRIBE flags 0010, Remaining Length 3011 (0x43 + 0x17 × 128)
      00 03        # Packet Identifier 3
      ${rep(1001, '00 01 61')}  # 1001 × (Topic Filter Length 1, Topic Filter "a")
      00 00        # Topic Filter Length 0 (filter 1002, offset 3008): empty
      00 02 61 23  # Topic Filter Length 2, Topic Filter "a#" (filter 1003, offset 3010): '#' not a level of its own
    `, 4);
    expect(notes.map((n) => [n.code, n.offset, n.spec, n.text])).toEqual([
      ['filters-not-itemised', 3005, undefined, expect.stringMatching(/^3 more topic filters \(9 bytes, offsets 3005 to 3013\) not itemised/)],
      ['empty-topic-filter', 3008, 'MQTT-4.7.3-1', 'UNSUBSCRIBE Topic Filter 1002 is empty'],
      ['invalid-topic-filter', 3012, 'MQTT-4.7.1-2', 'UNSUBSCRIBE Topic Filter 1003 "a#": \'#\' must be a level of its own and the last one (e.g. "a/#")'],
    ]);
    const first = decodeBoth(`
      a2 04        # UNSUBSCRIBE flags 0010, Remaining Length 4
      00 03        # Packet Identifier 3
      00 00        # Topic Filter Length 0: empty
    `, 4);
    expect(first.notes.map((n) => n.text)).toEqual(['UNSUBSCRIBE Topic Filter is empty']);
  });

  it('5.0 SUBSCRIBE: ill-formed UTF-8 in filter 1001 and a missing options byte after filter 1002', () => {
    const { notes } = decodeBoth(`
      82 ab 1f     # SUBSCRIBE flags 0010, Remaining Length 4011 (0x2b + 0x1f × 128)
      00 02        # Packet Identifier 2
      00           # Property Length 0
      ${rep(1000, '00 01 61 01')}  # 1000 × (Topic Filter Length 1, Topic Filter "a", Subscription Options 0x01)
      00 01        # Topic Filter Length 1 (filter 1001, offset 4006)
      ff           # Topic Filter: 0xff, not UTF-8
      01           # Subscription Options 0x01
      00 02 62 63  # Topic Filter Length 2, Topic Filter "bc" (filter 1002, offset 4010); its options byte is missing
    `, 5);
    expect(notes.map((n) => [n.code, n.offset, n.spec, n.text])).toEqual([
      ['filters-not-itemised', 4006, undefined, expect.stringMatching(/^2 more topic filters \(8 bytes, offsets 4006 to 4013\) not itemised/)],
      ['invalid-utf8', 4008, 'MQTT-1.5.4-1', 'Topic Filter 1001 is not well-formed UTF-8 (ill-formed sequence or UTF-16 surrogate)'],
      ['field-past-end', 4014, 'MQTT-2.1', 'Subscription Options of topic filter 1002 "bc" needs 1 byte(s) at offset 4014 but only 0 remain in the packet'],
    ]);
  });

  it('3.1.1 SUBACK: an invalid return code 1002 says which topic filter it answers', () => {
    const { notes } = decodeBoth(`
      90 ec 07     # SUBACK, Remaining Length 1004 (0x6c + 0x07 × 128)
      00 02        # Packet Identifier 2
      ${rep(1001, '01')}  # 1001 × Return Code 0x01 (Success - Maximum QoS 1)
      03           # Return Code 0x03 (code 1002, offset 1006): not a SUBACK return code
    `, 4);
    expect(notes.map((n) => [n.code, n.offset, n.spec, n.text])).toEqual([
      ['reason-codes-not-itemised', 1005, undefined, expect.stringMatching(/^2 more return codes/)],
      ['invalid-reason-code', 1006, 'MQTT-3.9.3-2', '0x03 is not a valid return code for SUBACK in MQTT 3.1.1 (code 1002 of the list: the answer to topic filter 1002 of the SUBSCRIBE)'],
    ]);
  });

  it('5.0 UNSUBACK: an invalid reason code 1001 names the UNSUBSCRIBE', () => {
    const { notes } = decodeBoth(`
      b0 ec 07     # UNSUBACK, Remaining Length 1004 (0x6c + 0x07 × 128)
      00 02        # Packet Identifier 2
      00           # Property Length 0
      ${rep(1000, '11')}  # 1000 × Reason Code 0x11 (No subscription existed)
      03           # Reason Code 0x03 (code 1001, offset 1006): not an UNSUBACK reason code
    `, 5);
    expect(notes.at(-1)).toMatchObject({
      code: 'invalid-reason-code', offset: 1006, spec: 'MQTT-3.11.3-2',
      text: '0x03 is not a valid reason code for UNSUBACK in MQTT 5 (code 1001 of the list: the answer to topic filter 1001 of the UNSUBSCRIBE)',
    });
  });
});
