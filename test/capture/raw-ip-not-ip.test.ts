// A raw-IP capture whose frames do not start with an IP header: most often Ethernet frames
// under the wrong link type (`editcap -T rawip` on an Ethernet capture). tshark marks each
// "bogus version"; mqttscope used to skip them silently (0 packets, exit 0, no word why).
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, pcapFile, RecordingEngine } from './builders.js';

const convo = () => conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);

describe('raw IP frames that are not IP', () => {
  it('Ethernet frames under link type 101: one warning naming the fix, and a count at the end', () => {
    const recs = convo();
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs, { linkType: 101 }), { engine });
    expect(res.hadErrors).toBe(true);
    expect(res.notes.filter((n) => n.code === 'not-ip')).toEqual([{
      frame: 1, severity: 'warn', code: 'not-ip',
      text: 'frame 1: the link type is raw IP (101), but the frame does not start with an IPv4 or IPv6 header (first byte 0x02), so it is skipped; it looks like an Ethernet frame (IPv4 at byte 14), so the file\'s link type is probably wrong: `editcap -T ether` fixes it; the count is given at the end',
    }]);
    expect(res.notes.filter((n) => n.code === 'not-ip-frames')).toEqual([{
      frame: 0, severity: 'info', code: 'not-ip-frames',
      text: `raw IP frames without an IP header: ${recs.length} frames skipped in all, the first at frame 1`,
    }]);
    expect(engine.opens()).toEqual([]);
  });

  it('a lone garbage frame among raw IP frames: no Ethernet hint, the IP frames are decoded', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }], { wrap: (ip) => ip });
    // Frame 1 replaced by bytes whose version nibble is 0xf.
    recs.unshift({ timeUs: recs[0]!.timeUs - 1, data: Buffer.from([0xff, 0x00, 0x01, 0x02]) });
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs, { linkType: 101 }), { engine });
    const notes = res.notes.filter((n) => n.code.startsWith('not-ip'));
    expect(notes.map((n) => n.text)).toEqual([
      'frame 1: the link type is raw IP (101), but the frame does not start with an IPv4 or IPv6 header (first byte 0xff), so it is skipped; the count is given at the end',
      'raw IP frames without an IP header: 1 frame skipped in all, frame 1',
    ]);
    expect(engine.stream('c2s')).toEqual(connectPacket('c1'));
  });
});
