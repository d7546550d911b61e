import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';

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
      e.gap(META.id, 'c2s', 3, 11, 12);
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
});
