import { describe, expect, it } from 'vitest';
import { CaptureParser, type CaptureFrame } from '../../src/capture/capture-parser.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import type { CaptureNote } from '../../src/capture/notes.js';
import { ipv4Packet } from '../../src/capture/frame-builder.js';
import {
  ACK, CLIENT, CONNACK, PSH, PcapngBuilder, RecordingEngine, SERVER, connectPacket, conversation, fragmentIPv4,
  ipOnly, nullLink, pcapFile, publishPacket, sll, sll2, tcpFrame,
} from './builders.js';

function parse(buf: Buffer, chunk = buf.length): { frames: CaptureFrame[]; notes: CaptureNote[] } {
  const frames: CaptureFrame[] = [];
  const notes: CaptureNote[] = [];
  const p = new CaptureParser({ onFrame: (f) => frames.push(f), onNote: (n) => notes.push(n) });
  for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk));
  p.end();
  return { frames, notes };
}

const T = 1_700_000_000_123_456;

describe('classic pcap', () => {
  for (const nanos of [false, true]) {
    for (const be of [false, true]) {
      it(`${nanos ? 'ns' : 'µs'} magic, ${be ? 'big' : 'little'}-endian, chunks of 7 bytes`, () => {
        const recs = [{ timeUs: T, data: Buffer.from('hello frame') }, { timeUs: T + 1, data: Buffer.from('second') }];
        const { frames, notes } = parse(pcapFile(recs, { nanos, be, linkType: 1 }), 7);
        expect(notes).toEqual([]);
        expect(frames.map((f) => [f.frame, f.timeUs, f.linkType, f.data.toString(), f.origLen, f.truncated])).toEqual([
          [1, T, 1, 'hello frame', 11, false],
          [2, T + 1, 1, 'second', 6, false],
        ]);
      });
    }
  }

  it('hands out stable copies even when the caller reuses its buffer', () => {
    const file = pcapFile([{ timeUs: T, data: Buffer.from('abcdef') }, { timeUs: T, data: Buffer.from('ghijkl') }]);
    const frames: CaptureFrame[] = [];
    const p = new CaptureParser({ onFrame: (f) => frames.push(f) });
    const reused = Buffer.alloc(5);
    for (let i = 0; i < file.length; i += 5) {
      const n = file.copy(reused, 0, i, i + 5);
      p.push(reused.subarray(0, n));
    }
    p.end();
    expect(frames.map((f) => f.data.toString())).toEqual(['abcdef', 'ghijkl']);
  });

  it('reports a truncated final record and keeps earlier frames', () => {
    const file = pcapFile([{ timeUs: T, data: Buffer.from('complete') }, { timeUs: T, data: Buffer.from('cut short here') }]);
    const { frames, notes } = parse(file.subarray(0, file.length - 5));
    expect(frames).toHaveLength(1);
    expect(notes).toMatchObject([{ frame: 2, severity: 'warn', code: 'truncated-record' }]);
  });

  it('flags caplen < origlen', () => {
    const { frames, notes } = parse(pcapFile([{ timeUs: T, data: Buffer.from('abc'), origLen: 100 }]));
    expect(frames[0]).toMatchObject({ truncated: true, origLen: 100 });
    expect(notes).toMatchObject([{ frame: 1, code: 'snaplen-truncated' }]);
  });

  it('rejects a file that is not a capture with a note', () => {
    const { notes } = parse(Buffer.from('this is not a capture at all'));
    expect(notes[0]).toMatchObject({ code: 'not-a-capture', severity: 'error' });
  });
});

