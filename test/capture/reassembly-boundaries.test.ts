// TCP reassembly at its boundaries, each pcap checked against tshark 4.0: which frame
// shows lost data ("previous segment not captured") and which MQTT packets are decoded.
//
// - A segment lost right before a FIN: when the peer acknowledged the FIN (ack = FIN
//   seq + 1, the usual case) the hole was reported only at the end of the capture and
//   the connection never closed; with ack = FIN seq it came at the ACK; with ack one
//   short of the FIN it was split in two gaps. tshark shows one hole, at the FIN.
// - An ACK that shows a hole lost released the segments held behind it only after
//   the payload of the segment carrying that ACK: a PUBACK came before the PUBLISH it
//   acknowledges (a false protocol-violation, a false qos-flow-incomplete).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { TcpDirection, type TcpDirectionSink } from '../../src/capture/tcp-reassembly.js';
import { requireBinary } from '../helpers/peers.js';
import { ACK, CLIENT, CONNACK, FIN, PcapngBuilder, PSH, RecordingEngine, SERVER, SYN, connectPacket, pcapFile, publishPacket, tcpFrame, type Rec } from './builders.js';

const dir = mkdtempSync(join(tmpdir(), 'mqttscope-reasm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TsharkFrame { frame: number; lost: boolean; keepAlive: boolean; retrans: boolean; types: number[] }

/** tshark's view of a capture, one row per frame (fails, never skips, without tshark). */
function tshark(pcap: Buffer, name: string): TsharkFrame[] {
  const bin = requireBinary('tshark');
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, pcap);
  const out = execFileSync(bin, ['-r', file, '-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-E', 'separator=|',
    '-e', 'frame.number', '-e', 'tcp.analysis.lost_segment', '-e', 'tcp.analysis.keep_alive', '-e', 'tcp.analysis.retransmission', '-e', 'mqtt.msgtype'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((l) => l !== '').map((l) => {
    const [frame, lost, ka, re, types] = l.split('|');
    return { frame: Number(frame), lost: lost !== '', keepAlive: ka !== '', retrans: re !== '', types: types ? types.split(',').map(Number) : [] };
  });
}

/** Frames and sequence numbers written by hand: c() from the client, s() from the broker. */
function builder() {
  const recs: Rec[] = [];
  let t = 1_700_000_000_000_000;
  const c = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq, ack, flags, payload }) });
  const s = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq, ack, flags, payload }) });
  const connect = connectPacket('b1');
  c(1000, 0, SYN); // 1: client SYN, ISN 1000
  s(5000, 1001, SYN | ACK); // 2: broker SYN+ACK, ISN 5000
  c(1001, 5001, ACK); // 3: handshake ACK
  c(1001, 5001, ACK | PSH, connect); // 4: CONNECT
  s(5001, 1001 + connect.length, ACK | PSH, CONNACK); // 5: CONNACK
  return { recs, c, s, cs: 1001 + connect.length, ss: 5001 + CONNACK.length, pcap: () => pcapFile(recs) };
}

const LOST = publishPacket('a/b', Buffer.from('hello')); // never captured

describe('a segment lost right before the FIN', () => {
  // The broker acknowledges the client's FIN seq + d: one short, exactly the FIN, the FIN itself.
  for (const d of [-1, 0, 1]) {
    it(`is one hole at the FIN frame, as tshark shows it, and the connection closes (broker ack = ${d < 0 ? 'FIN seq - 1' : d > 0 ? 'FIN seq + 1' : 'FIN seq'})`, () => {
      const b = builder();
      const finSeq = b.cs + LOST.length;
      b.c(finSeq, b.ss, FIN | ACK); // 6: client FIN after the lost PUBLISH
      b.s(b.ss, finSeq + d, ACK); // 7: broker ACK
      b.s(b.ss, finSeq + 1, FIN | ACK); // 8: broker FIN, acknowledging the client FIN
      b.c(finSeq + 1, b.ss + 1, ACK); // 9: last ACK
      const pcap = b.pcap();
      const ts = tshark(pcap, `fin${d}`);
      expect(ts.filter((f) => f.lost).map((f) => f.frame)).toEqual([6]);
      const engine = new RecordingEngine();
      readCaptureBuffer(pcap, { engine });
      expect(engine.of('gap').map((g) => [g.dir, g.frame, g.lost])).toEqual([['c2s', 6, LOST.length]]);
      expect(engine.of('close')).toMatchObject([{ how: 'fin', time: b.recs[7]!.timeUs }]);
    });
  }
});

