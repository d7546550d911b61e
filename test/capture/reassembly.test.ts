import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { TcpDirection } from '../../src/capture/tcp-reassembly.js';
import {
  ACK, CLIENT, CONNACK, PSH, RST, RecordingEngine, SERVER, SYN, connectPacket, conversation, pcapFile, publishPacket, tcpFrame, type Rec,
} from './builders.js';

interface Out { data: Buffer[]; frames: number[]; gaps: [number, number][] }

function dir(): { d: TcpDirection; out: Out } {
  const out: Out = { data: [], frames: [], gaps: [] };
  const d = new TcpDirection({
    data: (b, f) => { out.data.push(Buffer.from(b)); out.frames.push(f); },
    gap: (lost, f) => out.gaps.push([lost, f]),
  }, { maxHeldBytes: 1000 });
  return { d, out };
}

const bytes = (s: string) => Buffer.from(s);

describe('TcpDirection', () => {
  it('reorders out-of-order segments; bytes held behind a hole come out at the frame that filled it', () => {
    const { d, out } = dir();
    d.syn(99);
    d.segment(105, bytes('world'), 5, false, 2, 0);
    d.segment(100, bytes('hello'), 5, false, 3, 0);
    expect(Buffer.concat(out.data).toString()).toBe('helloworld');
    // tshark (out-of-order reassembly on) shows a PDU in 'world' at frame 3, where it completed.
    expect(out.frames).toEqual([3, 3]);
  });

  it('segments held behind a hole keep their own frame and time when the gap is declared later', () => {
    const out: { s: string; frame: number; time: number }[] = [];
    const gaps: [number, number, number][] = [];
    const d = new TcpDirection({
      data: (b, frame, time) => out.push({ s: Buffer.from(b).toString(), frame, time }),
      gap: (lost, frame, time) => gaps.push([lost, frame, time]),
    });
    d.syn(0);
    d.segment(1, bytes('ab'), 2, false, 4, 400);
    // 3..6 never captured
    d.segment(7, bytes('cd'), 2, false, 6, 600);
    d.segment(9, bytes('ef'), 2, false, 7, 700);
    d.acked(11, 8, 5_000_800); // the peer's ack 5 s later declares the hole
    expect(gaps).toEqual([[4, 6, 600]]);
    expect(out).toEqual([{ s: 'ab', frame: 4, time: 400 }, { s: 'cd', frame: 6, time: 600 }, { s: 'ef', frame: 7, time: 700 }]);
  });

  it('the held-segment cap on a one-way stream keeps every segment\'s own frame', () => {
    const out: number[] = [];
    const d = new TcpDirection({ data: (_b, frame) => out.push(frame), gap: () => {} }, { maxHeldSegments: 4 });
    d.syn(0);
    // a hole at 1..10, then ten 1-byte segments in frames 20..29 with no ack from the peer
    for (let i = 0; i < 10; i++) d.segment(11 + i, bytes('x'), 1, false, 20 + i, (20 + i) * 1000);
    d.flush(99, 99_000);
    expect(out).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  });

  it('drops retransmissions and trims overlaps without duplicating bytes', () => {
    const { d, out } = dir();
    d.syn(0);
    d.segment(1, bytes('abcd'), 4, false, 1, 0);
    d.segment(1, bytes('abcd'), 4, false, 2, 0); // retransmission
    d.segment(3, bytes('cdefg'), 5, false, 3, 0); // overlap
    d.segment(9, bytes('ij'), 2, false, 4, 0); // held
    d.segment(8, bytes('hij'), 3, false, 5, 0); // overlaps the held one
    d.segment(9, bytes('i'), 1, false, 6, 0); // old
    expect(Buffer.concat(out.data).toString()).toBe('abcdefghij');
    expect(d.retransmitted).toBeGreaterThan(0);
  });

  it('a missing segment becomes a gap when the peer acknowledges past it', () => {
    const { d, out } = dir();
    d.syn(0);
    d.segment(1, bytes('aaaa'), 4, false, 1, 0);
    d.segment(9, bytes('cccc'), 4, false, 3, 0); // 5..8 never captured
    expect(out.gaps).toEqual([]);
    d.acked(13, 4, 0);
    // Reported at the segment after the hole (tshark: "previous segment not captured").
    expect(out.gaps).toEqual([[4, 3]]);
    expect(Buffer.concat(out.data).toString()).toBe('aaaacccc');
  });

  it('the held-bytes cap forces a gap (bounded memory)', () => {
    const { d, out } = dir();
    d.syn(0);
    for (let i = 0; i < 12; i++) d.segment(1 + 10 + i * 100, Buffer.alloc(100, i), 100, false, i + 1, 0);
    expect(out.gaps.length).toBe(1);
    expect(out.gaps[0]![0]).toBe(10);
    expect(d.heldByteCount).toBeLessThanOrEqual(1000);
  });

  it('flush delivers what is held after a hole and reports a lost tail', () => {
    const { d, out } = dir();
    d.syn(0);
    d.segment(1, bytes('ab'), 2, false, 1, 0);
    d.segment(5, bytes('ef'), 2, true, 2, 0);
    d.flush(9, 0);
    expect(out.gaps).toEqual([[2, 2]]);
    expect(Buffer.concat(out.data).toString()).toBe('abef');
    expect(d.finished).toBe(true);
  });

  it('a direction not one segment of which was captured: one gap for the first ACK past it, the rest counted for one uncaptured() at flush', () => {
    const gaps: [number, number][] = [];
    const unseen: [number, number, number][] = [];
    const d = new TcpDirection({ data: () => {}, gap: (lost, f) => gaps.push([lost, f]), uncaptured: (n, first, last) => unseen.push([n, first, last]) });
    d.startAt(100); // learnt from the peer's first ACK
    for (let i = 1; i <= 10_000; i++) d.acked(100 + i * 4, 10 + i, i);
    expect(gaps).toEqual([[4, 11]]);
    expect(unseen).toEqual([]);
    d.flush(20_000, 0);
    expect(unseen).toEqual([[40_000, 11, 10_010]]);
    expect(d.lost).toBe(40_000);
    d.flush(20_001, 0);
    expect(unseen).toHaveLength(1);
  });

  it('bytes skipped quietly become one gap when the direction\'s first segment shows up; no uncaptured() then', () => {
    const gaps: [number, number][] = [];
    const out: string[] = [];
    const unseen: number[] = [];
    const d = new TcpDirection({ data: (b) => out.push(Buffer.from(b).toString()), gap: (lost, f) => gaps.push([lost, f]), uncaptured: (n) => unseen.push(n) });
    d.startAt(0);
    d.acked(4, 2, 0);
    d.acked(10, 3, 0);
    d.acked(12, 4, 0);
    d.segment(12, bytes('late'), 4, false, 5, 0);
    d.acked(20, 6, 0); // 16..19 lost in a direction that is captured: a gap as usual
    d.flush(7, 0);
    expect(gaps).toEqual([[4, 2], [8, 5], [4, 6]]);
    expect(out).toEqual(['late']);
    expect(unseen).toEqual([]);
  });

  it('a direction whose segments are captured keeps a gap per ACK past lost bytes', () => {
    const gaps: [number, number][] = [];
    const unseen: number[] = [];
    const d = new TcpDirection({ data: () => {}, gap: (lost, f) => gaps.push([lost, f]), uncaptured: (n) => unseen.push(n) });
    d.syn(0); // its SYN was captured: this direction is not missing from the capture
    d.acked(5, 2, 0);
    d.acked(9, 3, 0);
    d.flush(4, 0);
    expect(gaps).toEqual([[4, 2], [4, 3]]);
    expect(unseen).toEqual([]);
  });

  it('sequence numbers wrap around 2^32', () => {
    const { d, out } = dir();
    d.syn(0xfffffffd);
    d.segment(0x00000002, bytes('def'), 3, false, 2, 0);
    d.segment(0xfffffffe, bytes('abcd'), 4, false, 3, 0);
    expect(Buffer.concat(out.data).toString()).toBe('abcddef');
  });

  it('property: any segmentation and reordering without loss reassembles byte-identically', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 400 }),
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (data, sizes, isn, swaps, dups) => {
        const segs: { seq: number; b: Buffer }[] = [];
        let off = 0;
        let i = 0;
        while (off < data.length) {
          const n = Math.min(sizes[i++ % sizes.length]!, data.length - off);
          segs.push({ seq: (isn + 1 + off) >>> 0, b: Buffer.from(data.subarray(off, off + n)) });
          off += n;
        }
        for (const dIdx of dups) segs.push(segs[dIdx % segs.length]!); // retransmissions
        for (let k = 0; k < swaps.length; k++) {
          const a = swaps[k]! % segs.length;
          const b = (k * 7 + 3) % segs.length;
          [segs[a], segs[b]] = [segs[b]!, segs[a]!];
        }
        const { d, out } = dir();
        d.syn(isn);
        segs.forEach((s, n) => d.segment(s.seq, s.b, s.b.length, false, n + 1, 0));
        d.flush(0, 0);
        expect(out.gaps).toEqual([]);
        expect(Buffer.concat(out.data)).toEqual(Buffer.from(data));
      },
    ), { numRuns: 300 });
  });
});