describe('pcapng', () => {
  it('two sections (both byte orders), two interfaces with different link types and tsresol, EPB/SPB/PB, unknown block', () => {
    const b = new PcapngBuilder()
      .section(false)
      .iface(1, 6) // Ethernet, µs
      .iface(101, 9) // raw IP, ns
      .epb(0, 1_700_000_000_000_001n, Buffer.from('eth-1'))
      .epb(1, 1_700_000_000_000_002_999n, Buffer.from('raw-2'))
      .unknown(0x12345678)
      .spb(Buffer.from('spb-3'))
      .section(true)
      .iface(113, 0x80 | 20) // SLL, 2^-20 s
      .pb(0, (1_700_000_000n << 20n) + (1n << 19n), Buffer.from('pb-4'))
      .epb(0, 1_700_000_001n << 20n, Buffer.from('epb-5'), 50)
      .build();
    for (const chunk of [b.length, 3, 64]) {
      const { frames, notes } = parse(b, chunk);
      expect(frames.map((f) => [f.frame, f.linkType, f.data.toString(), f.timeUs, f.interfaceId])).toEqual([
        [1, 1, 'eth-1', 1_700_000_000_000_001, 0],
        [2, 101, 'raw-2', 1_700_000_000_000_002, 1],
        [3, 1, 'spb-3', 1_700_000_000_000_002, 0],
        [4, 113, 'pb-4', 1_700_000_000_500_000, 0],
        [5, 113, 'epb-5', 1_700_000_001_000_000, 0],
      ]);
      expect(frames[4]!.truncated).toBe(true);
      expect(notes.map((n) => [n.code, n.frame, n.severity])).toEqual([
        ['unknown-block', 3, 'info'],
        ['snaplen-truncated', 5, 'warn'],
      ]);
    }
  });

  it('defaults to microseconds without if_tsresol and reports a truncated block', () => {
    const b = new PcapngBuilder().section().iface(1).epb(0, 42n, Buffer.from('x')).epb(0, 43n, Buffer.from('y')).build();
    const { frames, notes } = parse(b.subarray(0, b.length - 3));
    expect(frames.map((f) => f.timeUs)).toEqual([42]);
    expect(notes).toMatchObject([{ code: 'truncated-record', frame: 2 }]);
  });
});

/** Read a capture of one conversation and return the recorded engine calls. */
function readConv(recs: ReturnType<typeof conversation>, linkType: number) {
  const engine = new RecordingEngine();
  const res = readCaptureBuffer(pcapFile(recs, { linkType }), { engine });
  return { engine, res };
}

const CHUNKS = [
  { dir: 'c2s' as const, bytes: connectPacket('lt') },
  { dir: 's2c' as const, bytes: CONNACK },
  { dir: 'c2s' as const, bytes: publishPacket('a/b', Buffer.from('hi')) },
];

