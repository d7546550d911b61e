// Huge SUBSCRIBE, UNSUBSCRIBE, SUBACK and UNSUBACK: the first 1,000 topic filters
// (or reason codes) are fields of the tree, the rest are checked and summed up in one
// field and one `filters-not-itemised` / `reason-codes-not-itemised` note; the
// summary lists keep the first 10,000 and `filtersNotListed` counts the rest. Before,
// a 16 MiB SUBSCRIBE of 4M filters built 4M subscription objects in summarize() (the
// proxy's hot path) and took `dissect()` out of a 4 GB heap.
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { Field } from '../../src/model/types.js';
import { decodeBoth, find, findAll, invariantProblem } from './helpers.js';

/** `n` copies of one entry's hex, for the long runs of a vector (the entry is commented where it is used). */
function rep(n: number, entry: string): string {
  return Array.from({ length: n }, () => entry).join(' ');
}

function countFields(fs: Field[]): number {
  let n = 0;
  for (const f of fs) n += 1 + countFields(f.children ?? []);
  return n;
}

/** Fixed header + body, Remaining Length encoded as a varint. */
function packet(b0: number, body: Buffer): Buffer {
  const rl: number[] = [];
  for (let x = body.length; ;) { let b = x % 128; x = Math.floor(x / 128); if (x > 0) b |= 0x80; rl.push(b); if (x === 0) break; }
  return Buffer.concat([Buffer.from([b0, ...rl]), body]);
}

describe('SUBSCRIBE at the itemised cap (byte vectors)', () => {
  it('3.1.1, 1,000 filters: every one a field, no note, no summing field', () => {
    const { b, s, f, notes } = decodeBoth(`
      82 a2 1f     # SUBSCRIBE flags 0010, Remaining Length 4002 (0x22 + 0x1f × 128)
      00 01        # Packet Identifier 1
      ${rep(1000, '00 01 61 01')}  # 1000 × (Topic Filter Length 1, Topic Filter "a", Requested QoS 1)
    `, 4);
    expect(b.length).toBe(4005);
    expect(notes).toEqual([]);
    expect(findAll(f, 'mqtt.subscription')).toHaveLength(1000);
    expect(find(f, 'mqtt.topic_filters.not_itemised')).toBeUndefined();
    expect(s.subscriptions).toHaveLength(1000);
    expect('filtersNotListed' in s).toBe(false);
  });

  it('3.1.1, 1,001 filters: the last is one summing field over its 6 bytes, and one info note with the counts', () => {
    const { s, f, notes } = decodeBoth(`
      82 a8 1f     # SUBSCRIBE flags 0010, Remaining Length 4008 (0x28 + 0x1f × 128)
      00 01        # Packet Identifier 1
      ${rep(1000, '00 01 61 01')}  # 1000 × (Topic Filter Length 1, Topic Filter "a", Requested QoS 1)
      00 03        # Topic Filter Length 3 (filter 1001, offset 4005)
      61 2f 62     # Topic Filter "a/b"
      02           # Requested QoS 2
    `, 4);
    expect(notes).toEqual([{
      severity: 'info', code: 'filters-not-itemised', offset: 4005,
      text: '1 more topic filter (6 bytes, offsets 4005 to 4010) not itemised: only the first 1000 topic filters of the SUBSCRIBE are fields, '
        + 'and the summary lists all 1001; the rest are still checked (filter syntax, UTF-8, Requested QoS byte)',
    }]);
    expect(findAll(f, 'mqtt.subscription')).toHaveLength(1000);
    const rest = f.at(-1)!;
    expect([rest.id, rest.label, rest.offset, rest.length, rest.value, rest.display]).toEqual([
      'mqtt.topic_filters.not_itemised', 'Topic Filters Not Itemised', 4005, 6, 1, '1 more topic filter (6 bytes, offsets 4005 to 4010) not itemised',
    ]);
    expect(rest.children).toBeUndefined();
    expect(rest.notes!.map((n) => n.code)).toEqual(['filters-not-itemised']);
    // The summary still lists the filter past the field cap (the list cap is 10,000).
    expect(s.subscriptions).toHaveLength(1001);
    expect(s.subscriptions!.at(-1)).toEqual({ filter: 'a/b', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 });
    expect('filtersNotListed' in s).toBe(false);
  });

  it('5.0, 1,000 filters: every one a field with its option bits, no note', () => {
    const { s, f, notes } = decodeBoth(`
      82 a3 1f     # SUBSCRIBE flags 0010, Remaining Length 4003 (0x23 + 0x1f × 128)
      00 02        # Packet Identifier 2
      00           # Property Length 0
      ${rep(1000, '00 01 61 01')}  # 1000 × (Topic Filter Length 1, Topic Filter "a", Subscription Options 0x01: Maximum QoS 1)
    `, 5);
    expect(notes).toEqual([]);
    expect(findAll(f, 'mqtt.subscription')).toHaveLength(1000);
    expect(findAll(f, 'mqtt.sub.rh')).toHaveLength(1000);
    expect(find(f, 'mqtt.topic_filters.not_itemised')).toBeUndefined();
    expect(s.subscriptions).toHaveLength(1000);
  });

  it('5.0, 1,001 filters: bad options past the cap are still noted, on the summing field', () => {
    const { s, f, codes, notes } = decodeBoth(`
      82 a7 1f     # SUBSCRIBE flags 0010, Remaining Length 4007 (0x27 + 0x1f × 128)
      00 02        # Packet Identifier 2
      00           # Property Length 0
      ${rep(1000, '00 01 61 01')}  # 1000 × (Topic Filter Length 1, Topic Filter "a", Subscription Options 0x01: Maximum QoS 1)
      00 01        # Topic Filter Length 1 (filter 1001, offset 4006)
      62           # Topic Filter "b"
      31           # Subscription Options 0x31: Retain Handling 3 (invalid), Maximum QoS 1
    `, 5);
    expect(codes).toEqual(['filters-not-itemised -', 'subscribe-options MQTT-3.8.3.1']);
    expect(notes[0]!.text).toBe('1 more topic filter (4 bytes, offsets 4006 to 4009) not itemised: only the first 1000 topic filters of the SUBSCRIBE are fields, '
      + 'and the summary lists all 1001; the rest are still checked (filter syntax, UTF-8, subscription options)');
    expect(notes[1]).toMatchObject({ offset: 4009, text: 'subscription options 0x31 for topic filter 1001 "b": Retain Handling 3 is invalid' });
    expect(findAll(f, 'mqtt.subscription')).toHaveLength(1000);
    const rest = find(f, 'mqtt.topic_filters.not_itemised')!;
    expect([rest.offset, rest.length, rest.value]).toEqual([4006, 4, 1]);
    expect(rest.notes!.map((n) => n.code)).toEqual(['filters-not-itemised', 'subscribe-options']);
    expect(s.subscriptions!.at(-1)).toEqual({ filter: 'b', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 3 });
  });
});

