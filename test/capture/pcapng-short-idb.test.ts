// A pcapng Interface Description Block too short to hold its link type and snap length
// (tshark 4.0: "total block length 12 of an IDB is less than the minimum IDB size 20", and it
// stops). mqttscope reads on, but said only "too short", and then that frames of "link type -1"
// are not supported, a link type no file has.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

/** An Interface Description Block of 12 bytes: type, length, length again, no body. */
function shortIdb(): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(1, 0); // block type: IDB
  b.writeUInt32LE(12, 4); // block total length: 12
  b.writeUInt32LE(12, 8); // block total length again
  return b;
}

describe('a pcapng interface description block shorter than 20 bytes', () => {
  it('is named with its length and interface; its packets are said to be on a damaged interface, the others decoded', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('i1') }, { dir: 's2c', bytes: CONNACK }]);
    const head = new PcapngBuilder().section().build();
    // Interface 0 damaged, interface 1 sound (Ethernet); one packet on 0, the conversation on 1.
    const rest = new PcapngBuilder().iface(1, 6, 262144);
    rest.epb(0, BigInt(recs[0]!.timeUs), recs[0]!.data);
    for (const r of recs) rest.epb(1, BigInt(r.timeUs), r.data);
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(Buffer.concat([head, shortIdb(), rest.build()]), { engine });
    expect(res.notes.map((n) => [n.frame, n.code, n.text])).toEqual([
      [1, 'corrupt-block', `the pcapng interface description block at byte offset ${head.length} is 12 bytes long, less than the 20 that hold its link type and snap length; the block is damaged, so packets on interface 0 cannot be decoded (tshark stops reading here)`],
      [1, 'unsupported-link-type', 'frame 1: the interface it was captured on has a damaged description block that gives no link type, so its frames are skipped; the count is given at the end'],
      [0, 'unsupported-link-type-frames', 'link type unknown (damaged interface description block): 1 frame skipped in all, frame 1'],
    ]);
    expect(engine.stream('c2s')).toEqual(connectPacket('i1'));
    expect(engine.stream('s2c')).toEqual(CONNACK);
  });
});

describe('pcapng packet blocks too short for their fixed fields', () => {
  /** A block of `type` with `len` bytes in all: type, length, zero body, length again. */
  function block(type: number, len: number): Buffer {
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0); // block type
    b.writeUInt32LE(len, 4); // block total length
    b.writeUInt32LE(len, len - 4); // block total length again
    return b;
  }
  for (const [type, name, len, min, fields] of [
    [6, 'enhanced packet block', 28, 32, 'interface, timestamp and lengths'],
    [2, 'packet block', 16, 32, 'interface, timestamp and lengths'],
    [3, 'simple packet block', 12, 16, 'packet length'],
  ] as const) {
    it(`${name} of ${len} bytes: named with its length and the ${min} it needs; the frames after it decoded`, () => {
      const recs = conversation([{ dir: 'c2s', bytes: connectPacket('p1') }]);
      const head = new PcapngBuilder().section().iface(1, 6, 262144).build();
      const rest = new PcapngBuilder();
      for (const r of recs) rest.epb(0, BigInt(r.timeUs), r.data);
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(Buffer.concat([head, block(type, len), rest.build()]), { engine });
      expect(res.notes).toEqual([{
        frame: 1, severity: 'warn', code: 'corrupt-block',
        text: `the pcapng ${name} at byte offset ${head.length} is ${len} bytes long, less than the ${min} that hold its ${fields}; the block is damaged, so it is skipped and not counted as a frame (tshark stops reading here)`,
      }]);
      expect(engine.stream('c2s')).toEqual(connectPacket('p1'));
    });
  }
});
