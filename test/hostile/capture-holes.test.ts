// Out-of-order segments behind a hole that is never filled, on many connections
// at once: each direction holds at most 4 MiB, but the capture's connections
// together are capped too (TcpReassemblyOptions.shared), or a capture of
// 65,536 such connections makes the reader hold 256 GiB (as much as the file
// carries: 200 connections of 1.4 MB held 280 MB).
import { describe, expect, it } from 'vitest';
import { createCaptureReader } from '../../src/capture/read-capture.js';
import type { HeldPool } from '../../src/capture/tcp-reassembly.js';
import { RecordingEngine } from '../capture/builders.js';

const SYN = 0x02, ACK = 0x10, PSH = 0x08, RST = 0x04;

/** Classic pcap records of raw IPv4 (link type 101), without checksums (the reader does not check them). */
function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); // magic: microseconds, little-endian
  h.writeUInt16LE(2, 4); // version 2.4
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262_144, 16); // snap length
  h.writeUInt32LE(101, 20); // LINKTYPE_RAW
  return h;
}

function segment(us: number, src: number, sport: number, dst: number, dport: number, seq: number, ack: number, flags: number, payload = Buffer.alloc(0)): Buffer {
  const f = Buffer.alloc(16 + 40 + payload.length);
  f.writeUInt32LE(Math.floor(us / 1e6), 0); // ts_sec
  f.writeUInt32LE(us % 1e6, 4); // ts_usec
  f.writeUInt32LE(40 + payload.length, 8); // incl_len
  f.writeUInt32LE(40 + payload.length, 12); // orig_len
  f[16] = 0x45; // IPv4, 5-word header
  f.writeUInt16BE(40 + payload.length, 18); // total length
  f[24] = 64; // TTL
  f[25] = 6; // TCP
  f.writeUInt32BE(src >>> 0, 28);
  f.writeUInt32BE(dst >>> 0, 32);
  f.writeUInt16BE(sport, 36);
  f.writeUInt16BE(dport, 38);
  f.writeUInt32BE(seq >>> 0, 40);
  f.writeUInt32BE(ack >>> 0, 44);
  f[48] = 0x50; // data offset 5 words
  f[49] = flags;
  f.writeUInt16BE(65_535, 50); // window
  payload.copy(f, 56);
  return f;
}

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