describe('UNSUBSCRIBE, SUBACK and UNSUBACK at the itemised cap (byte vectors)', () => {
  it('3.1.1 UNSUBSCRIBE, 1,001 filters: the last, invalid, is noted and summed up', () => {
    const { s, f, codes, notes } = decodeBoth(`
      a2 be 17     # UNSUBSCRIBE flags 0010, Remaining Length 3006 (0x3e + 0x17 × 128)
      00 03        # Packet Identifier 3
      ${rep(1000, '00 01 61')}  # 1000 × (Topic Filter Length 1, Topic Filter "a")
      00 02        # Topic Filter Length 2 (filter 1001, offset 3005)
      61 2b        # Topic Filter "a+": '+' not a whole level
    `, 4);
    expect(codes).toEqual(['filters-not-itemised -', 'invalid-topic-filter MQTT-4.7.1-3']);
    expect(notes[0]!.text).toBe('1 more topic filter (4 bytes, offsets 3005 to 3008) not itemised: only the first 1000 topic filters of the UNSUBSCRIBE are fields, '
      + 'and the summary lists all 1001; the rest are still checked (filter syntax, UTF-8)');
    expect(notes[1]!.offset).toBe(3007);
    expect(findAll(f, 'mqtt.topic')).toHaveLength(1000);
    const rest = f.at(-1)!;
    expect([rest.id, rest.label, rest.offset, rest.length, rest.value]).toEqual(['mqtt.topic_filters.not_itemised', 'Topic Filters Not Itemised', 3005, 4, 1]);
    expect(s.unsubscriptions).toHaveLength(1001);
    expect(s.unsubscriptions!.at(-1)).toBe('a+');
  });

  it('5.0 SUBACK, 1,001 reason codes: an invalid code past the cap is noted', () => {
    const { s, f, codes, notes } = decodeBoth(`
      90 ec 07     # SUBACK, Remaining Length 1004 (0x6c + 0x07 × 128)
      00 02        # Packet Identifier 2
      00           # Property Length 0
      ${rep(1000, '01')}  # 1000 × Reason Code 0x01 (Granted QoS 1)
      03           # Reason Code 0x03 (code 1001, offset 1006): not a SUBACK reason code
    `, 5);
    expect(codes).toEqual(['reason-codes-not-itemised -', 'invalid-reason-code MQTT-3.9.3-2']);
    expect(notes[0]).toMatchObject({
      severity: 'info', offset: 1006,
      text: '1 more reason code (1 byte, offsets 1006 to 1006) not itemised: only the first 1000 reason codes of the SUBACK are fields, '
        + 'and the summary lists all 1001; the rest are still checked (whether each is a valid reason code of SUBACK)',
    });
    expect(notes[1]!.offset).toBe(1006);
    expect(findAll(f, 'mqtt.suback.reason_code')).toHaveLength(1000);
    const rest = f.at(-1)!;
    expect([rest.id, rest.label, rest.offset, rest.length, rest.value, rest.display]).toEqual([
      'mqtt.reason_codes.not_itemised', 'Reason Codes Not Itemised', 1006, 1, 1, '1 more reason code (1 byte, offsets 1006 to 1006) not itemised',
    ]);
    expect(s.reasonCodes).toHaveLength(1001);
    expect(s.reasonCodes!.at(-1)).toBe(3);
  });

  it('3.1.1 SUBACK, 1,000 return codes: all fields, no note', () => {
    const { s, f, notes } = decodeBoth(`
      90 ea 07     # SUBACK, Remaining Length 1002 (0x6a + 0x07 × 128)
      00 02        # Packet Identifier 2
      ${rep(1000, '80')}  # 1000 × Return Code 0x80 (Failure)
    `, 4);
    expect(notes).toEqual([]);
    expect(findAll(f, 'mqtt.suback.qos')).toHaveLength(1000);
    expect(s.reasonCodes).toHaveLength(1000);
  });
});

