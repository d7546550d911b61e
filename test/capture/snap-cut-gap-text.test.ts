// Bytes a snap length cut from a captured segment were reported as "segment not captured",
// which sends the user looking for lost segments. The stream-gap now names the cut frame and
// its note, with reason "snap-cut"; a segment really missing still says "segment not captured".
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import { connectPacket, conversation, pcapFile, publishPacket } from './builders.js';

function findings(buf: Buffer): Array<{ text: string; frames: number[]; reason: unknown }> {
  const out: Array<{ text: string; frames: number[]; reason: unknown }> = [];
  const engine = new Engine({
    onRecord: (r) => {
      if (r.kind === 'finding' && r.code === 'stream-gap') out.push({ text: r.text, frames: r.frames, reason: (r.extra as { reason?: unknown } | undefined)?.reason });
    },
  });
  readCaptureBuffer(buf, { engine });
  return out;
}

describe('stream-gap for bytes cut by the snap length', () => {
  it('names the cut frame and its note, reason snap-cut', () => {
    const big = publishPacket('cut/here', Buffer.alloc(200, 0x41));
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('s') }, { dir: 'c2s', bytes: big }, { dir: 'c2s', bytes: publishPacket('after', Buffer.from('x')) }]);
    // Cut only the big PUBLISH's frame (the fifth record: SYN, SYN-ACK, ACK, CONNECT, PUBLISH) to 120 bytes.
    const cut = recs.map((r, i) => (i === 4 ? { ...r, data: r.data.subarray(0, 120), origLen: r.data.length } : r));
    const gaps = findings(pcapFile(cut, { snap: 262144 }));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.frames).toEqual([5]);
    expect(gaps[0]!.reason).toBe('snap-cut');
    expect(gaps[0]!.text).toMatch(/^\d+ byte\(s\) missing from the client→broker stream \(frame 5 was cut short in the capture: its snaplen-truncated or corrupt-block note says why\); /);
  });

  it('a segment missing from the capture still says segment not captured', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('s') }, { dir: 'c2s', bytes: publishPacket('lost', Buffer.from('y')) }, { dir: 'c2s', bytes: publishPacket('after', Buffer.from('x')) }]);
    const gaps = findings(pcapFile(recs.filter((_r, i) => i !== 4)));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.reason).toBeUndefined();
    expect(gaps[0]!.text).toContain('(segment not captured)');
  });
});