describe('link layers', () => {
  const cases: [string, number, (ip: Buffer) => Buffer][] = [
    ['Linux SLL', 113, (ip) => sll(ip)],
    ['Linux SLL2', 276, (ip) => sll2(ip)],
    ['raw IP (101)', 101, (ip) => ip],
    ['raw IPv4 (228)', 228, (ip) => ip],
    ['BSD NULL little-endian', 0, (ip) => nullLink(ip, 2, false)],
    ['BSD NULL big-endian', 0, (ip) => nullLink(ip, 2, true)],
    ['OpenBSD LOOP', 108, (ip) => nullLink(ip, 2, true)],
  ];
  for (const [name, lt, wrap] of cases) {
    it(name, () => {
      const { engine, res } = readConv(conversation(CHUNKS, { wrap }), lt);
      expect(res.notes).toEqual([]);
      expect(engine.opens()).toHaveLength(1);
      expect(engine.stream('c2s')).toEqual(Buffer.concat([CHUNKS[0]!.bytes, CHUNKS[2]!.bytes]));
      expect(engine.stream('s2c')).toEqual(CONNACK);
      expect(engine.of('close')).toMatchObject([{ how: 'fin' }]);
    });
  }

  it('Ethernet with 802.1Q and QinQ tags', () => {
    for (const vlans of [[10], [100, 200]]) {
      const recs = conversation(CHUNKS).map((r) => ({ ...r, data: retag(r.data, vlans) }));
      const { engine, res } = readConv(recs, 1);
      expect(res.notes).toEqual([]);
      expect(engine.stream('c2s').length).toBe(CHUNKS[0]!.bytes.length + CHUNKS[2]!.bytes.length);
    }
  });

  it('IPv6 with an extension header (raw 229 and Ethernet)', () => {
    const c = { host: 'fd00::1', port: 40000 };
    const s = { host: 'fd00::2', port: 1883 };
    const withHopByHop = (ip: Buffer) => {
      // Insert an 8-byte hop-by-hop header after the fixed IPv6 header.
      const h = Buffer.from(ip.subarray(0, 40));
      h.writeUInt16BE(ip.readUInt16BE(4) + 8, 4);
      const ext = Buffer.from([6, 0, 1, 4, 0, 0, 0, 0]);
      h[6] = 0;
      return Buffer.concat([h, ext, ip.subarray(40)]);
    };
    const { engine, res } = readConv(conversation(CHUNKS, { client: c, server: s, wrap: withHopByHop }), 229);
    expect(res.notes).toEqual([]);
    expect(engine.opens()[0]!.meta.id).toBe('[fd00::1]:40000-[fd00::2]:1883');
    expect(engine.stream('s2c')).toEqual(CONNACK);
    const eth = readConv(conversation(CHUNKS, { client: c, server: s }), 1);
    expect(eth.engine.stream('c2s').length).toBe(CHUNKS[0]!.bytes.length + CHUNKS[2]!.bytes.length);
  });

  it('unsupported link type: a note with the frame number, reading continues', () => {
    const recs = conversation(CHUNKS);
    const file = Buffer.concat([
      pcapFile(recs.slice(0, 2), { linkType: 1 }),
    ]);
    // pcap has one link type per file: use pcapng with a second interface of type 147 (user 0).
    const b = new PcapngBuilder().section().iface(1, 6).iface(147, 6);
    recs.forEach((r, i) => {
      b.epb(0, BigInt(r.timeUs), r.data);
      if (i === 1) b.epb(1, BigInt(r.timeUs), Buffer.from('whatever'));
    });
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(b.build(), { engine });
    expect(file.length).toBeGreaterThan(0);
    expect(res.notes).toMatchObject([
      { frame: 3, code: 'unsupported-link-type', severity: 'warn' },
      { code: 'unsupported-link-type-frames', severity: 'info', text: 'link type 147 (USER0): 1 frame skipped in all, frame 3' },
    ]);
    expect(res.hadErrors).toBe(true);
    expect(engine.stream('s2c')).toEqual(CONNACK);
  });

  it('IPv4 fragments are reassembled; an incomplete set is flagged', () => {
    const payload = publishPacket('frag/topic', Buffer.alloc(3000, 7));
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('f') }], { fin: false });
    const big = ipOnly(CLIENT, SERVER, { seq: 1001 + connectPacket('f').length, ack: 5001, flags: ACK | PSH, payload });
    const frags = fragmentIPv4(big, 1480);
    expect(frags.length).toBe(3);
    const t = recs.at(-1)!.timeUs;
    // Out of order fragments.
    const all = [...recs.map((r) => ({ ...r, data: r.data.subarray(14) })), ...[frags[2]!, frags[0]!, frags[1]!].map((d) => ({ timeUs: t + 5, data: d }))];
    const { engine, res } = readConv(all, 101);
    expect(res.notes).toEqual([]);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('f'), payload]));

    const missing = [...recs.map((r) => ({ ...r, data: r.data.subarray(14) })), { timeUs: t + 5, data: frags[0]! }];
    const r2 = readConv(missing, 101);
    expect(r2.res.notes).toMatchObject([{ code: 'ip-fragment-incomplete', frame: recs.length + 1 }]);
  });

  it('ignores Ethernet padding after the IP packet', () => {
    const recs = conversation(CHUNKS).map((r) => ({ ...r, data: Buffer.concat([r.data, Buffer.alloc(6, 0xee)]) }));
    const { engine } = readConv(recs, 1);
    expect(engine.stream('s2c')).toEqual(CONNACK);
  });

  it('non-TCP IP traffic is skipped silently', () => {
    const udp = ipv4Packet('10.0.0.1', '10.0.0.2', 17, Buffer.alloc(12));
    const { res } = readConv([{ timeUs: T, data: udp }], 101);
    expect(res.notes).toEqual([]);
    expect(res.stats.tcpSegments).toBe(0);
  });
});

function retag(frame: Buffer, vlans: number[]): Buffer {
  const tags = vlans.map((v, i) => Buffer.from([i === 0 && vlans.length > 1 ? 0x88 : 0x81, i === 0 && vlans.length > 1 ? 0xa8 : 0x00, v >> 8, v & 0xff]));
  return Buffer.concat([frame.subarray(0, 12), ...tags, frame.subarray(12)]);
}

