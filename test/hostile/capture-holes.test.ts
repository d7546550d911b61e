// Out-of-order segments behind a hole that is never filled, on many connections
// at once: each direction holds at most 4 MiB, but the capture's connections
// together are capped too (TcpReassemblyOptions.shared), or a capture of
// 65,536 such connections makes the reader hold 256 GiB (as much as the file
// carries: 200 connections of 1.4 MB held 280 MB).
import { describe, expect, it } from 'vitest';
import { createCaptureReader } from '../../src/capture/read-capture.js';
import type { HeldPool } from '../../src/capture/tcp-reassembly.js';
import { RecordingEngine } from '../capture/builders.js';
import { ACK, pcapHeader, PSH, RST, segment, SYN } from './raw-pcap.js';

const CLIENT = 0x0a000001, BROKER = 0x0a000002;
const T0 = 1_700_000_000_000_000;

/**
 * Connection i: a handshake, then `segs` segments of 1,000 bytes of PINGREQs that
 * all lie behind a 2-byte hole (the first PINGREQ is never captured).
 */
function holdingConnection(i: number, segs: number, t: number): Buffer[] {
  const port = 30_000 + i;
  const out = [
    segment(t, CLIENT, port, BROKER, 1883, 1000, 0, SYN),
    segment(t + 1, BROKER, 1883, CLIENT, port, 5000, 1001, SYN | ACK),
  ];
  const ping = Buffer.alloc(1000).fill(Buffer.from([0xc0, 0x00])); // 500 PINGREQs
  for (let k = 0; k < segs; k++) out.push(segment(t + 2 + k, CLIENT, port, BROKER, 1883, 1003 + k * 1000, 5001, ACK | PSH, ping));
  return out;
}

describe('segments held behind holes on many connections', () => {
  it('past the shared limit, the connection adding more gives up on its hole (a gap now), so the total held stays capped', () => {
    const pool: HeldPool = { limit: 1_000_000, used: 0 };
    const engine = new RecordingEngine();
    const reader = createCaptureReader({ engine, reassembly: { shared: pool } });
    reader.push(pcapHeader());
    let peak = 0;
    const N = 40;
    for (let i = 0; i < N; i++) {
      for (const rec of holdingConnection(i, 100, T0 + i * 1000)) reader.push(rec);
      peak = Math.max(peak, pool.used);
    }
    // 40 connections × 100 KB behind holes: 4 MB without the shared limit; at most the limit and a segment with it.
    expect(peak).toBeLessThanOrEqual(1_000_000 + 1000);
    const gapsBeforeEnd = engine.of('gap').length;
    // The first connections fit (10 of 100 KB); the rest each gave up on their hole once the pool was full.
    expect(gapsBeforeEnd).toBeGreaterThanOrEqual(N - 11);
    expect(gapsBeforeEnd).toBeLessThanOrEqual(N);
    reader.end();
    expect(pool.used).toBe(0);
    // Every connection's held bytes were delivered after its gap: 100 segments of 500 PINGREQs each.
    for (let i = 0; i < N; i++) expect(engine.stream('c2s', `10.0.0.1:${30_000 + i}-10.0.0.2:1883`).length).toBe(100 * 1000);
    expect(engine.of('gap').every((g) => g.lost === 2)).toBe(true);
  });

  it('a connection reset while it holds segments gives its share back at once', () => {
    const pool: HeldPool = { limit: 10_000_000, used: 0 };
    const engine = new RecordingEngine();
    const reader = createCaptureReader({ engine, reassembly: { shared: pool } });
    reader.push(pcapHeader());
    for (const rec of holdingConnection(0, 50, T0)) reader.push(rec);
    expect(pool.used).toBe(50_000);
    reader.push(segment(T0 + 100, BROKER, 1883, CLIENT, 30_000, 5001, 1001, RST | ACK));
    expect(pool.used).toBe(0);
    reader.end();
    expect(pool.used).toBe(0);
  });
});
