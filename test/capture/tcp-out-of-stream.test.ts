// Bytes a TCP segment carries that are no part of the stream. (1) Data on a RST is a
// diagnostic text [RFC 9293 3.5.3]; tshark shows it as the reset cause, not as MQTT. It used
// to be framed as MQTT (a bogus PUBREL and a stream-gap). (2) A segment far ahead of the
// stream (out of window: damaged sequence number, stray or injected segment) was held and,
// when the connection closed with FIN, delivered after a hole of about 2^30 bytes: a huge
// stream-gap and garbage framed as MQTT. A receiver drops it; bytes past the FIN are not
// stream bytes.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { ACK, CLIENT, CONNACK, FIN, PSH, RST, SERVER, SYN, connectPacket, pcapFile, publishPacket, RecordingEngine, tcpFrame, type Rec } from './builders.js';

const C = 1000;
const S = 5000;
const CONNECT = connectPacket('c1');
const P1 = publishPacket('a/b', Buffer.from('hello'));
const P2 = publishPacket('a/b', Buffer.from('world'));

/** Frames in order; seq/ack given per frame. */
function frames(list: { dir: 'c2s' | 's2c'; seq: number; ack: number; flags: number; payload?: Buffer }[]): Rec[] {
  let t = 1_700_000_000_000_000;
  return list.map((f) => ({
    timeUs: (t += 1000),
    data: f.dir === 'c2s'
      ? tcpFrame(CLIENT, SERVER, { seq: f.seq >>> 0, ack: f.ack >>> 0, flags: f.flags, payload: f.payload })
      : tcpFrame(SERVER, CLIENT, { seq: f.seq >>> 0, ack: f.ack >>> 0, flags: f.flags, payload: f.payload }),
  }));
}

/** Handshake, CONNECT (frame 4), CONNACK (frame 5). Client next seq: C + 1 + CONNECT.length. */
const OPEN = [
  { dir: 'c2s' as const, seq: C, ack: 0, flags: SYN },
  { dir: 's2c' as const, seq: S, ack: C + 1, flags: SYN | ACK },
  { dir: 'c2s' as const, seq: C + 1, ack: S + 1, flags: ACK },
  { dir: 'c2s' as const, seq: C + 1, ack: S + 1, flags: ACK | PSH, payload: CONNECT },
  { dir: 's2c' as const, seq: S + 1, ack: C + 1 + CONNECT.length, flags: ACK | PSH, payload: CONNACK },
];
const CS = C + 1 + CONNECT.length;
const SS = S + 1 + CONNACK.length;

describe('bytes on a TCP segment that are not stream data', () => {
  it('the diagnostic text on a RST is not decoded as MQTT', () => {
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(frames([
      ...OPEN,
      { dir: 'c2s', seq: CS, ack: SS, flags: ACK | PSH, payload: P1 },
      { dir: 's2c', seq: SS, ack: CS + P1.length, flags: RST | ACK, payload: Buffer.from('connection reset diag') },
    ])), { engine });
    expect(engine.stream('s2c')).toEqual(CONNACK);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([CONNECT, P1]));
    expect(engine.of('gap')).toEqual([]);
    expect(engine.of('close').map((e) => e.how)).toEqual(['reset']);
    expect(res.hadErrors).toBe(false);
  });

  it('a segment far past the FIN (out of window) is dropped, with no gap', () => {
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(frames([
      ...OPEN,
      { dir: 'c2s', seq: CS + 0x40000000, ack: SS, flags: ACK | PSH, payload: Buffer.from('garbage!!') },
      { dir: 'c2s', seq: CS, ack: SS, flags: ACK | PSH, payload: P1 },
      { dir: 's2c', seq: SS, ack: CS + P1.length, flags: ACK },
      { dir: 'c2s', seq: CS + P1.length, ack: SS, flags: ACK | PSH, payload: P2 },
      { dir: 'c2s', seq: CS + P1.length + P2.length, ack: SS, flags: FIN | ACK },
      { dir: 's2c', seq: SS, ack: CS + P1.length + P2.length + 1, flags: FIN | ACK },
      { dir: 'c2s', seq: CS + P1.length + P2.length + 1, ack: SS + 1, flags: ACK },
    ])), { engine });
    expect(engine.stream('c2s')).toEqual(Buffer.concat([CONNECT, P1, P2]));
    expect(engine.of('gap')).toEqual([]);
    expect(engine.of('close').map((e) => e.how)).toEqual(['fin']);
    expect(res.hadErrors).toBe(false);
  });

  it('a held segment that runs past the FIN keeps only its bytes before the FIN', () => {
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(frames([
      ...OPEN,
      // P1 is never captured; P2 with 3 bytes past the end of the stream is held behind it.
      { dir: 'c2s', seq: CS + P1.length, ack: SS, flags: ACK | PSH, payload: Buffer.concat([P2, Buffer.from('xyz')]) },
      // The FIN says the stream ends right after P2.
      { dir: 'c2s', seq: CS + P1.length + P2.length, ack: SS, flags: FIN | ACK },
    ])), { engine });
    expect(engine.stream('c2s')).toEqual(Buffer.concat([CONNECT, P2]));
    expect(engine.of('gap').map((g) => g.lost)).toEqual([P1.length]);
  });
});
