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
import { ACK, CLIENT, CONNACK, FIN, PSH, RecordingEngine, SERVER, SYN, connectPacket, pcapFile, publishPacket, tcpFrame, type Rec } from './builders.js';

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
    it(`is one hole at the FIN frame, as tshark shows it, and the connection closes (broker ack = FIN seq ${d < 0 ? '- 1' : d > 0 ? '+ 1' : ''})`, () => {
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
