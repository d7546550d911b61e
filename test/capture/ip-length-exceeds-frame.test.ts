// A frame captured whole (captured length = length on the wire) whose IP length field claims
// more than the frame holds. tshark flags "IPv4 total length exceeds packet length" and
// decodes what is there. mqttscope took the claim as bytes not captured: a stream-gap, and
// the framer resynced past the next packet, so a SUBSCRIBE tshark decodes was lost.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { ACK, CLIENT, CONNACK, PSH, SERVER, SYN, connectPacket, pcapFile, RecordingEngine, tcpFrame, type Rec } from './builders.js';

const SUBSCRIBE = Buffer.from([
  0x82, // SUBSCRIBE, flags 0010
  0x08, // Remaining Length 8
  0x00, 0x01, // packet id 1
  0x00, 0x03, 0x61, 0x2f, 0x62, // topic filter "a/b"
  0x00, // options: QoS 0
]);
const CONNECT = connectPacket('c1');

function capture(v6: boolean, damage: (ip: Buffer) => void): Buffer {
  const c = v6 ? { host: 'fd00::1', port: 50000 } : CLIENT;
  const s = v6 ? { host: 'fd00::2', port: 1883 } : SERVER;
  let t = 1_700_000_000_000_000;
  const recs: Rec[] = [];
  const add = (a: typeof c, b: typeof c, seq: number, ack: number, flags: number, payload?: Buffer) =>
    recs.push({ timeUs: (t += 1000), data: tcpFrame(a, b, { seq, ack, flags, payload }) });
  add(c, s, 1000, 0, SYN);
  add(s, c, 5000, 1001, SYN | ACK);
  add(c, s, 1001, 5001, ACK);
  add(c, s, 1001, 5001, ACK | PSH, CONNECT);
  add(s, c, 5001, 1001 + CONNECT.length, ACK | PSH, CONNACK);
  add(c, s, 1001 + CONNECT.length, 5005, ACK | PSH, SUBSCRIBE);
  // Frame 4 (the CONNECT): its IP length field damaged; the frame itself is whole.
  damage(recs[3]!.data.subarray(14));
  return pcapFile(recs);
}

describe('an IP length field claiming more than a whole frame holds', () => {
  for (const [name, v6, damage, text] of [
    ['IPv4', false, (ip: Buffer) => ip.writeUInt16BE(ip.readUInt16BE(2) + 100, 2),
      'frame 4: the IPv4 total length (156) claims 100 byte(s) more than the frame holds, yet the frame was captured whole; the length field is wrong, so the captured bytes are taken as the whole packet (tshark: "IPv4 total length exceeds packet length")'],
    ['IPv6', true, (ip: Buffer) => ip.writeUInt16BE(ip.readUInt16BE(4) + 100, 4),
      'frame 4: the IPv6 payload length (136) claims 100 byte(s) more than the frame holds, yet the frame was captured whole; the length field is wrong, so the captured bytes are taken as the whole packet'],
  ] as const) {
    it(`${name}: the captured bytes are the packet, no stream-gap, and the next packet is decoded`, () => {
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(capture(v6, damage), { engine });
      expect(res.notes.map((n) => [n.frame, n.code, n.text])).toEqual([[4, 'ip-length-exceeds-frame', text]]);
      expect(engine.of('gap')).toEqual([]);
      expect(engine.stream('c2s')).toEqual(Buffer.concat([CONNECT, SUBSCRIBE]));
    });
  }
});
