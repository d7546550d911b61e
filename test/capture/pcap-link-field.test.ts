// The link-type word of a classic pcap header, read as tshark 4.0 reads it: the low
// 16 bits are the link type (the bits above carry the FCS-present bit and FCS length),
// and OpenBSD's raw-IP value 14 is raw IP like 12 and 101.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonRecords, tshark } from '../read/run.js';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket } from './builders.js';
import { tempDir } from '../helpers/tmp.js';

const chunks = [
  { dir: 'c2s' as const, bytes: connectPacket('lt') },
  { dir: 's2c' as const, bytes: CONNACK },
  { dir: 'c2s' as const, bytes: publishPacket('a/b', Buffer.from('hi')) },
];

/** Four FCS bytes after each frame, as a capture with the FCS kept has them. */
const withFcs = (frame: Buffer): Buffer => Buffer.concat([frame, Buffer.from([0xde, 0xad, 0xbe, 0xef])]);

const cases: { name: string; linkWord: number; wrap?: (ip: Buffer) => Buffer; fcs?: boolean }[] = [
  // Raw IP under OpenBSD's DLT_RAW value.
  { name: 'link type 14 (OpenBSD raw IP)', linkWord: 14, wrap: (ip) => ip },
  // Ethernet (1) with the P bit (26) set and an FCS length of 1 (in units of 16 bits: 28-31).
  { name: 'Ethernet with the FCS-present bit and an FCS length', linkWord: 1 | 0x04000000 | (2 << 28), fcs: true },
];

describe('classic pcap link-type word', () => {
  for (const c of cases) {
    it(`decodes the same MQTT packets at the same frames as tshark: ${c.name}`, () => {
      const dir = tempDir('mqttscope-link-word-');
      const file = join(dir, 'f.pcap');
      const recs = conversation(chunks, c.wrap ? { wrap: c.wrap } : {}).map((r) => (c.fcs ? { ...r, data: withFcs(r.data) } : r));
      writeFileSync(file, pcapFile(recs, { linkType: c.linkWord }));
      const ts = tshark(['-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype']);
      expect(ts.code).toBe(0);
      expect(ts.stdout.trim().split('\n').map((l) => l.split('\t').map(Number))).toEqual([[4, 1], [5, 2], [6, 3]]);
      const ours = readJsonRecords(file).filter((r) => r.kind === 'packet').map((r) => [r.frame, r.type]);
      expect(ours).toEqual([[4, 'CONNECT'], [5, 'CONNACK'], [6, 'PUBLISH']]);
    });
  }
});