describe('summary lists past 10,000 entries', () => {
  const sub = (n: number) => packet(0x82, Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(n * 4, Buffer.from([0x00, 0x01, 0x61, 0x01]))]));

  it('10,000 filters are all listed; 10,001 list 10,000 and count 1 in filtersNotListed', () => {
    const a = summarize(sub(10_000), { version: 4 });
    expect(a.subscriptions).toHaveLength(10_000);
    expect('filtersNotListed' in a).toBe(false);
    const b = summarize(sub(10_001), { version: 4 });
    expect(b.subscriptions).toHaveLength(10_000);
    expect(b.filtersNotListed).toBe(1);
    expect(b.notes.map((n) => n.text)).toEqual([
      '9001 more topic filters (36004 bytes, offsets 4006 to 40009) not itemised: only the first 1000 topic filters of the SUBSCRIBE are fields, '
        + 'and the summary lists the first 10000 of the 10001; the rest are still checked (filter syntax, UTF-8, Requested QoS byte)',
    ]);
    // The tree builds the same summary and notes.
    expect(dissect(sub(10_001), { version: 4 }).notes).toEqual(b.notes);
  });

  it('UNSUBSCRIBE (5.0) and UNSUBACK (5.0) of 12,000 entries: 10,000 listed, 2,000 counted', () => {
    const uns = packet(0xa2, Buffer.concat([Buffer.from([0x00, 0x01, 0x00]), Buffer.alloc(12_000 * 3, Buffer.from([0x00, 0x01, 0x61]))]));
    const u = summarize(uns, { version: 5 });
    expect(u.unsubscriptions).toHaveLength(10_000);
    expect(u.filtersNotListed).toBe(2000);
    expect(u.notes.map((n) => n.code)).toEqual(['filters-not-itemised']);
    const ack = packet(0xb0, Buffer.concat([Buffer.from([0x00, 0x01, 0x00]), Buffer.alloc(12_000, 0x11)])); // 0x11 No subscription existed
    const a = summarize(ack, { version: 5 });
    expect(a.reasonCodes).toHaveLength(10_000);
    expect(a.filtersNotListed).toBe(2000);
    expect(a.notes.map((n) => n.text)).toEqual([
      '11000 more reason codes (11000 bytes, offsets 1006 to 12005) not itemised: only the first 1000 reason codes of the UNSUBACK are fields, '
        + 'and the summary lists the first 10000 of the 12000; the rest are still checked (whether each is a valid reason code of UNSUBACK)',
    ]);
    const t = dissect(ack, { version: 5 });
    expect(invariantProblem(t.fields, ack.length)).toBeNull();
    expect(findAll(t.fields, 'mqtt.unsuback.reason_code')).toHaveLength(1000);
  });

  it('a cut-off filter past the cap: the summing field ends at the packet end, the field-past-end note is kept', () => {
    // 1,001 good filters, then 00 09 61: a Topic Filter Length of 9 with one byte left.
    const body = Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(1001 * 3, Buffer.from([0x00, 0x01, 0x61])), Buffer.from([0x00, 0x09, 0x61])]);
    const pkt = packet(0xa2, body);
    const s = summarize(pkt, { version: 4 });
    const t = dissect(pkt, { version: 4 });
    expect(t.notes).toEqual(s.notes);
    expect(s.notes.map((n) => n.code)).toEqual(['filters-not-itemised', 'field-past-end']);
    expect(s.notes[0]!.text).toMatch(/^2 more topic filters \(6 bytes, offsets 3005 to 3010\) not itemised: .* the summary lists the first 1001 of the 1002;/);
    expect(s.unsubscriptions).toHaveLength(1001);
    expect(invariantProblem(t.fields, pkt.length)).toBeNull();
    expect(t.fields.at(-1)).toMatchObject({ id: 'mqtt.topic_filters.not_itemised', offset: 3005, length: 6 });
  });
});