describe('an ACK that shows a hole lost', () => {
  it('releases the held PUBLISH before the PUBACK it carries, in tshark order', () => {
    const b = builder();
    const withId = Buffer.from([
      0x32, // PUBLISH, QoS 1
      0x09, // remaining length
      0x00, 0x03, 0x61, 0x2f, 0x63, // topic "a/c"
      0x00, 0x07, // packet id 7
      0x78, 0x79, // payload "xy"
    ]);
    const puback = Buffer.from([
      0x40, // PUBACK
      0x02, // remaining length
      0x00, 0x07, // packet id 7
    ]);
    // LOST is not captured.
    b.c(b.cs + LOST.length, b.ss, ACK | PSH, withId); // 6: PUBLISH id 7, held behind the hole
    b.s(b.ss, b.cs + LOST.length + withId.length, ACK | PSH, puback); // 7: PUBACK, acknowledging past the hole
    const pcap = b.pcap();
    const ts = tshark(pcap, 'puback');
    expect(ts.filter((f) => f.types.length > 0).map((f) => [f.frame, f.types])).toEqual([[4, [1]], [5, [2]], [6, [3]], [7, [4]]]);
    expect(ts.filter((f) => f.lost).map((f) => f.frame)).toEqual([6]);
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcap, { engine });
    expect(engine.events.filter((e) => e.ev === 'data' || e.ev === 'gap').map((e) => [e.ev, (e as { dir: string }).dir, (e as { frame?: number }).frame]))
      .toEqual([['data', 'c2s', 4], ['data', 's2c', 5], ['gap', 'c2s', 6], ['data', 'c2s', 6], ['data', 's2c', 7]]);
    expect(res.hadErrors).toBe(false);
  });
});

describe('a one-way capture: the broker FIN acknowledges the uncaptured client FIN', () => {
  it('in the same segment: the ACK is read as closing (FIN applied with it), not as one lost byte', () => {
    const recs: Rec[] = [];
    let t = 1_700_000_000_000_000;
    const s = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq, ack, flags, payload }) });
    const connect = connectPacket('b1');
    s(5000, 1001, SYN | ACK); // 1: broker SYN+ACK (the client's SYN was not captured)
    s(5001, 1001 + connect.length, ACK | PSH, CONNACK); // 2: CONNACK, acknowledging the uncaptured CONNECT
    s(5005, 1001 + connect.length + 1, FIN | ACK); // 3: broker FIN, acknowledging the uncaptured client FIN too
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.of('gap').map((g) => [g.dir, g.frame, g.lost])).toEqual([['c2s', 2, connect.length]]);
    expect(res.notes.map((n) => n.text).join('')).toContain(`the client sent ${connect.length} byte(s) (frame 2)`);
    expect(engine.of('close')).toMatchObject([{ how: 'fin' }]);
  });
});

const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

