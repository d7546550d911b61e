import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { dissect, summarize } from '../../src/dissect/index.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { packetToJson } from '../../src/views/packet-json.js';

const META: ConnMeta = {
  id: '127.0.0.1:50000-127.0.0.1:1883',
  client: { host: '127.0.0.1', port: 50000 },
  server: { host: '127.0.0.1', port: 1883 },
  transport: 'tcp',
};

function run(feed: (e: Engine) => void) {
  const out: OutputRecord[] = [];
  const engine = new Engine({ onRecord: (r) => out.push(r) });
  feed(engine);
  const packets = out.filter((r): r is PacketRecord => r.kind === 'packet');
  const findings = out.filter((r): r is Finding => r.kind === 'finding');
  return { packets, findings };
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('Engine', () => {
  it('attaches client id and username from CONNECT to both directions and sets the version', () => {
    const { packets } = run((e) => {
      e.open(META, 1);
      // CONNECT v5: 10 RL, "MQTT" 05, flags 0x82 (username, clean start), keep-alive 60,
      // properties length 0, client id "c1", username "u1"
      e.data(META.id, 'c2s', hex('10 13 0004 4d515454 05 82 003c 00 0002 6331 0002 7531'), 2);
      // CONNACK v5: flags 0, rc 0, properties length 0
      e.data(META.id, 's2c', hex('20 03 00 00 00'), 3);
      e.end(4);
    });
    expect(packets.map((p) => [p.summary.type, p.dir, p.clientId, p.username, p.version, p.versionInferred])).toEqual([
      [1, 'c2s', 'c1', 'u1', 5, false],
      [2, 's2c', 'c1', 'u1', 5, false],
    ]);
  });

  it('resolves MQTT 5 topic aliases per direction', () => {
    const { packets } = run((e) => {
      e.open(META, 1);
      e.data(META.id, 'c2s', hex('10 0f 0004 4d515454 05 02 003c 00 0002 6331'), 1);
      // PUBLISH q0 topic "a/b" with property topic_alias (0x23) = 7, payload "x"
      e.data(META.id, 'c2s', hex('30 0a 0003 612f62 03 23 0007 78'), 2);
      // PUBLISH q0 empty topic, topic_alias 7, payload "y"
      e.data(META.id, 'c2s', hex('30 07 0000 03 23 0007 79'), 3);
    });
    expect(packets.slice(1).map((p) => [p.summary.topic, p.topic])).toEqual([['a/b', 'a/b'], ['', 'a/b']]);
  });

  it('infers the version when no CONNECT was seen and says so', () => {
    const { packets } = run((e) => {
      e.open(META, 1, { midstream: true });
      // PUBACK v5 with reason code 0x87 and property length 0: only valid as MQTT 5
      e.data(META.id, 's2c', hex('40 04 0001 87 00'), 2);
    });
    expect(packets[0]?.version).toBe(5);
    expect(packets[0]?.versionInferred).toBe(true);
  });

  it('turns a capture gap into a stream-gap finding and resyncs', () => {
    const { packets, findings } = run((e) => {
      e.open(META, 1);
      e.data(META.id, 'c2s', hex('3014000b526f6f6d312f'), 2, 10); // first half of a PUBLISH
      // How many bytes were lost is not known (a count would let framing step to the PUBLISH's end).
      e.gap(META.id, 'c2s', 3, 11);
      e.data(META.id, 'c2s', hex('4c696768745475726e204f6e' + 'c000'), 4, 12);
    });
    expect(findings.map((f) => f.code)).toContain('stream-gap');
    expect(packets.map((p) => p.summary.type)).toEqual([12]);
    expect(packets[0]?.frame).toBe(12);
  });

  it('reads the suricata mid-stream capture: CONNACK split 1+51, a 35,771-byte PUBLISH, DISCONNECT', () => {
    const pcap = readFileSync('test/fixtures/suricata-verify/tests/mqtt-midstream-split/mqtt-midstream-split.pcap');
    const { packets } = run((engine) => {
      readCaptureBuffer(pcap, { engine });
    });
    expect(packets.map((p) => [p.dir, p.summary.type, p.topic])).toEqual([
      ['s2c', 2, null],
      ['c2s', 3, 'topicX'],
      ['c2s', 14, null],
    ]);
    expect(packets[1]?.bytes.length).toBe(35771);
  });

  it('property: records are the same however the stream is cut (fast-path and walker PUBLISHes alike)', () => {
    const stream = hex([
      '10 10 0004 4d515454 04 02 003c 0004 70312d31', // CONNECT 3.1.1, client "p1-1"
      '30 0d 0004 612f6231 68656c6c6f 2121', //          PUBLISH q0 "a/b1" "hello!!" (fast path)
      '30 0d 0004 612f6231 776f726c64 2121', //          same topic, other payload (cached topic)
      '32 0b 0004 612f6232 0007 6869 21', //            PUBLISH q1 id 7 "a/b2" "hi!" (fast path)
      '30 07 0003 612f2b 7878', //                        PUBLISH q0 "a/+": wildcard, walker + note
      '30 08 0004 c3a9c3a9 7878', //                      PUBLISH q0 "éé": non-ASCII topic, walker
      '32 08 0004 612f6231 0000', //                      PUBLISH q1 id 0: walker + note
      'c0 00', //                                         PINGREQ
    ].join(''));
    const feed = (cuts: number[]) => run((e) => {
      e.open(META, 1);
      let prev = 0;
      for (const p of [...new Set(cuts)].sort((a, b) => a - b).concat(stream.length)) {
        // Fresh copies: records must not depend on the caller's buffer staying put.
        e.data(META.id, 'c2s', Uint8Array.from(stream.subarray(prev, p)), 2);
        prev = p;
      }
      e.end(3);
    }).packets;
    const whole = feed([]);
    expect(whole).toHaveLength(8);
    expect(whole.map((r) => r.topic)).toEqual([null, 'a/b1', 'a/b1', 'a/b2', 'a/+', 'éé', 'a/b1', null]);
    // Each record's bytes, size, summary and tree match a decode of its own bytes.
    let off = 0;
    for (const r of whole) {
      const own = stream.subarray(off, off + r.size);
      off += r.size;
      expect(Buffer.from(r.bytes).toString('hex')).toBe(Buffer.from(own).toString('hex'));
      expect(r.summary).toEqual(summarize(own, { version: 4 }));
      expect(r.tree()).toEqual(dissect(own, { version: 4 }));
    }
    expect(off).toBe(stream.length);
    const key = (rs: PacketRecord[]) => rs.map((r) => [Buffer.from(r.bytes).toString('hex'), r.size, r.topic, r.summary]);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 30 }), (cuts) => {
      expect(key(feed(cuts))).toEqual(key(whole));
    }), { numRuns: 300 });
  });

  it('tells observers about bytes the framer could not decode (a packet over the decode limit, garbage skipped by a resync)', () => {
    const gaps: string[] = [];
    const out: OutputRecord[] = [];
    const engine = new Engine({
      onRecord: (r) => out.push(r),
      maxPacketSize: 16,
      observers: [{ gap: (conn, dir, time, frame) => gaps.push(`${conn.id} ${dir} ${time} ${frame}`) }],
    });
    engine.open(META, 1);
    engine.data(META.id, 'c2s', hex(
      '32 16' + // PUBLISH QoS 1, Remaining Length 22: over the 16-byte limit
      '0001 74' + // Topic Name length 1, "t"
      '0007' + // Packet Identifier 7
      '00'.repeat(17), // payload
    ), 100, 5);
    engine.data(META.id, 's2c', hex('40 02 0007'), 200, 6); // PUBACK 7: its PUBLISH was skipped
    expect(out.filter((r) => r.kind === 'finding').map((r) => (r as Finding).extra['note'])).toEqual(['packet-too-large']);
    expect(gaps).toEqual([`${META.id} c2s 100 5`]);
    // Mid-stream garbage: the framer resyncs past it, and the skipped bytes are a gap too.
    const engine2 = new Engine({ onRecord: () => {}, observers: [{ gap: (_c, dir, time) => gaps.push(`${dir} ${time}`) }] });
    engine2.open(META, 1, { midstream: true });
    engine2.data(META.id, 's2c', hex('ff ff ff' + 'd0 00'), 300); // three stray bytes, then PINGRESP
    expect(gaps.slice(1)).toEqual(['s2c 300']);
  });

  it('a CONNECT cut off before its Client Identifier names no client: client id null, not the empty id', () => {
    const { packets } = run((e) => {
      e.open(META, 1);
      e.data(META.id, 'c2s', hex(
        '10 0e' + // CONNECT, Remaining Length 14
        '0004 4d515454' + // Protocol Name "MQTT"
        '04' + // Protocol Level 4 (3.1.1)
        'c2' + // Connect Flags: user name, password, clean session
        '003c' + // Keep Alive 60
        '0005 6162', // Client ID length 5, but only "ab" follows: the packet ends inside it
      ), 2);
    });
    expect(packets).toHaveLength(1);
    expect(packets[0]!.summary.connect).toMatchObject({ clientId: '', clientIdMissing: true, username: null });
    expect(packets[0]!.clientId).toBeNull();
    expect((packetToJson(packets[0]!)['connect'] as Record<string, unknown>)['client_id']).toBeNull();
    expect(packets[0]!.notes.map((n) => n.code)).toContain('field-past-end');
    // An empty Client ID that was sent stays the empty id.
    const sent = run((e) => {
      e.open(META, 1);
      e.data(META.id, 'c2s', hex('10 0c 0004 4d515454 04 02 003c 0000'), 2); // CONNECT, clean session, Client ID length 0
    });
    expect(sent.packets[0]!.clientId).toBe('');
    expect(sent.packets[0]!.summary.connect!.clientIdMissing).toBe(false);
  });

  it("cites the version's rule for a Remaining Length over 4 bytes (3.1.1 §2.2.3, 5.0 §1.5.5)", () => {
    const specOf = (level: string) => run((e) => {
      e.open(META, 1);
      e.data(META.id, 'c2s', hex('10 0a 0004 4d515454 ' + level + ' 02 003c 0000'), 2); // CONNECT at protocol level `level`, empty Client ID
      e.data(META.id, 'c2s', hex('30 ff ff ff ff 01'), 3); // PUBLISH whose Remaining Length has a 5th byte
    }).findings.find((f) => f.extra['note'] === 'remaining-length-too-long')?.extra['spec'];
    expect(specOf('04')).toBe('MQTT-2.2.3');
    expect(specOf('05')).toBe('MQTT-1.5.5');
  });
});
