// TCP keep-alives that carry one garbage byte (Windows sends 0x00) at the sequence
// number before the next byte (tshark: "TCP Keep-Alive") were compared with the last
// delivered byte as if retransmitted: a tcp-retransmission-differs warning, and
// `read` exited 1 on a sound capture of an idle Windows client.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { ACK, CLIENT, CONNACK, connectPacket, FIN, pcapFile, PSH, RecordingEngine, SERVER, SYN, tcpFrame, type Rec } from './builders.js';

const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** CONNECT/CONNACK, an idle spell with keep-alives from both sides, PINGREQ/PINGRESP, FIN. `probe` is the keep-alive byte. */
function idleConversation(probe: number): Buffer {
  const recs: Rec[] = [];
  let t = 1_700_000_000_000_000;
  const c = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq, ack, flags, payload }) });
  const s = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq, ack, flags, payload }) });
  const connect = connectPacket('win');
  c(1000, 0, SYN); // 1
  s(5000, 1001, SYN | ACK); // 2
  c(1001, 5001, ACK); // 3
  c(1001, 5001, ACK | PSH, connect); // 4
  let cs = 1001 + connect.length;
  s(5001, cs, ACK | PSH, CONNACK); // 5
  let ss = 5001 + CONNACK.length;
  c(cs, ss, ACK); // 6
  t += 30_000_000;
  c(cs - 1, ss, ACK, Buffer.from([probe])); // 7: client keep-alive, one byte at seq - 1
  s(ss, cs, ACK); // 8: its ACK
  c(cs, ss, ACK | PSH, PINGREQ); // 9
  cs += 2;
  s(ss, cs, ACK | PSH, PINGRESP); // 10
  ss += 2;
  s(ss - 1, cs, ACK, Buffer.from([probe])); // 11: broker keep-alive
  c(cs, ss, ACK); // 12
  c(cs, ss, FIN | ACK); // 13
  s(ss, cs + 1, FIN | ACK); // 14
  c(cs + 1, ss + 1, ACK); // 15
  return pcapFile(recs);
}

describe('TCP keep-alive segments with one garbage byte', () => {
  for (const probe of [0x00, 0x41]) {
    it(`are not retransmissions that differ (probe byte 0x${probe.toString(16).padStart(2, '0')}): no note, no error, the stream intact`, () => {
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(idleConversation(probe), { engine });
      expect(res.notes).toEqual([]);
      expect(res.hadErrors).toBe(false);
      expect(engine.of('gap')).toEqual([]);
      expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('win'), PINGREQ]));
      expect(engine.stream('s2c')).toEqual(Buffer.concat([CONNACK, PINGRESP]));
      expect(engine.of('close')).toMatchObject([{ how: 'fin' }]);
    });
  }
});