describe('TCP keep-alive: one byte at the sequence number before the next, nothing else', () => {
  /** After CONNECT/CONNACK and a broker ACK, the client sends `bytes` at next + `off`, then a PINGREQ from where that leaves it. */
  function probe(off: number, bytes: number[]) {
    const b = builder();
    b.s(b.ss, b.cs, ACK); // 6: broker ACK
    b.c(b.cs + off, b.ss, ACK, Buffer.from(bytes)); // 7: the probe
    const next = b.cs + Math.max(0, off + bytes.length);
    b.s(b.ss, next, ACK); // 8: broker ACK of it
    const rest = PINGREQ.subarray(next - b.cs);
    b.c(next, b.ss, ACK | PSH, rest); // 9: the rest of a PINGREQ
    b.s(b.ss, next + rest.length, ACK | PSH, PINGRESP); // 10: PINGRESP
    const pcap = b.pcap();
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcap, { engine });
    return { pcap, engine, res };
  }

  it('at next - 1 with one byte: a keep-alive (tshark too), not data, not compared', () => {
    const { pcap, engine, res } = probe(-1, [0x00]);
    const ts = tshark(pcap, 'ka');
    expect(ts[6]).toMatchObject({ frame: 7, keepAlive: true, retrans: false });
    expect(res.notes).toEqual([]);
    expect(engine.stream('c2s').subarray(-2)).toEqual(PINGREQ);
    expect(engine.of('gap')).toEqual([]);
  });

  it('at next - 2 with one byte: a retransmission (tshark too), compared with what was delivered', () => {
    const { pcap, res } = probe(-2, [0x41]); // 0x41 where the CONNECT had 0x62 ("b" of "b1")
    const ts = tshark(pcap, 'ka-2');
    expect(ts[6]).toMatchObject({ frame: 7, keepAlive: false, retrans: true });
    expect(res.notes.map((n) => [n.code, n.frame])).toEqual([['tcp-retransmission-differs', 7]]);
  });

  it('at next - 1 with two bytes: its new byte is data (tshark 4.0 calls the frame malformed instead)', () => {
    const { pcap, engine, res } = probe(-1, [0x31, 0xc0]); // the last CONNECT byte again, then the first PINGREQ byte
    const ts = tshark(pcap, 'ka2');
    expect(ts[6]).toMatchObject({ frame: 7, keepAlive: false });
    expect(res.notes).toEqual([]);
    expect(engine.of('gap')).toEqual([]);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('b1'), PINGREQ]));
  });
});

describe('the held-segments cap (1024 per direction; tshark has none)', () => {
  /** A lost PINGREQ, `n` PINGREQs held behind it, then the lost one retransmitted. */
  function held(n: number) {
    const b = builder();
    for (let i = 1; i <= n; i++) b.c(b.cs + 2 * i, b.ss, ACK | PSH, PINGREQ); // 6..: held behind the hole
    b.c(b.cs, b.ss, ACK | PSH, PINGREQ); // the hole, filled late
    const engine = new RecordingEngine();
    readCaptureBuffer(b.pcap(), { engine });
    return engine;
  }

  it('1024 held segments wait for the hole to be filled', () => {
    const engine = held(1024);
    expect(engine.of('gap')).toEqual([]);
    expect(engine.stream('c2s').length).toBe(connectPacket('b1').length + 2 * 1025);
  });

  it('the 1025th gives up on the hole: a gap at the first held frame, the late copy is dropped', () => {
    const engine = held(1025);
    expect(engine.of('gap').map((g) => [g.frame, g.lost])).toEqual([[6, 2]]);
    expect(engine.stream('c2s').length).toBe(connectPacket('b1').length + 2 * 1025);
  });
});

describe('TcpDirection boundaries', () => {
  function rec() {
    const ev: string[] = [];
    const sink: TcpDirectionSink = {
      data: (b, f) => ev.push(`data ${Buffer.from(b).toString()} @${f}`),
      gap: (n, f) => ev.push(`gap ${n} @${f}`),
    };
    return { ev, sink };
  }

  it('held bytes: exactly maxHeldBytes are kept, one more gives up on the hole', () => {
    const released = ['data ab @1', 'gap 2 @2', 'data 0123456789 @2', 'data x @3'];
    // 10 bytes held, then 1 more: over a cap of 10, not over a cap of 11.
    for (const [max, want] of [[10, released], [11, ['data ab @1']]] as const) {
      const { ev, sink } = rec();
      const d = new TcpDirection(sink, { maxHeldBytes: max });
      d.syn(0);
      d.segment(1, Buffer.from('ab'), 2, false, 1, 1); // in order
      d.segment(5, Buffer.from('0123456789'), 10, false, 2, 2); // held behind a 2-byte hole: 10 bytes
      d.segment(15, Buffer.from('x'), 1, false, 3, 3); // one more byte held
      expect(ev).toEqual(want);
    }
  });

  it('a segment arriving after the peer acknowledged up to its start ends the hole before it at once', () => {
    // ack one short of the segment: the hole may still be filled; ack at or past it: it is lost.
    for (const [ack, lost] of [[8, false], [9, true], [10, true]] as const) {
      const { ev, sink } = rec();
      const d = new TcpDirection(sink);
      d.syn(0);
      d.segment(1, Buffer.from('ab'), 2, false, 1, 1); // 1..2 delivered
      d.segment(12, Buffer.from('zz'), 2, false, 2, 2); // held
      d.acked(ack, 3, 3); // the peer acknowledged up to ack
      d.segment(9, Buffer.from('yyy'), 3, false, 4, 4); // 9..11, behind the hole 3..8
      expect(ev).toEqual(lost ? ['data ab @1', 'gap 6 @4', 'data yyy @4', 'data zz @2'] : ['data ab @1']);
    }
  });
});

