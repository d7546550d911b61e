// A connection joined mid-stream (no CONNECT): which version its packets are
// decoded under, decided from the evidence of both directions.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { hex, midstreamMeta, PING, PUB4_TEXT, PUB5_EMPTY_PROPS, PUBACK5 } from './midstream-vectors.js';

const META = midstreamMeta();

// 3.1.1 PUBLISH QoS 0 "a/b", payload 00 01 02: MQTT 5 reads it as an empty property block and 01 02.
const PUB4_ZERO = '30 08 0003 612f62 000102';
// SUBACK id 1, property length 0, reason code 0x87: 0x87 is no 3.1.1 SUBACK code.
const SUBACK5 = '90 04 0001 00 87';
const PONG = 'd0 00';

type Step = ['c2s' | 's2c', string];

function feed(steps: Step[], defaultVersion?: 3 | 4 | 5): PacketRecord[] {
  const out: OutputRecord[] = [];
  const e = new Engine({ onRecord: (r) => out.push(r), defaultVersion });
  e.open(META, 1, { midstream: true });
  let t = 1;
  for (const [dir, h] of steps) e.data(META.id, dir, hex(h), ++t, t);
  e.end(++t);
  return out.filter((r): r is PacketRecord => r.kind === 'packet');
}

describe('version inference without a CONNECT', () => {
  it('evidence that arrives after many packets that say nothing still decides (no cut-off after 8)', () => {
    const steps: Step[] = [];
    for (let i = 0; i < 6; i++) steps.push(['c2s', PING], ['s2c', PONG]);
    steps.push(['c2s', PUB5_EMPTY_PROPS], ['s2c', PUBACK5], ['c2s', PUB5_EMPTY_PROPS]);
    const rs = feed(steps);
    expect(rs).toHaveLength(15);
    const [before, ack, after] = rs.slice(12);
    // Before the evidence: decoded with the default, 3.1.1, and marked as a guess.
    expect([before!.version, before!.versionInferred, before!.summary.payloadLength]).toEqual([4, true, 6]);
    // The 3-byte PUBACK from the broker settles it for the client's packets too.
    expect([ack!.version, ack!.summary.reasonCodes, ack!.summary.notes]).toEqual([5, [0x10], []]);
    expect([after!.version, after!.versionInferred, after!.summary.payloadLength, after!.summary.properties]).toEqual([5, true, 5, {}]);
    expect(after!.summary).toEqual(summarize(hex(PUB5_EMPTY_PROPS), { version: 5 }));
  });

  it('MQTT 5 PUBLISHes with empty property blocks alone: MQTT 5 from the fourth on', () => {
    const rs = feed(Array.from({ length: 6 }, (): Step => ['s2c', PUB5_EMPTY_PROPS]));
    expect(rs.map((r) => r.version)).toEqual([4, 4, 4, 5, 5, 5]);
    expect(rs.map((r) => r.summary.payloadLength)).toEqual([6, 6, 6, 5, 5, 5]);
    expect(rs.every((r) => r.versionInferred)).toBe(true);
  });

  it('the strongest evidence decides, not the last packet', () => {
    // Two packets only MQTT 5 decodes cleanly, then one only 3.1.1 does (a malformed
    // MQTT 5 PUBLISH, or a bad resync): still MQTT 5.
    const rs = feed([['s2c', SUBACK5], ['s2c', PUBACK5], ['c2s', PUB4_TEXT], ['c2s', PUB5_EMPTY_PROPS]]);
    expect(rs.map((r) => r.version)).toEqual([5, 5, 5, 5]);
    expect(rs[3]!.summary.payloadLength).toBe(5);
  });

  it('one strong 3.1.1 packet outweighs PUBLISHes that decode either way', () => {
    const rs = feed([
      ['c2s', PUB4_ZERO], ['c2s', PUB4_ZERO], ['c2s', PUB4_TEXT],
      ['c2s', PUB4_ZERO], ['c2s', PUB4_ZERO], ['c2s', PUB4_ZERO], ['c2s', PUB4_ZERO],
    ]);
    expect(rs.map((r) => r.version)).toEqual([4, 4, 4, 4, 4, 4, 4]);
    expect(rs.map((r) => r.summary.payloadLength)).toEqual([3, 3, 5, 3, 3, 3, 3]);
  });

  it('settles after three strong packets: a later packet of the other version does not flip it', () => {
    const rs = feed([['c2s', PUB4_TEXT], ['c2s', PUB4_TEXT], ['c2s', PUB4_TEXT], ['s2c', PUBACK5], ['c2s', PUB4_ZERO]]);
    expect(rs.map((r) => r.version)).toEqual([4, 4, 4, 4, 4]);
    // Read as 3.1.1, the 3-byte PUBACK carries a note instead.
    expect(rs[3]!.summary.notes.map((n) => n.severity)).toContain('error');
    expect(rs.every((r) => r.versionInferred)).toBe(true);
    // Settled records are the fast path's, which must equal the walker's.
    expect(rs[4]!.summary).toEqual(summarize(hex(PUB4_ZERO), { version: 4 }));
  });

  it('the version assumed (defaultVersion) holds on ties; evidence against MQTT 5 keeps 3.1 when 3.1 is assumed', () => {
    expect(feed([['c2s', PUB5_EMPTY_PROPS], ['c2s', PUB5_EMPTY_PROPS]], 5).map((r) => [r.version, r.summary.payloadLength])).toEqual([[5, 5], [5, 5]]);
    expect(feed([['c2s', PUB4_TEXT], ['s2c', SUBACK5]], 5).map((r) => r.version)).toEqual([4, 4]);
    expect(feed([['c2s', PUB4_TEXT], ['c2s', PUB4_ZERO]], 3).map((r) => r.version)).toEqual([3, 3]);
    expect(feed([['s2c', PUBACK5]], 3).map((r) => r.version)).toEqual([5]);
  });

  it('a CONNECT after inference decides, and its records are no longer marked inferred', () => {
    const rs = feed([
      ['s2c', PUBACK5],
      ['c2s', '10 0f 0004 4d515454 04 02 003c 0003 633131'], // CONNECT 3.1.1 "c11"
      ['s2c', '20 02 00 00'],
      ['c2s', PUB4_ZERO],
    ]);
    expect(rs.map((r) => [r.version, r.versionInferred])).toEqual([[5, true], [4, false], [4, false], [4, false]]);
  });
});
