// Classic pcap records of raw IPv4 (link type 101), built fast and without
// checksums (the reader does not check them): hostile captures need hundreds of
// thousands of segments, which the general builders in test/capture make slowly.

export const SYN = 0x02, ACK = 0x10, PSH = 0x08, RST = 0x04;

/** The 24-byte file header: microseconds, little-endian, LINKTYPE_RAW. */
export function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); // magic: microseconds, little-endian
  h.writeUInt16LE(2, 4); // version 2.4
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262_144, 16); // snap length
  h.writeUInt32LE(101, 20); // LINKTYPE_RAW
  return h;
}

/** One record: a TCP segment from src:sport to dst:dport (IPv4 addresses as numbers) at `us` microseconds. */
export function segment(us: number, src: number, sport: number, dst: number, dport: number, seq: number, ack: number, flags: number, payload = Buffer.alloc(0)): Buffer {
  const f = Buffer.alloc(16 + 40 + payload.length);
  f.writeUInt32LE(Math.floor(us / 1e6), 0); // ts_sec
  f.writeUInt32LE(us % 1e6, 4); // ts_usec
  f.writeUInt32LE(40 + payload.length, 8); // incl_len
  f.writeUInt32LE(40 + payload.length, 12); // orig_len
  f[16] = 0x45; // IPv4, 5-word header
  f.writeUInt16BE(40 + payload.length, 18); // total length
  f[24] = 64; // TTL
  f[25] = 6; // protocol TCP
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