describe('a snap-cut segment and the segments captured whole after it (merged captures)', () => {
  const SNAP = 96;
  const BIG = publishPacket('big', Buffer.alloc(2900, 0x40)); // 0x40: reads as PUBACK headers from the middle
  const AFTER = publishPacket('a/after', Buffer.from('x'));

  /**
   * The client sends BIG as one 2908-byte segment (GRO on the host), cut to 96 bytes on
   * interface 0; interface 1 (no snap length) saw it as `pieces` ([offset, length] in
   * BIG), then AFTER, captured whole on both.
   */
  function merged(pieces: [number, number][]) {
    const b = builder();
    const png = new PcapngBuilder().section().iface(1, undefined, SNAP).iface(1);
    for (const r of b.recs) png.epb(1, BigInt(r.timeUs), r.data); // 1-5: handshake, CONNECT, CONNACK
    let t = BigInt(b.recs.at(-1)!.timeUs);
    const big = tcpFrame(CLIENT, SERVER, { seq: b.cs, ack: b.ss, flags: ACK | PSH, payload: BIG });
    png.epb(0, (t += 1000n), big.subarray(0, SNAP), big.length); // 6: BIG, cut at 96 bytes
    for (const [off, len] of pieces) png.epb(1, t, tcpFrame(CLIENT, SERVER, { seq: b.cs + off, ack: b.ss, flags: ACK | PSH, payload: BIG.subarray(off, off + len) })); // 7..: the pieces
    png.epb(1, (t += 1000n), tcpFrame(CLIENT, SERVER, { seq: b.cs + BIG.length, ack: b.ss, flags: ACK | PSH, payload: AFTER })); // then AFTER
    const engine = new RecordingEngine();
    readCaptureBuffer(png.build(), { engine });
    return engine;
  }
  const CUT_AT = SNAP - 54; // payload bytes captured in frame 6 (54 header bytes)

  it('a whole copy, or one of only the tail from the cut on, fills it', () => {
    for (const pieces of [[[0, BIG.length]], [[CUT_AT, BIG.length - CUT_AT]]] as [number, number][][]) {
      const engine = merged(pieces);
      expect(engine.of('gap')).toEqual([]);
      expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('b1'), BIG, AFTER]));
    }
  });

  it('a copy starting one byte after the cut does not: the tail is a gap at the cut frame', () => {
    const engine = merged([[CUT_AT + 1, BIG.length - CUT_AT - 1]]);
    expect(engine.of('gap').map((g) => [g.frame, g.lost])).toEqual([[6, BIG.length - CUT_AT]]);
    expect(engine.stream('c2s').subarray(-AFTER.length)).toEqual(AFTER);
  });

  it('the smaller segments it was made of fill it, in turn', () => {
    const engine = merged([[0, 1000], [1000, 1000], [2000, BIG.length - 2000]]);
    expect(engine.of('gap')).toEqual([]);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('b1'), BIG, AFTER]));
  });

  it('when the last of them is missing, only its bytes are a gap, at the cut frame', () => {
    const engine = merged([[0, 1000], [1000, 1000]]);
    expect(engine.of('gap').map((g) => [g.frame, g.lost])).toEqual([[6, BIG.length - 2000]]);
    expect(engine.stream('c2s').subarray(-AFTER.length)).toEqual(AFTER);
  });
});
