// Huge MQTT 5 property blocks: the first 1,000 properties are fields, the rest are
// checked and summed up in one field and one `properties-not-itemised` note; the
// properties object keeps at most 1,000 User Properties; a property that must not
// repeat is noted once however often it repeats. Before, 2M User Properties took
// `read --format tree` out of memory and 5M Topic Aliases (5M duplicate notes)
// made `read --format json` throw "Invalid string length".
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { Field } from '../../src/model/types.js';
import { connectPacket, conversation, pcapFile, varint } from '../capture/builders.js';
import { mqttscope } from '../read/run.js';
import { find, findAll, invariantProblem } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

/** PUBLISH QoS 0, MQTT 5, topic "t", the given property bytes, payload "p". */
function publishWith(props: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x74]), // Topic Length 1, Topic "t"
    varint(props.length), // Property Length
    props,
    Buffer.from('p'), // payload
  ]);
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]);
}

/** n User Properties "k" = "v": 26 (id) 00 01 6b (key) 00 01 76 (value), 7 bytes each. */
function userProps(n: number): Buffer {
  const one = Buffer.from([0x26, 0x00, 0x01, 0x6b, 0x00, 0x01, 0x76]);
  const b = Buffer.alloc(n * 7);
  for (let i = 0; i < n; i++) one.copy(b, i * 7);
  return b;
}

/** n Topic Alias properties: 23 (id) then the Two Byte Integer alias. */
function topicAliases(n: number, alias: number): Buffer {
  const b = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) { b[i * 3] = 0x23; b.writeUInt16BE(alias, i * 3 + 1); }
  return b;
}

function countFields(fs: Field[]): number {
  let n = 0;
  for (const f of fs) n += 1 + countFields(f.children ?? []);
  return n;
}