/** Frames for a conversation where every c2s chunk is cut into segments of `seg` bytes. */
function segmented(chunks: { dir: 'c2s' | 's2c'; bytes: Buffer }[], seg: number): { dir: 'c2s' | 's2c'; bytes: Buffer }[] {
  return chunks.flatMap((c) => {
    const out = [];
    for (let i = 0; i < c.bytes.length; i += seg) out.push({ dir: c.dir, bytes: c.bytes.subarray(i, i + seg) });
    return out;
  });
}

describe('capture session reassembly', () => {
  it('a Remaining Length varint split across two TCP segments', () => {
    const pub = publishPacket('split/varint', Buffer.alloc(300, 0x41)); // RL needs 2 bytes
    expect(pub[1]! & 0x80).toBe(0x80);
    const chunks = [
      { dir: 'c2s' as const, bytes: connectPacket('v') },
      { dir: 's2c' as const, bytes: CONNACK },
      { dir: 'c2s' as const, bytes: pub.subarray(0, 2) }, // type byte + first RL byte
      { dir: 'c2s' as const, bytes: pub.subarray(2) },
    ];
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(conversation(chunks)), { engine });
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('v'), pub]));
    const data = engine.of('data').filter((e) => e.dir === 'c2s');
    expect(data.map((e) => e.frame)).toEqual([4, 6, 7]);
  });

  it('one MQTT packet spread across many segments, delivered in order with frame numbers', () => {
    const pub = publishPacket('many', Buffer.alloc(5000, 0x42));
    const chunks = segmented([{ dir: 'c2s', bytes: connectPacket('m') }, { dir: 'c2s', bytes: pub }], 97);
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(conversation(chunks)), { engine });
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('m'), pub]));
    const frames = engine.of('data').map((e) => e.frame!);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
  });

  it('out-of-order and retransmitted frames in a capture', () => {
    const pub = publishPacket('ooo', Buffer.alloc(100, 1));
    const recs = conversation(segmented([{ dir: 'c2s', bytes: connectPacket('o') }, { dir: 'c2s', bytes: pub }], 40));
    // swap two data frames and duplicate one
    const r = [...recs];
    [r[4], r[5]] = [r[5]!, r[4]!];
    r.splice(7, 0, r[6]!);
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(r), { engine });
    expect(res.notes).toEqual([]);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('o'), pub]));
    expect(engine.of('gap')).toEqual([]);
  });

  it('a missing segment is reported to the engine as a gap', () => {
    const pub = publishPacket('lost', Buffer.alloc(100, 1));
    const recs = conversation(segmented([{ dir: 'c2s', bytes: connectPacket('l') }, { dir: 'c2s', bytes: pub }, { dir: 'c2s', bytes: pub }], 50));
    const lostFrame = recs.splice(5, 1)[0]!; // pub bytes 50..99
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine });
    const gaps = engine.of('gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ dir: 'c2s', lost: 50 });
    expect(lostFrame).toBeDefined();
    expect(engine.stream('c2s').length).toBe(connectPacket('l').length + 2 * pub.length - 50);
  });

  it('a one-way capture (client→broker only): one gap and one tcp-direction-not-captured note, however many ACKs', () => {
    const pub = publishPacket('one/way', Buffer.from('x'));
    const recs: Rec[] = [];
    let t = 1_700_000_000_000_000;
    let cs = 1000;
    recs.push({ timeUs: t, data: tcpFrame(CLIENT, SERVER, { seq: cs++, ack: 0, flags: SYN }) });
    // The broker's SYN-ACK (ISN 5000) and everything else it sent are not in the capture.
    recs.push({ timeUs: ++t, data: tcpFrame(CLIENT, SERVER, { seq: cs, ack: 5001, flags: ACK }) });
    recs.push({ timeUs: ++t, data: tcpFrame(CLIENT, SERVER, { seq: cs, ack: 5001, flags: ACK | PSH, payload: connectPacket('ow') }) });
    cs += connectPacket('ow').length;
    let ss = 5001 + CONNACK.length;
    for (let i = 0; i < 2000; i++) {
      recs.push({ timeUs: ++t, data: tcpFrame(CLIENT, SERVER, { seq: cs, ack: ss, flags: ACK | PSH, payload: pub }) });
      cs += pub.length;
      ss += 2; // a PINGRESP-sized answer each time
    }
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.of('gap').map((g) => [g.dir, g.frame, g.lost])).toEqual([['s2c', 4, 4]]);
    expect(res.notes.map((n) => [n.frame, n.severity, n.code])).toEqual([[4, 'info', 'tcp-direction-not-captured']]);
    expect(res.notes[0]!.text).toContain(`the client's ACKs show the broker sent ${4 + 2 * 1999} byte(s) (frames 4-2003)`);
    expect(engine.stream('c2s').length).toBe(connectPacket('ow').length + 2000 * pub.length);
    expect(res.hadErrors).toBe(false);
  });

  it('a lost segment in a captured direction is still a gap (and no one-way note)', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('g') }, { dir: 's2c', bytes: CONNACK }, { dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: connectPacket('g') }]);
    recs.splice(5, 1); // the second CONNACK: acknowledged by the client's next segment
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.of('gap').map((g) => [g.dir, g.lost])).toEqual([['s2c', 4]]);
    expect(res.notes).toEqual([]);
  });

  it('mid-stream start: no SYN, the first seen sequence is the start, opened with midstream', () => {
    const pub = publishPacket('mid', Buffer.from('x'));
    const recs = conversation([{ dir: 'c2s', bytes: pub }, { dir: 's2c', bytes: pub }], { handshake: false, fin: false });
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.opens()).toMatchObject([{ midstream: true, meta: { client: CLIENT, server: SERVER, transport: 'tcp' } }]);
    expect(engine.stream('c2s')).toEqual(pub);
    expect(engine.stream('s2c')).toEqual(pub);
    expect(engine.of('close')).toEqual([]);
    expect(engine.of('end')).toHaveLength(1);
  });

  it('RST closes the connection as reset; late segments do not reopen it', () => {
    const recs: Rec[] = conversation([{ dir: 'c2s', bytes: connectPacket('r') }], { fin: false });
    const t = recs.at(-1)!.timeUs;
    recs.push({ timeUs: t + 1, data: tcpFrame(SERVER, CLIENT, { seq: 5001, ack: 1001 + connectPacket('r').length, flags: RST | ACK }) });
    recs.push({ timeUs: t + 2, data: tcpFrame(CLIENT, SERVER, { seq: 1001 + connectPacket('r').length, ack: 5001, flags: ACK | PSH, payload: Buffer.from([0xc0, 0]) }) });
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.of('close')).toMatchObject([{ how: 'reset' }]);
    expect(engine.opens()).toHaveLength(1);
  });

  it('port reuse after close: a new SYN opens a new connection', () => {
    const a = conversation([{ dir: 'c2s', bytes: connectPacket('a') }]);
    const b = conversation([{ dir: 'c2s', bytes: connectPacket('b') }], { t0: a.at(-1)!.timeUs + 10 });
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile([...a, ...b]), { engine });
    expect(engine.opens()).toHaveLength(2);
    expect(engine.of('close').map((c) => c.how)).toEqual(['fin', 'fin']);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('a'), connectPacket('b')]));
  });

  it('many short non-MQTT connections do not pile up', () => {
    const recs: Rec[] = [];
    for (let i = 0; i < 200; i++) {
      const c = { host: '10.1.0.1', port: 20000 + i };
      const s = { host: '10.1.0.2', port: 80 };
      recs.push(...conversation([{ dir: 'c2s', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') }], { client: c, server: s, t0: 1e15 + i * 1e4 }));
    }
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine, maxConnections: 50 });
    expect(engine.opens()).toHaveLength(0);
    expect(res.stats.otherConnections).toBe(200);
    void SYN;
  });
});
