// pcapng has one format version, 1.x (1.0; the old 1.2 reads alike). tshark 4.0 refuses a section
// header of any other major version ("pcapng: unknown SHB version 2.0"), since nothing says its
// blocks read as version 1's. mqttscope used to read on as if it were 1.0.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

/** One section with the handshake, CONNECT and CONNACK as EPBs; its version set to `major`.`minor`. */
function section(major: number, minor: number, be = false): Buffer {
  const recs = conversation([{ dir: 'c2s', bytes: connectPacket('v1') }, { dir: 's2c', bytes: CONNACK }]);
  const b = new PcapngBuilder().section(be).iface(1, 6, 262144);
  for (const r of recs) b.epb(0, BigInt(r.timeUs), r.data);
  const buf = b.build();
  // Section header body: byte-order magic (4), major (2), minor (2), at file offset 8.
  if (be) { buf.writeUInt16BE(major, 12); buf.writeUInt16BE(minor, 14); } else { buf.writeUInt16LE(major, 12); buf.writeUInt16LE(minor, 14); }
  return buf;
}

describe('pcapng section header version', () => {
  it('1.0 and 1.2 are read', () => {
    for (const minor of [0, 2]) {
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(section(1, minor), { engine });
      expect(res.notes.filter((n) => n.severity !== 'info')).toEqual([]);
      expect(engine.stream('c2s')).toEqual(connectPacket('v1'));
    }
  });

  it('a major version other than 1 stops reading with an error naming the version and offset', () => {
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(section(2, 0), { engine });
    expect(res.notes).toEqual([{
      frame: 1, severity: 'error', code: 'corrupt-block',
      text: 'pcapng section header of version 2.0 (only version 1 exists and can be read; tshark refuses it too: the file is damaged, or written by a tool for a newer format) at byte offset 0; the rest of the file is not read',
    }]);
    expect(engine.stream('c2s')).toEqual(Buffer.alloc(0));
  });

  it('a second section of another version stops reading there, after the first is decoded (big-endian)', () => {
    const first = section(1, 0);
    const second = section(3, 1, true);
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(Buffer.concat([first, second]), { engine });
    const errors = res.notes.filter((n) => n.severity === 'error');
    expect(errors.map((n) => n.text)).toEqual([
      `pcapng section header of version 3.1 (only version 1 exists and can be read; tshark refuses it too: the file is damaged, or written by a tool for a newer format) at byte offset ${first.length}; the rest of the file is not read`,
    ]);
    expect(engine.stream('c2s')).toEqual(connectPacket('v1'));
  });
});
