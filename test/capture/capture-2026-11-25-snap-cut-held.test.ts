// A segment cut by the snap length (tcpdump -s, editcap -s) that arrives out of order is held
// until the hole before it is filled. Its missing tail was then reported as "segment not
// captured" at the next segment's frame, as if a segment were lost; it is the tail of the cut
// frame, which says so (reason snap-cut, that frame), as it does for a cut segment in order.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import { ACK, CLIENT, FIN, PSH, SERVER, SYN, connectPacket, CONNACK, pcapFile, publishPacket, tcpFrame, type Rec } from './builders.js';

interface Gap { text: string; frames: number[]; reason: unknown; lost: unknown }

function gaps(buf: Buffer): Gap[] {
  const out: Gap[] = [];
  const engine = new Engine({
    onRecord: (r) => {
      if (r.kind !== 'finding' || r.code !== 'stream-gap') return;
      const x = r.extra as { reason?: unknown; lost_bytes?: unknown } | undefined;
      out.push({ text: r.text, frames: r.frames, reason: x?.reason, lost: x?.lost_bytes });
    },
  });
  readCaptureBuffer(buf, { engine });
  return out;
}

const CON = connectPacket('h');
const A = publishPacket('a', Buffer.alloc(20, 0x61));
const B = publishPacket('b', Buffer.alloc(200, 0x62));
const C = publishPacket('c', Buffer.alloc(20, 0x63));

/**
 * A capture of the connection up to its CONNACK (frames 1 to 5: handshake, CONNECT, CONNACK),
 * with the client's sequence numbers of A, B, C and their end; `add` appends a frame, its
 * payload cut to `keep` bytes by the snap length when given.
 */
function started() {
  const recs: Rec[] = [];
  let t = 1_700_000_000_000_000;
  const cs = 1001, ss = 5001;
  const a = cs + CON.length, b = a + A.length, c = b + B.length, end = c + C.length;
  const add = (from: typeof CLIENT, to: typeof CLIENT, f: Parameters<typeof tcpFrame>[2], keep?: number) => {
    const data = tcpFrame(from, to, f);
    recs.push(keep === undefined ? { timeUs: (t += 1000), data } : { timeUs: (t += 1000), data: data.subarray(0, 54 + keep), origLen: data.length });
  };
  add(CLIENT, SERVER, { seq: cs - 1, ack: 0, flags: SYN }); // 1: SYN
  add(SERVER, CLIENT, { seq: ss - 1, ack: cs, flags: SYN | ACK }); // 2: SYN-ACK
  add(CLIENT, SERVER, { seq: cs, ack: ss, flags: ACK }); // 3: ACK
  add(CLIENT, SERVER, { seq: cs, ack: ss, flags: ACK | PSH, payload: CON }); // 4: CONNECT
  add(SERVER, CLIENT, { seq: ss, ack: a, flags: ACK | PSH, payload: CONNACK }); // 5: CONNACK
  return { recs, add, ss, a, b, c, end };
}

/**
 * The client's A, B, C. `fill`: B (cut), C, then A, which fills the hole. `end`: A, C, then B
 * (cut), which fills the hole itself. `lost`: B (cut), C, and A is never captured.
 */