describe('frames cut by the snap length', () => {
  it('a note names the frame, the bytes captured of how many and the snap length; the next packet is decoded', () => {
    const big = publishPacket('t', Buffer.alloc(200, 1));
    const small = publishPacket('t', Buffer.from('after'));
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('s') }, { dir: 'c2s', bytes: big }, { dir: 'c2s', bytes: small }]);
    const cut = recs.map((r) => (r.data.length > 96 ? { ...r, data: r.data.subarray(0, 96), origLen: r.data.length } : r));
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(cut, { snap: 96 }), { engine });
    const wire = recs[4]!.data.length;
    expect(res.notes.map((n) => [n.frame, n.severity, n.code])).toEqual([[5, 'warn', 'snaplen-truncated']]);
    expect(res.notes[0]!.text).toBe(
      `frame 5: only 96 of ${wire} bytes were captured (cut by the capture's snap length of 96 bytes); `
      + `the last ${wire - 96} byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)`,
    );
    expect(engine.of('gap').map((g) => [g.frame, g.lost])).toEqual([[5, wire - 96]]);
    // Decoding carries on: the next PUBLISH arrives whole after the gap.
    expect(engine.stream('c2s').subarray(-small.length)).toEqual(small);
    expect(res.hadErrors).toBe(true);
  });

  it('pcapng: the snap length is the interface\'s; a record cut below it or without one says so', () => {
    const frame = Buffer.alloc(120, 7);
    const b = new PcapngBuilder().section()
      .iface(1, 6, 64).iface(1, 6, 0).iface(1, 6, 262144)
      .epb(0, 1n, frame.subarray(0, 64), 120)
      .epb(1, 2n, frame.subarray(0, 80), 120)
      .epb(2, 3n, frame.subarray(0, 72), 120)
      .build();
    const { notes } = parse(b);
    expect(notes.map((n) => n.text)).toEqual([
      'frame 1: only 64 of 120 bytes were captured (cut by the capture\'s snap length of 64 bytes); the last 56 byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)',
      'frame 2: only 80 of 120 bytes were captured (the capture sets no snap length, so the record was cut when the file was written or edited); the last 40 byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)',
      'frame 3: only 72 of 120 bytes were captured (cut when the file was written or edited, e.g. by editcap -s: below the capture\'s snap length of 262144 bytes); the last 48 byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)',
    ]);
  });

  it('a snap length that cuts the TCP header: the header note points at the snaplen-truncated note of its frame', () => {
    const recs = conversation([{ dir: 'c2s', bytes: connectPacket('h') }]);
    const cut = recs.map((r) => ({ ...r, data: r.data.subarray(0, 40), origLen: r.data.length }));
    const res = readCaptureBuffer(pcapFile(cut, { snap: 40 }), { engine: new RecordingEngine() });
    expect(res.notes.slice(0, 2).map((n) => [n.frame, n.code, n.text])).toEqual([
      [1, 'snaplen-truncated', 'frame 1: only 40 of 54 bytes were captured (cut by the capture\'s snap length of 40 bytes); the last 14 byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)'],
      [1, 'short-tcp', 'frame 1: TCP header cut short (the frame was cut: its snaplen-truncated or corrupt-block note says why); frame skipped'],
    ]);
  });
});

it('snap length cut inside the TCP payload becomes a gap for the engine', () => {
  const pub = publishPacket('t', Buffer.alloc(200, 1));
  const recs = conversation([{ dir: 'c2s', bytes: connectPacket('s') }, { dir: 'c2s', bytes: pub }, { dir: 'c2s', bytes: pub }]);
  const cut = recs.map((r) => (r.data.length > 150 ? { ...r, data: r.data.subarray(0, 150), origLen: r.data.length } : r));
  const engine = new RecordingEngine();
  const res = readCaptureBuffer(pcapFile(cut), { engine });
  expect(res.notes.filter((n) => n.code === 'snaplen-truncated').map((n) => n.frame)).toEqual([5, 6]);
  const gaps = engine.of('gap');
  expect(gaps.map((g) => [g.frame, g.lost])).toEqual([[5, 150 + pub.length - 150 - (150 - 54)], [6, pub.length - 96]].map(([f, l]) => [f, l]));
});
