// Hostile captures with more TCP connections than the reader tracks at once
// (CaptureSession's maxConnections, 65,536 by default): making room must not
// cost a walk over every tracked connection per new one, and a decoded MQTT
// connection dropped to make room says why.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import type { CaptureNote } from '../../src/capture/notes.js';
import { RecordingEngine } from '../capture/builders.js';
import { ACK, pcapHeader, PSH, segment, SYN } from './raw-pcap.js';

/** A whole capture: the header, then the segments added. */
class RawPcap {
  private readonly parts: Buffer[] = [pcapHeader()];

  /** One TCP segment from src:sport to dst:dport at `us` microseconds. */
  tcp(us: number, src: number, sport: number, dst: number, dport: number, seq: number, ack: number, flags: number, payload = Buffer.alloc(0)): void {
    this.parts.push(segment(us, src, sport, dst, dport, seq, ack, flags, payload));
  }

  file(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const BROKER = 0x0a000002; // 10.0.0.2, port 1883
const T0 = 1_700_000_000_000_000;

describe('a capture with more connections than are tracked at once', () => {
  it('80,000 SYN-only connections read in seconds, not minutes (making room frees a batch per walk)', () => {
    const pcap = new RawPcap();
    const N = 80_000;
    // Every client port of 10.1.x.y to 1883, one SYN each, never answered.
    for (let i = 0; i < N; i++) pcap.tcp(T0 + i * 10, 0x0a010000 + Math.floor(i / 40_000), 1024 + (i % 40_000), BROKER, 1883, 1000, 0, SYN);
    const file = pcap.file();
    const engine = new RecordingEngine();
    const t = performance.now();
    const res = readCaptureBuffer(file, { engine });
    const ms = performance.now() - t;
    expect(res.stats.frames).toBe(N);
    // Evicting one connection per new one walked all 65,536 each time: 44 s here.
    // A batch per walk: well under a second; 10 s leaves room for a loaded machine.
    expect(ms).toBeLessThan(10_000);
    expect(engine.opens()).toHaveLength(0); // no bytes, nothing decoded
  }, 60_000);

  it('an MQTT connection dropped to make room says that the capture had too many connections open, and its engine connection is ended', () => {
    const pcap = new RawPcap();
    const N = 40;
    const connect = Buffer.from('101000044d5154540402003c000461626364', 'hex'); // CONNECT, MQTT 3.1.1, client id "abcd"
    for (let i = 0; i < N; i++) {
      const cli = 0x0a010001;
      const port = 20_000 + i;
      const t = T0 + i * 1_000_000; // one a second: the earlier ones are the least recently active
      pcap.tcp(t, cli, port, BROKER, 1883, 1000, 0, SYN);
      pcap.tcp(t + 1, BROKER, 1883, cli, port, 5000, 1001, SYN | ACK);
      pcap.tcp(t + 2, cli, port, BROKER, 1883, 1001, 5001, ACK);
      pcap.tcp(t + 3, cli, port, BROKER, 1883, 1001, 5001, ACK | PSH, connect);
    }
    const engine = new RecordingEngine();
    const notes: CaptureNote[] = [];
    readCaptureBuffer(pcap.file(), { engine, maxConnections: 16, onNote: (n) => notes.push(n) });
    expect(engine.opens()).toHaveLength(N);
    const dropped = notes.filter((n) => n.code === 'connection-idle');
    // Room for each new one past 16 (a batch is 1/16 of the cap: one here), the least recently active first.
    expect(dropped.length).toBe(N - 16);
    expect(dropped[0]!.text).toMatch(/^connection 10\.1\.0\.1:20000-10\.0\.0\.2:1883 is no longer tracked: more than 16 TCP connections were open at once in the capture, and it was among the least recently active \(no traffic for \d+ s of capture time\)/);
    // Not the idle timeout's wording: the connection was not idle for 2 hours.
    expect(dropped.some((n) => /had no traffic for/.test(n.text))).toBe(false);
    const closes = engine.of('close');
    // The 24 dropped ones are closed when dropped; the 16 kept ones are left to the engine's end().
    expect(closes.slice(0, N - 16).map((c) => c.id)).toEqual(Array.from({ length: N - 16 }, (_, i) => `10.1.0.1:${20_000 + i}-10.0.0.2:1883`));
    expect(closes).toHaveLength(N - 16);
    expect(closes.every((c) => c.how === 'end')).toBe(true);
    expect(engine.of('end')).toHaveLength(1);
  });
});
