// A pcapng packet block naming an interface its section did not describe (a missing
// Interface Description Block, a damaged id). tshark stops there; mqttscope skips the
// packet and reads on. Its note said neither where the block was nor what the section had;
// its frame N is the number the next packet gets, so the text says the block has none.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, PcapngBuilder, RecordingEngine } from './builders.js';

describe('a packet block on an interface the section does not describe', () => {
  it('is skipped with a note naming the block, its byte offset and the interfaces there are', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('c1') }, { dir: 's2c', bytes: CONNACK }]);
    const b = new PcapngBuilder().section().iface(1).iface(1);
    recs.slice(0, 3).forEach((r) => b.epb(0, BigInt(r.timeUs), r.data));
    const before = b.build().length;
    b.epb(7, BigInt(recs[3]!.timeUs), recs[3]!.data);
    recs.slice(3).forEach((r) => b.epb(1, BigInt(r.timeUs), r.data));
    // A second section with no interface at all, and a Simple Packet Block in it.
    const at2 = b.build().length;
    b.section().spb(recs[0]!.data);
    const sectionHeader = 28;
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(b.build(), { engine });
    expect(res.notes.filter((n) => n.code === 'unknown-interface')).toEqual([
      {
        frame: 4, severity: 'warn', code: 'unknown-interface',
        text: `the enhanced packet block at byte offset ${before} refers to interface 7, but its section describes only interfaces 0-1 (an Interface Description Block is missing or the id is damaged); the packet is skipped and not counted as a frame`,
      },
      {
        frame: recs.length + 1, severity: 'warn', code: 'unknown-interface',
        text: `the simple packet block at byte offset ${at2 + sectionHeader} refers to interface 0, but its section describes no interface (an Interface Description Block is missing or the id is damaged); the packet is skipped and not counted as a frame`,
      },
    ]);
    expect(res.frames).toBe(recs.length);
    expect(engine.stream('c2s')).toEqual(connectPacket('c1'));
  });
});