function capture(order: 'fill' | 'end' | 'lost', keep: number): Buffer {
  const { recs, add, ss, a, b, c, end } = started();
  if (order !== 'end') {
    add(CLIENT, SERVER, { seq: b, ack: ss + 4, flags: ACK | PSH, payload: B }, keep); // 6: B, cut by the snap length, ahead of A
    add(CLIENT, SERVER, { seq: c, ack: ss + 4, flags: ACK | PSH, payload: C }); // 7: C
    if (order === 'fill') add(CLIENT, SERVER, { seq: a, ack: ss + 4, flags: ACK | PSH, payload: A }); // 8: A, filling the hole
  } else {
    add(CLIENT, SERVER, { seq: a, ack: ss + 4, flags: ACK | PSH, payload: A }); // 6: A
    add(CLIENT, SERVER, { seq: c, ack: ss + 4, flags: ACK | PSH, payload: C }); // 7: C, ahead of B
    add(CLIENT, SERVER, { seq: b, ack: ss + 4, flags: ACK | PSH, payload: B }, keep); // 8: B, cut by the snap length
  }
  add(SERVER, CLIENT, { seq: ss + 4, ack: end, flags: ACK }); // 9 (8 when A is lost): broker ACK of all of it
  add(CLIENT, SERVER, { seq: end, ack: ss + 4, flags: FIN | ACK }); // 10: client FIN
  add(SERVER, CLIENT, { seq: ss + 4, ack: end + 1, flags: FIN | ACK }); // 11: broker FIN
  add(CLIENT, SERVER, { seq: end + 1, ack: ss + 5, flags: ACK }); // 12: last ACK
  return pcapFile(recs);
}

// KEEP: bytes of B's TCP payload kept by the cut (its frame cut to 54 + KEEP bytes); 0 as under
// tcpdump -s 64 with TCP timestamps, where the cut segment is held with no bytes at all.
for (const KEEP of [10, 0]) describe(`the snap-cut tail of a segment held out of order (${KEEP} byte(s) of it kept)`, () => {
  it('is a snap-cut gap at the cut frame once the hole before it is filled', () => {
    const g = gaps(capture('fill', KEEP));
    expect(g).toHaveLength(1);
    expect(g[0]!.frames).toEqual([6]);
    expect(g[0]!.reason).toBe('snap-cut');
    expect(g[0]!.lost).toBe(B.length - KEEP);
    expect(g[0]!.text).toContain('frame 6 was cut short in the capture');
  });

  it('is a snap-cut gap at the cut frame when the cut segment filled the hole itself', () => {
    const g = gaps(capture('end', KEEP));
    expect(g).toHaveLength(1);
    expect(g[0]!.frames).toEqual([8]);
    expect(g[0]!.reason).toBe('snap-cut');
    expect(g[0]!.lost).toBe(B.length - KEEP);
  });

  it('after a segment really lost: that one not captured, then the cut tail', () => {
    const g = gaps(capture('lost', KEEP));
    expect(g.map((x) => [x.frames, x.reason, x.lost])).toEqual([
      [[6], undefined, A.length], // A: not captured, shown at B (tshark: previous segment not captured)
      [[6], 'snap-cut', B.length - KEEP], // the tail of B, cut
    ]);
    expect(g[0]!.text).toContain('(segment not captured)');
  });
});

describe('a cut retransmission that carries bytes not seen before', () => {
  it('makes those bytes a snap-cut gap at its frame, not a segment not captured', () => {
    const { recs, add, ss, a, b, c, end } = started();
    add(CLIENT, SERVER, { seq: a, ack: ss + 4, flags: ACK | PSH, payload: A }); // 6: A (B, sent next, not captured)
    add(CLIENT, SERVER, { seq: a, ack: ss + 4, flags: ACK | PSH, payload: Buffer.concat([A, B]) }, 10); // 7: A and B resent as one, cut inside A
    add(CLIENT, SERVER, { seq: c, ack: ss + 4, flags: ACK | PSH, payload: C }); // 8: C
    add(SERVER, CLIENT, { seq: ss + 4, ack: end, flags: ACK }); // 9: broker ACK of all of it
    add(CLIENT, SERVER, { seq: end, ack: ss + 4, flags: FIN | ACK }); // 10: client FIN
    add(SERVER, CLIENT, { seq: ss + 4, ack: end + 1, flags: FIN | ACK }); // 11: broker FIN
    add(CLIENT, SERVER, { seq: end + 1, ack: ss + 5, flags: ACK }); // 12: last ACK
    const g = gaps(pcapFile(recs));
    expect(g.map((x) => [x.frames, x.reason, x.lost])).toEqual([[[7], 'snap-cut', B.length]]);
  });
});
