// A capture that starts mid-connection (no SYN) on a TCP keep-alive: one garbage byte at the
// sequence number before the next (Windows sends 0x00), ACK without PSH. It is not data: the
// stream starts after it, as when the peer's ACK gives the sequence number first. It used to be
// passed on, and the framer reported it as a 1-byte stream-gap ("skipped 1 byte(s)").
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { ACK, CLIENT, FIN, PSH, RecordingEngine, SERVER, pcapFile, tcpFrame, type Rec } from './builders.js';

const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** Mid-stream: the client's one-byte segment (flags `flags`) at 1999, the broker ACK, PINGREQ/PINGRESP, FIN. */
function capture(probe: number, flags: number): Buffer {
  const recs: Rec[] = [];
  let t = 1_700_000_000_000_000;
  const c = (seq: number, ack: number, f: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq, ack, flags: f, payload }) });
  const s = (seq: number, ack: number, f: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq, ack, flags: f, payload }) });
  c(1999, 7000, flags, Buffer.from([probe])); // 1: the first frame of the capture, one byte at 1999
  s(7000, 2000, ACK); // 2: broker ACK of it
  c(2000, 7000, ACK | PSH, PINGREQ); // 3: PINGREQ
  s(7000, 2002, ACK | PSH, PINGRESP); // 4: PINGRESP
  c(2002, 7002, FIN | ACK); // 5: client FIN
  s(7002, 2003, FIN | ACK); // 6: broker FIN
  c(2003, 7003, ACK); // 7: last ACK
  return pcapFile(recs);
}

function findings(pcap: Buffer): string[] {
  const recs: OutputRecord[] = [];
  const analyzer = new Analyzer((f) => recs.push(f));
  const engine = new Engine({ onRecord: (r) => recs.push(r), observers: [analyzer] });
  readCaptureBuffer(pcap, { engine });
  return recs.flatMap((r) => (r.kind === 'finding' ? [r.code] : []));
}

describe('a mid-stream capture that starts on a TCP keep-alive', () => {
  for (const probe of [0x00, 0x41]) {
    it(`skips the probe byte 0x${probe.toString(16).padStart(2, '0')} (ACK, no PSH): no stream-gap, the PINGREQ decoded`, () => {
      const pcap = capture(probe, ACK);
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(pcap, { engine });
      expect(res.notes).toEqual([]);
      expect(engine.opens()).toMatchObject([{ midstream: true }]);
      expect(engine.stream('c2s')).toEqual(PINGREQ);
      expect(engine.stream('s2c')).toEqual(PINGRESP);
      expect(engine.of('gap')).toEqual([]);
      expect(engine.of('close')).toMatchObject([{ how: 'fin' }]);
      expect(findings(pcap)).not.toContain('stream-gap');
    });
  }

  it('a one-byte first segment with PSH is data (the end of a write), passed on', () => {
    const engine = new RecordingEngine();
    readCaptureBuffer(capture(0x00, ACK | PSH), { engine });
    expect(engine.stream('c2s')).toEqual(Buffer.concat([Buffer.from([0x00]), PINGREQ]));
  });
});