describe('a 16 MiB SUBSCRIBE of 4M topic filters', () => {
  it('summarize() and dissect() stay small and fast, and an invalid filter deep past the cap is noted', () => {
    const n = 4_000_000;
    // Packet Identifier 1; then 4-byte entries 00 01 61 01 (filter "a", QoS 1), except that
    // two entries at index 2,500,000 become one 8-byte entry: 00 05 "a/b#c" 01.
    const body = Buffer.alloc(2 + n * 4);
    body.writeUInt16BE(1, 0);
    body.fill(Buffer.from([0x00, 0x01, 0x61, 0x01]), 2);
    const badAt = 2 + 2_500_000 * 4;
    Buffer.from([0x00, 0x05, 0x61, 0x2f, 0x62, 0x23, 0x63, 0x01]).copy(body, badAt);
    const pkt = packet(0x82, body);
    const hl = pkt.length - body.length;
    const count = n - 1;

    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const s = summarize(pkt, { version: 4 });
    expect(s.subscriptions).toHaveLength(10_000);
    expect(s.filtersNotListed).toBe(count - 10_000);
    const t = dissect(pkt, { version: 4 });
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().heapUsed - before;
    expect(ms).toBeLessThan(5000);
    expect(grown).toBeLessThan(64 * 1024 * 1024); // both results still held here

    expect(t.notes).toEqual(s.notes);
    expect(s.notes.map((x) => `${x.code} ${x.offset}`)).toEqual([`filters-not-itemised ${hl + 2 + 4000}`, `invalid-topic-filter ${hl + badAt + 2}`]);
    expect(s.notes[0]!.text).toBe(`${count - 1000} more topic filters (${n * 4 - 4000} bytes, offsets ${hl + 4002} to ${pkt.length - 1}) not itemised: `
      + `only the first 1000 topic filters of the SUBSCRIBE are fields, and the summary lists the first 10000 of the ${count}; the rest are still checked (filter syntax, UTF-8, Requested QoS byte)`);
    // 6 fields per itemised 3.1.1 subscription (group, length, filter, QoS byte and its 2 bits), a few for the header and the summing field.
    expect(countFields(t.fields)).toBeLessThan(6 * 1000 + 20);
    expect(invariantProblem(t.fields, pkt.length)).toBeNull();
    const rest = find(t.fields, 'mqtt.topic_filters.not_itemised')!;
    expect([rest.offset, rest.length, rest.value]).toEqual([hl + 4002, n * 4 - 4000, count - 1000]);
    expect(rest.notes!.map((x) => x.code)).toEqual(['filters-not-itemised', 'invalid-topic-filter']);
    expect(JSON.stringify(t.fields).length).toBeLessThan(2_000_000);
  });

  it('with every option byte bad: 1,000 notes, the summing note kept past the note cap, the rest counted', () => {
    const n = 1_000_000;
    // 00 01 61 ff: filter "a", options 0xff (QoS 3 and reserved bits set: two notes each).
    const pkt = packet(0x82, Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(n * 4, Buffer.from([0x00, 0x01, 0x61, 0xff]))]));
    const s = summarize(pkt, { version: 4 });
    expect(s.notes).toHaveLength(1002);
    expect(s.notes.filter((x) => x.code === 'subscribe-options')).toHaveLength(1000);
    expect(s.notes.at(-2)).toMatchObject({ code: 'filters-not-itemised', severity: 'info' });
    expect(s.notes.at(-2)!.text).toMatch(/^999000 more topic filters \(3996000 bytes, offsets \d+ to \d+\) not itemised/);
    expect(s.notes.at(-1)).toMatchObject({ code: 'notes-not-listed', text: `${2 * n - 1000} more note(s) on this packet not listed: the first 1000 are` });
    expect(s.subscriptions).toHaveLength(10_000);
    expect(s.filtersNotListed).toBe(n - 10_000);
  });
});
