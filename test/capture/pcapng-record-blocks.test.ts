// tshark 4.0 numbers a systemd Journal Export Block (type 9) and a custom block (0xbad,
// 0x40000bad) as frames of their own. mqttscope skipped them unnumbered, so every packet
// after one had a frame number one lower than tshark's. They now take a number (no packet).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { tshark } from '../read/run.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';
import { tempDir } from '../helpers/tmp.js';

const BLOCKS: [string, number, Buffer][] = [
  // Journal entry text: a realtime timestamp field then a message field.
  ['systemd journal', 9, Buffer.from('__REALTIME_TIMESTAMP=1700000000002000\nMESSAGE=hello\n')],
  // Private Enterprise Number 32639 (little-endian), then 4 bytes of custom data.
  ['custom, copiable', 0x00000bad, Buffer.from([0x7f, 0x7f, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64])],
  ['custom, not to be copied', 0x40000bad, Buffer.from([0x7f, 0x7f, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64])],
];

describe('pcapng blocks that tshark numbers as frames', () => {
  for (const [name, type, body] of BLOCKS) {
    it(`${name} (0x${type.toString(16)}): packets after it keep the frame numbers tshark gives them`, () => {
      const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
      const b = new PcapngBuilder().section().iface(1);
      recs.slice(0, 2).forEach((r) => b.epb(0, BigInt(r.timeUs), r.data));
      b.unknown(type, body);
      recs.slice(2).forEach((r) => b.epb(0, BigInt(r.timeUs), r.data));
      const buf = b.build();
      const file = join(tempDir('mqttscope-record-blocks-'), 'f.pcapng');
      writeFileSync(file, buf);
      const ts = tshark(['-r', file, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'frame.number']);
      expect(ts.code).toBe(0);
      const theirs = ts.stdout.trim().split('\n').map(Number);
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(buf, { engine });
      const ours = engine.of('data').map((e) => e.frame);
      // Handshake 1-2, the block 3, ACK 4, CONNECT 5, CONNACK 6.
      expect(theirs).toEqual([5, 6]);
      expect(ours).toEqual(theirs);
      expect(res.frames).toBe(recs.length + 1);
      expect(res.notes).toEqual([]);
    });
  }
});
