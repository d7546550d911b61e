// A capture that starts mid-connection on a zero-window probe: the sender (Windows does this)
// sends one byte of the data the receiver has no room for, at the next sequence number, without
// PSH. The receiver drops it and acknowledges the sequence number before it (window 0); once its
// window opens, the sender sends the data again from that byte. The first probe looks like a
// TCP keep-alive (one byte, no PSH) and was skipped as one, so the resent data lost its first
// byte (the PUBLISH header) and the stream was misframed. tshark 4.0 decodes the PUBLISH whole
// (it calls the repeated probes keep-alives, as its sequence tracking starts after the first).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { requireBinary } from '../helpers/peers.js';
import { ACK, CLIENT, FIN, PSH, RecordingEngine, SERVER, pcapFile, publishPacket, tcpFrame, type Rec } from './builders.js';

const PUB = publishPacket('zwp/t', Buffer.from('hello'));

/** Mid-stream; the client probes a zero window at 2000 `probes` times, then sends the PUBLISH from 2000. */
function capture(probes: number, keepAlive = false): Buffer {
  const recs: Rec[] = [];
  let t = 1_700_000_000_000_000;
  const c = (seq: number, ack: number, f: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq, ack, flags: f, payload }) });
  const s = (seq: number, ack: number, f: number, window: number) => recs.push({ timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq, ack, flags: f, window }) });
  for (let i = 0; i < probes; i++) {
    if (keepAlive) c(1999, 7000, ACK, Buffer.from([0x00])); // a keep-alive: one byte at 1999, one below the next byte
    else c(2000, 7000, ACK, PUB.subarray(0, 1)); // a zero-window probe: the PUBLISH first byte, at 2000, no PSH
    s(7000, 2000, ACK, keepAlive ? 65535 : 0); // broker ACK of 2000: the probe byte not taken (window 0)
  }
  if (!keepAlive) s(7000, 2000, ACK, 65535); // window update: room again
  c(2000, 7000, ACK | PSH, PUB); // the PUBLISH, from 2000 (its first byte again)
  s(7000, 2000 + PUB.length, ACK, 65535); // broker ACK
  c(2000 + PUB.length, 7000, FIN | ACK); // client FIN
  s(7000, 2001 + PUB.length, FIN | ACK, 65535); // broker FIN
  c(2001 + PUB.length, 7001, ACK); // last ACK
  return pcapFile(recs);
}

describe('a mid-stream capture that starts on a zero-window probe', () => {
  for (const probes of [1, 3]) {
    it(`keeps the probed byte when the data is resent from it (${probes} probe(s))`, () => {
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(capture(probes), { engine });
      expect(res.notes).toEqual([]);
      expect(engine.stream('c2s')).toEqual(PUB);
      expect(engine.of('gap')).toEqual([]);
      expect(engine.of('close')).toMatchObject([{ how: 'fin' }]);
    });
  }

  it('a keep-alive (one byte below the next, acknowledged past it) is still skipped', () => {
    const engine = new RecordingEngine();
    readCaptureBuffer(capture(2, true), { engine });
    // The keep-alive is at 1999 here and the PUBLISH at 2000.
    expect(engine.stream('c2s')).toEqual(PUB);
    expect(engine.of('gap')).toEqual([]);
  });

  it('tshark 4.0 decodes the PUBLISH whole, its topic from the first byte on', () => {
    const tshark = requireBinary('tshark');
    const dir = mkdtempSync(join(tmpdir(), 'zwp-'));
    const f = join(dir, 'zwp.pcap');
    writeFileSync(f, capture(3));
    let out: string;
    try {
      out = execFileSync(tshark, ['-r', f, '-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype', '-e', 'mqtt.topic'], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rows = out.trim().split('\n').map((l) => l.split('\t')).filter((r) => (r[1] ?? '') !== '');
    // Frame 8: the resent data, one PUBLISH (type 3) on topic zwp/t.
    expect(rows).toEqual([['8', '3', 'zwp/t']]);
  });
});
