// A pcapng packet block whose stated captured length is larger than the block has room for
// is damaged (tshark: "total block length 124 of an EPB is too small for 192 bytes of packet
// data"). mqttscope decoded what the block holds but blamed the snap length or editcap -s in
// a snaplen-truncated note, which sent the user after the wrong cause.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

/** Handshake, CONNECT, CONNACK, FIN exchange as EPBs (or PBs); returns the file and the offset of block `damage` (1-based among packet blocks). */
function file(kind: 'epb' | 'pb', damage: number, extra: number): { buf: Buffer; offset: number; caplen: number } {
  const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
  const b = new PcapngBuilder().section().iface(1, 6, 262144);
  for (const r of recs) kind === 'epb' ? b.epb(0, BigInt(r.timeUs), r.data) : b.pb(0, BigInt(r.timeUs), r.data);
  const buf = b.build();
  // Walk the blocks to the damaged one and raise its captured length (body offset 12).
  let o = 0;
  let n = 0;
  for (;;) {
    const type = buf.readUInt32LE(o);
    if ((type === 6 || type === 2) && ++n === damage) break;
    o += buf.readUInt32LE(o + 4);
  }
  const caplen = buf.readUInt32LE(o + 20) + extra;
  buf.writeUInt32LE(caplen, o + 20);
  return { buf, offset: o, caplen };
}

describe('a pcapng packet block shorter than its captured length', () => {
  for (const [kind, name] of [['epb', 'enhanced packet block'], ['pb', 'packet block']] as const) {
    it(`${kind}: says the block is damaged, at its frame and offset, and blames no snap length`, () => {
      const { buf, offset, caplen } = file(kind, 4, 100);
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(buf, { engine });
      const blockLen = buf.readUInt32LE(offset + 4);
      // Room: the block minus its 32 bytes of framing and packet header (the padding included).
      const held = blockLen - 32;
      expect(res.notes.filter((n) => n.severity !== 'info')).toEqual([{
        frame: 4, severity: 'warn', code: 'corrupt-block',
        text: `frame 4: the ${name} at byte offset ${offset} states ${caplen} captured bytes, but its block length of ${blockLen} leaves room for ${held}; the block is damaged, so the ${held} byte(s) it holds are decoded and the other ${caplen - held} count as missing (a stream-gap when they were TCP payload)`,
      }]);
      // The CONNECT itself was whole (its IP total length ends it); the file is read on.
      expect(engine.stream('c2s')).toEqual(connectPacket('c1'));
      expect(engine.stream('s2c')).toEqual(CONNACK);
      expect(res.frames).toBe(8);
    });
  }

  it('spb: an original length past the block (no snap length) is damage too', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
    const b = new PcapngBuilder().section().iface(1, 6, 0);
    for (const r of recs) b.spb(r.data);
    const buf = b.build();
    // The fourth SPB (the CONNECT): original length raised by 100, body offset 0.
    let o = 0;
    for (let n = 0; ; o += buf.readUInt32LE(o + 4)) if (buf.readUInt32LE(o) === 3 && ++n === 4) break;
    const stated = buf.readUInt32LE(o + 8) + 100;
    buf.writeUInt32LE(stated, o + 8);
    const blockLen = buf.readUInt32LE(o + 4);
    const res = readCaptureBuffer(buf, { engine: new RecordingEngine() });
    expect(res.notes.filter((n) => n.severity !== 'info').map((n) => n.text)).toEqual([
      `frame 4: the simple packet block at byte offset ${o} states ${stated} captured bytes, but its block length of ${blockLen} leaves room for ${blockLen - 16}; the block is damaged, so the ${blockLen - 16} byte(s) it holds are decoded and the other ${stated - blockLen + 16} count as missing (a stream-gap when they were TCP payload)`,
    ]);
  });
});