describe('property blocks past the itemised cap', () => {
  it('200,000 User Properties: 1,000 fields and pairs, one summing field and note, small heap and time', () => {
    const pkt = publishWith(userProps(200_000));
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const s = summarize(pkt, { version: 5 });
    const t = dissect(pkt, { version: 5 });
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().heapUsed - before;
    expect(ms).toBeLessThan(3000);
    expect(grown).toBeLessThan(64 * 1024 * 1024); // both results still held here

    // The summary keeps 1,000 of the 200,000 pairs; the notes are the same in both modes.
    expect((s.properties!['user_property'] as unknown[]).length).toBe(1000);
    expect(t.notes).toEqual(s.notes);
    expect(s.notes.map((n) => n.code)).toEqual(['properties-not-itemised']);
    const n = s.notes[0]!;
    expect(n.severity).toBe('info');
    // Fixed header 1 + Remaining Length 3 bytes, Topic 3, Property Length 3: the block starts at 10.
    const blockStart = 10;
    const tailAt = blockStart + 1000 * 7;
    const blockEnd = blockStart + 200_000 * 7;
    expect(n.offset).toBe(tailAt);
    expect(n.text).toContain(`199000 more properties (${199_000 * 7} bytes, offsets ${tailAt} to ${blockEnd - 1}) not itemised`);

    // The tree: 1,000 property nodes and one field covering the rest, byte ranges exact.
    expect(invariantProblem(t.fields, pkt.length)).toBeNull();
    const g = find(t.fields, 'mqtt.properties')!;
    expect(g.value).toBe(200_000);
    expect(findAll(t.fields, 'mqtt.property.user_property')).toHaveLength(1000);
    const rest = find(t.fields, 'mqtt.property.not_itemised')!;
    expect([rest.offset, rest.length, rest.value]).toEqual([tailAt, 199_000 * 7, 199_000]);
    expect(rest.display).toBe(`199000 more properties (${199_000 * 7} bytes, offsets ${tailAt} to ${blockEnd - 1}) not itemised`);
    expect(countFields(t.fields)).toBeLessThan(10_000);
    // The payload after the block is still found.
    expect(find(t.fields, 'mqtt.msg')!.offset).toBe(blockEnd);
    expect(JSON.stringify(t.fields).length).toBeLessThan(2_000_000);
  });

  it('1,000 properties exactly: all itemised, no note (the common case is unchanged)', () => {
    const pkt = publishWith(userProps(1000));
    const t = dissect(pkt, { version: 5 });
    expect(t.notes).toEqual([]);
    expect(findAll(t.fields, 'mqtt.property.user_property')).toHaveLength(1000);
    expect(find(t.fields, 'mqtt.property.not_itemised')).toBeUndefined();
  });

  it('a Topic Alias repeated 300,000 times is one duplicate-property note with the count', () => {
    const pkt = publishWith(topicAliases(300_000, 5));
    const s = summarize(pkt, { version: 5 });
    const t = dissect(pkt, { version: 5 });
    expect(t.notes).toEqual(s.notes);
    expect(s.notes.map((n) => `${n.code} ${n.spec ?? '-'}`)).toEqual(['duplicate-property MQTT-3.3.2.3.4', 'properties-not-itemised -']);
    expect(s.notes[0]!.text).toBe('Topic Alias appears 300000 times in PUBLISH; more than once is a Protocol Error');
    expect(s.notes[0]!.offset).toBe(13); // the second Topic Alias
    expect(s.topicAlias).toBe(5);
    expect(invariantProblem(t.fields, pkt.length)).toBeNull();
  });

  it('a Topic Alias 0 repeated past the cap: the packet keeps 1,000 notes and counts the rest', () => {
    const pkt = publishWith(topicAliases(50_000, 0));
    const s = summarize(pkt, { version: 5 });
    const t = dissect(pkt, { version: 5 });
    expect(t.notes).toEqual(s.notes);
    const codes = s.notes.map((n) => n.code);
    expect(codes.filter((c) => c === 'duplicate-property')).toHaveLength(1);
    // 1,000 notes per packet (MAX_NOTES_PER_PACKET): the duplicate and 999 value notes; then the two notes that sum up.
    expect(codes.filter((c) => c === 'property-value')).toHaveLength(999);
    expect(s.notes.find((n) => n.code === 'properties-not-itemised')!.text).toMatch(/^49000 more properties \(147000 bytes, offsets \d+ to \d+\) not itemised/);
    // Every Topic Alias 0 is noted (50,000) and the one duplicate: 50,001, of which 1,000 are listed.
    expect(s.notes.at(-1)).toMatchObject({ code: 'notes-not-listed', severity: 'info', text: '49001 more note(s) on this packet not listed: the first 1000 are' });
  });

  it('a SUBSCRIBE of 100,000 filters with bad options: 1,000 notes and one that counts the rest; the tree itemises 1,000 filters, fast', () => {
    // 82 SUBSCRIBE; packet id 1; then per filter: 00 01 61 (filter "a") ff (options: QoS 3 and reserved bits set)
    const body = Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(100_000 * 4, Buffer.from([0x00, 0x01, 0x61, 0xff]))]);
    const rl: number[] = [];
    for (let x = body.length; ; ) { let b = x % 128; x = Math.floor(x / 128); if (x > 0) b |= 0x80; rl.push(b); if (x === 0) break; }
    const pkt = Buffer.concat([Buffer.from([0x82, ...rl]), body]);
    const t0 = performance.now();
    const s = summarize(pkt, { version: 4 });
    const t = dissect(pkt, { version: 4 });
    // Linear now: attaching 1,000 notes to 100,000 fields one scan each took seconds (quadratic before).
    expect(performance.now() - t0).toBeLessThan(5000);
    // 1,000 notes, then the two that sum up: the filters past the tree's cap (list-cap.test.ts) and the notes past this one.
    expect(s.notes).toHaveLength(1002);
    expect(s.notes.at(-2)!.code).toBe('filters-not-itemised');
    expect(s.notes.at(-1)!.text).toMatch(/^\d+ more note\(s\) on this packet not listed: the first 1000 are$/);
    expect(t.notes).toEqual(s.notes);
    // The summary lists the first 10,000 and counts the rest.
    expect(s.subscriptions).toHaveLength(10_000);
    expect(s.filtersNotListed).toBe(90_000);
    expect(findAll(t.fields, 'mqtt.subscription')).toHaveLength(1000);
  });

  it('a repeated Topic Alias three times (under the cap) is still one note, the counted text', () => {
    // 30 0d: PUBLISH, Remaining Length 13; 00 01 74 Topic "t"; 09 Property Length; 23 00 01 ×3 Topic Alias 1; 70 payload "p"
    const pkt = Buffer.from('300e000174' + '09' + '230001230001230001' + '70', 'hex');
    pkt[1] = pkt.length - 2;
    const s = summarize(pkt, { version: 5 });
    expect(s.notes.map((n) => n.code)).toEqual(['duplicate-property']);
    expect(s.notes[0]!.text).toBe('Topic Alias appears 3 times in PUBLISH; more than once is a Protocol Error');
  });
});

describe('read --format json on a capture of such a packet', () => {
  it('does not throw: one record, the duplicate noted once, the rest summed', () => {
    const dir = tempDir('mqttscope-propcap-');
    const pub = publishWith(topicAliases(400_000, 7));
    const chunks = [{ dir: 'c2s' as const, bytes: connectPacket('c1', 5) }];
    for (let i = 0; i < pub.length; i += 60_000) chunks.push({ dir: 'c2s', bytes: pub.subarray(i, i + 60_000) });
    const f = join(dir, 'aliases.pcap');
    writeFileSync(f, pcapFile(conversation(chunks)));
    const r = mqttscope(['read', f, '--format', 'json']);
    expect(r.stderr).not.toContain('Invalid string length');
    expect(r.code === 0 || r.code === 1).toBe(true);
    const recs = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const rec = recs.find((x) => JSON.stringify(x).includes('properties-not-itemised'));
    expect(rec).toBeDefined();
    const text = JSON.stringify(rec);
    expect(text.length).toBeLessThan(100_000);
    expect(text.split('duplicate-property').length - 1).toBe(1);
    expect(text).toContain('Topic Alias appears 400000 times in PUBLISH');
  });
});
