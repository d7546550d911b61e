// Linux cooked captures (SLL, SLL2) of VLAN traffic: libpcap writes the tag it gets
// from the kernel into the cooked header's protocol field (0x8100, then the TCI and
// the real Ethertype). tshark 4.0 decodes the MQTT inside; mqttscope did not see it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLink } from '../../src/capture/link-layer.js';
import { readJsonRecords, tshark } from '../read/run.js';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket, sll, sll2 } from './builders.js';
import { tempDir } from '../helpers/tmp.js';

/** One 802.1Q tag in front of the IP packet. */
function tagged(ip: Buffer, vid: number, inner = 0x0800): Buffer {
  return Buffer.concat([
    Buffer.from([vid >> 8, vid & 0xff]), // TCI: priority 0, VLAN id
    Buffer.from([inner >> 8, inner & 0xff]), // Ethertype of what the tag carries
    ip,
  ]);
}

const chunks = [
  { dir: 'c2s' as const, bytes: connectPacket('vl') },
  { dir: 's2c' as const, bytes: CONNACK },
  { dir: 'c2s' as const, bytes: publishPacket('a/b', Buffer.from('hi')) },
];

describe('cooked captures with VLAN tags', () => {
  it('finds the IP packet behind one or two tags in SLL and SLL2', () => {
    const ip = Buffer.from([0x45, ...new Array<number>(19).fill(0)]);
    expect(decodeLink(113, sll(tagged(ip, 5), 0x8100))).toEqual({ kind: 'ip', version: 4, offset: 20 });
    expect(decodeLink(276, sll2(tagged(tagged(ip, 5), 7, 0x8100), 0x88a8))).toEqual({ kind: 'ip', version: 4, offset: 28 });
    // A tag cut off by the end of the frame.
    expect(decodeLink(113, sll(Buffer.from([0, 5]), 0x8100))).toEqual({ kind: 'short' });
  });

  for (const [name, linkType, wrap] of [
    ['SLL', 113, (ip: Buffer) => sll(tagged(ip, 5), 0x8100)],
    ['SLL2', 276, (ip: Buffer) => sll2(tagged(ip, 5), 0x8100)],
  ] as const) {
    it(`decodes the same MQTT packets at the same frames as tshark (${name})`, () => {
      const dir = tempDir('mqttscope-cooked-vlan-');
      const file = join(dir, `${name}.pcap`);
      writeFileSync(file, pcapFile(conversation(chunks, { wrap }), { linkType }));
      const ts = tshark(['-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype']);
      expect(ts.code).toBe(0);
      const theirs = ts.stdout.trim().split('\n').map((l) => l.split('\t').map(Number));
      const ours = readJsonRecords(file).filter((r) => r.kind === 'packet').map((r) => [r.frame, r.type]);
      expect(theirs).toEqual([[4, 1], [5, 2], [6, 3]]);
      expect(ours).toEqual([[4, 'CONNECT'], [5, 'CONNACK'], [6, 'PUBLISH']]);
    });
  }
});
