// Real-world variants of captures (test/fixtures/capture-variants/, made by its
// make.py with editcap/mergecap and by hand): pcapng flavours, link types, IP
// fragments, TCP reordering, retransmissions, port reuse, snap lengths, clock
// jumps. Each is read through the real engine and compared with tshark's MQTT
// decode recorded in expected.json; where mqttscope differs on purpose, the
// test says why.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import type { CaptureNote } from '../../src/capture/notes.js';
import { readCaptureFile, type CaptureReadResult } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { ACK, CLIENT, PSH, RecordingEngine, SERVER, SYN, connectPacket, pcapFile, publishPacket, tcpFrame, type Rec } from './builders.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'capture-variants');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  /** `mqtt`: tshark with default preferences; `mqtt_ooo`: with out-of-order TCP reassembly on. */
  files: Record<string, { frames: number; mqtt: [number, number][]; mqtt_ooo: [number, number][] }>;
};

interface Decoded {
  res: CaptureReadResult;
  /** [frame, packet type] per MQTT packet, in output order. */
  mqtt: [number, number][];
  packets: Extract<OutputRecord, { kind: 'packet' }>[];
  findings: string[];
  notes: CaptureNote[];
  conns: string[];
  midstream: boolean[];
  /** How each connection was closed, in order. */
  closes: string[];
  /** Frames of the stream-gap findings. */
  gapFrames: number[];
  /** The reason the capture gave each gap (Engine.gap), in order. */
  gapReasons: (string | undefined)[];
}

async function decode(name: string, ports: number[] = []): Promise<Decoded> {
  const recs: OutputRecord[] = [];
  const analyzer = new Analyzer((f) => recs.push(f));
  const engine = new Engine({ onRecord: (r) => recs.push(r), observers: [analyzer] });
  const conns: string[] = [];
  const midstream: boolean[] = [];
  const closes: string[] = [];
  const gapReasons: (string | undefined)[] = [];
  const res = await readCaptureFile(join(DIR, name), {
    engine: {
      open: (meta, t, o) => { conns.push(meta.id); midstream.push(!!o?.midstream); engine.open(meta, t, o); },
      data: (id, dir, chunk, t, f) => engine.data(id, dir, chunk, t, f),
      gap: (id, dir, t, f, lost, reason) => { gapReasons.push(reason); engine.gap(id, dir, t, f, lost, reason); },
      close: (id, t, how) => { closes.push(how ?? 'fin'); engine.close(id, t, how); },
      end: (t) => engine.end(t),
    },
    ports,
  });
  const packets = recs.filter((r): r is Extract<OutputRecord, { kind: 'packet' }> => r.kind === 'packet');
  return {
    res, packets, conns, midstream, closes, gapReasons, notes: res.notes,
    mqtt: packets.map((p) => [p.frame, p.summary.type]),
    findings: recs.flatMap((r) => (r.kind === 'finding' ? [r.code] : [])),
    gapFrames: recs.flatMap((r) => (r.kind === 'finding' && r.code === 'stream-gap' ? r.frames : [])),
  };
}

const codes = (notes: CaptureNote[]) => [...new Set(notes.map((n) => n.code))].sort();

/**
 * Files where mqttscope and tshark agree packet for packet, with the capture
 * notes expected. Compared with tshark's default decode, or (`ooo: true`) with
 * out-of-order reassembly on, where the default one loses packets (it shows the
 * reordered CONNECT as malformed and drops the retransmitted PUBLISH) and the
 * other is right. The two disagree in four files; in the other two
 * (tcp-lost-first-segments, ipv4-fragments-inconsistent) out-of-order
 * reassembly waits forever for the missing bytes and shows nothing after them.
 */
const SAME_AS_TSHARK: Record<string, string[] | { ooo: true; notes: string[] }> = {
  'editcap-pcapng.pcapng': [],
  'editcap-nsec.pcapng': [],
  'editcap-comments.pcapng': [],
  'editcap-rawip.pcap': [],
  'mergecap-two.pcapng': [],
  'mergecap-linktypes.pcapng': [],
  'ng-be-ns-spb.pcapng': ['unknown-block'],
  'ng-two-sections.pcapng': ['time-backwards'],
  'ng-all-linktypes.pcapng': [],
  'ethernet-pppoe-mpls.pcap': [],
  'ipv6-ext-headers.pcap': [],
  'ipv6-fragments.pcap': [],
  'ipv4-fragments.pcap': [],
  'tcp-reordered.pcap': { ooo: true, notes: [] },
  'tcp-retrans-differs.pcap': { ooo: true, notes: ['tcp-retransmission-differs'] },
  'ipv4-fragments-inconsistent.pcap': ['ip-fragment-incomplete', 'ip-fragment-inconsistent'],
  'tcp-seq-wrap.pcap': [],
  'tcp-midstream.pcap': [],
  'tcp-port-reuse.pcap': ['tcp-port-reuse'],
  'tcp-lost-first-segments.pcap': [],
  'tcp-one-way.pcap': ['tcp-direction-not-captured'],
  'tcp-one-way-publisher.pcap': ['tcp-direction-not-captured'],
  'tcp-one-way-subscriber.pcap': ['tcp-direction-not-captured'],
  'thiszone.pcap': [],
  'time-backwards.pcap': ['time-backwards'],
  'editcap-snap64.pcap': ['snaplen-truncated'],
};

describe('capture variants: the same MQTT packets as tshark', () => {
  it('every fixture is covered here', () => {
    const covered = new Set([...Object.keys(SAME_AS_TSHARK), 'cut-mid-block.pcapng', 'cut-mid-packet.pcap', 'editcap-snap72.pcap']);
    expect(Object.keys(expected.files).filter((f) => !covered.has(f))).toEqual([]);
  });

  for (const [name, how] of Object.entries(SAME_AS_TSHARK)) {
    const ooo = !Array.isArray(how);
    it(`${name}${ooo ? ' (tshark with out-of-order reassembly)' : ''}`, async () => {
      const d = await decode(name);
      const want = expected.files[name]!;
      expect(d.res.frames).toBe(want.frames);
      expect(d.mqtt).toEqual(ooo ? want.mqtt_ooo : want.mqtt);
      expect(codes(d.notes)).toEqual(ooo ? how.notes : how);
    });
  }
});

describe('capture variants: what tshark does not show is said', () => {
  it('a pcapng cut inside a block and a pcap cut inside a packet: earlier frames read, one truncated-record note', async () => {
    for (const name of ['cut-mid-block.pcapng', 'cut-mid-packet.pcap']) {
      const d = await decode(name);
      expect(d.res.frames).toBe(expected.files[name]!.frames);
      expect(d.notes.map((n) => [n.frame, n.code])).toEqual([[4, 'truncated-record']]);
      expect(d.res.hadErrors).toBe(true);
    }
  });

  it('snap length 64 cut every TCP option list and payload: the connection and its gaps are still reported', async () => {
    const d = await decode('editcap-snap64.pcap');
    // Before, every frame was 'TCP options cut short; frame skipped' and the capture showed nothing.
    expect(codes(d.notes)).toEqual(['snaplen-truncated']);
    expect(d.conns).toEqual(['10.0.0.1:40000-10.0.0.2:1883']);
    expect(d.findings.filter((f) => f === 'stream-gap').length).toBeGreaterThan(0);
  });

  it('snap length 72: the SYNs (options cut) still open the connection; each cut packet is a gap at its frame', async () => {
    const d = await decode('editcap-snap72.pcap');
    // Before, the SYNs were skipped ('TCP options cut short') and the connection counted as mid-stream.
    expect(codes(d.notes)).toEqual(['snaplen-truncated']);
    expect(d.midstream).toEqual([false]);
    // tshark shows the types of the cut CONNECT (4) and PUBLISHes (6, 8); the engine reports them as gaps.
    expect(expected.files['editcap-snap72.pcap']!.mqtt).toEqual([[4, 1], [5, 2], [6, 3], [8, 3], [10, 12], [11, 13], [12, 14]]);
    expect(d.mqtt).toEqual([[5, 2], [10, 12], [11, 13], [12, 14]]);
    expect(d.gapFrames).toEqual([4, 6, 8]);
    // Tails cut by the snap length in a direction that was captured: not a one-way capture,
    // and not segments missing from the capture (each stream-gap names the cut frame).
    expect(d.gapReasons).toEqual(['snap-cut', 'snap-cut', 'snap-cut']);
    // editcap -s cut the records but left the interface's snap length at 262144: the note says both.
    expect(d.notes.find((n) => n.frame === 4)!.text).toBe(
      'frame 4: only 72 of 84 bytes were captured (cut when the file was written or edited, e.g. by editcap -s: below the capture\'s snap length of 262144 bytes); '
      + 'the last 12 byte(s) of this packet are missing, and TCP payload among them is reported as a stream-gap (a frame cut inside its IP or TCP header is skipped instead)',
    );
  });

  it('a retransmission with different bytes: the first copy is decoded (as the receiver keeps it) and a note says so', async () => {
    const d = await decode('tcp-retrans-differs.pcap');
    // tshark's default decode drops the PUBLISH at frame 7; with out-of-order reassembly it keeps the first copy too.
    expect(expected.files['tcp-retrans-differs.pcap']!.mqtt).toEqual([[4, 1], [5, 2], [9, 14]]);
    expect(d.mqtt).toEqual([[4, 1], [5, 2], [7, 3], [9, 14]]);
    const pub = d.packets.find((p) => p.summary.type === 3)!;
    expect(Buffer.from(pub.bytes).toString('latin1')).toContain('AAAAABBBBBBBBBBB');
    expect(d.notes.map((n) => [n.frame, n.code, n.severity])).toEqual([[7, 'tcp-retransmission-differs', 'warn']]);
    expect(d.notes[0]!.text).toContain('10.0.0.1:40000 to 10.0.0.2:1883');
  });

  it('IP fragments that disagree about the packet\'s end: dropped with a note (this threw a RangeError before)', async () => {
    const d = await decode('ipv4-fragments-inconsistent.pcap');
    expect(d.notes.find((n) => n.code === 'ip-fragment-inconsistent')?.text).toMatch(/^frame 10: the fragments of the IP packet from 10\.0\.0\.1 to 10\.0\.0\.2 \(first in frame 6\) disagree/);
  });

  it('port reuse without a captured close: three connections, no false gap or second-CONNECT finding', async () => {
    const d = await decode('tcp-port-reuse.pcap');
    expect(d.conns).toHaveLength(3);
    expect(d.findings.filter((f) => f === 'stream-gap' || f === 'protocol-violation')).toEqual([]);
    expect(d.packets.map((p) => p.clientId)).toEqual(['first', 'first', 'first', 'second', 'second', 'second', 'third', 'third', 'third']);
    expect(d.notes.map((n) => n.frame)).toEqual([7, 14]);
  });

  it('the first segments of both sides lost on port 1883: still MQTT, the later packets decoded', async () => {
    const d = await decode('tcp-lost-first-segments.pcap');
    expect(d.conns).toHaveLength(1);
    expect(d.findings.filter((f) => f === 'stream-gap')).toHaveLength(2);
    expect(d.gapReasons).toEqual(['lost', 'lost']);
  });

  it('a one-way capture: one gap and one note for the broker\'s bytes; the ACK of its FIN is not a missing byte', async () => {
    const d = await decode('tcp-one-way.pcap');
    // The client's ACKs show 8 (CONNACK), 4 (PUBREC), 4 (PUBCOMP) bytes; only the first hole is a gap.
    // The last ACK (frame 9) only acknowledges the broker's FIN.
    expect(d.gapFrames).toEqual([4]);
    // The analysis is told that this direction was never captured, not that bytes of it were lost.
    expect(d.gapReasons).toEqual(['not-captured']);
    expect(d.notes.map((n) => [n.frame, n.severity, n.code])).toEqual([[4, 'info', 'tcp-direction-not-captured']]);
    expect(d.notes[0]!.text).toBe(
      'frame 4: [::1]:37844-[::1]:1883: not one broker→client segment was captured, yet the client\'s ACKs show the broker sent 16 byte(s) (frames 4-7): '
      + 'a one-way capture (a span port, tap or capture filter that saw only client→broker traffic), so the broker\'s packets cannot be decoded; '
      + 'reported as one stream-gap (frame 4), not one per ACK',
    );
    expect(d.closes).toEqual(['fin']);
    expect(d.res.hadErrors).toBe(false);
  });

  it('a one-way capture of a long publisher session (client→broker only): one stream-gap, not one per ACK', async () => {
    const d = await decode('tcp-one-way-publisher.pcap');
    // 112 of the client's segments acknowledge broker bytes never seen; before, each was a stream-gap.
    expect(d.gapFrames).toEqual([4]);
    expect(d.notes).toHaveLength(1);
    // CONNACK 4 + 100 PUBACKs of 4 + PINGRESP 2.
    expect(d.notes[0]).toMatchObject({ frame: 4, code: 'tcp-direction-not-captured' });
    expect(d.notes[0]!.text).toContain('not one broker→client segment was captured, yet the client\'s ACKs show the broker sent 406 byte(s) (frames 4-115)');
    expect(d.packets).toHaveLength(103);
    expect(d.closes).toEqual(['fin']);
  });

  it('a one-way capture of a subscriber (broker→client only): one stream-gap on the client\'s side, every delivery decoded', async () => {
    const d = await decode('tcp-one-way-subscriber.pcap');
    expect(d.gapFrames).toEqual([2]);
    expect(d.notes.map((n) => [n.frame, n.code])).toEqual([[2, 'tcp-direction-not-captured']]);
    // CONNECT 24, SUBSCRIBE 10, 4 PINGREQs, DISCONNECT 2: 44 bytes. The broker's FIN (frame 108, ack 1046)
    // also acknowledges the client's FIN (sequence number 1045), which is no byte.
    expect(d.notes[0]!.text).toContain('not one client→broker segment was captured, yet the broker\'s ACKs show the client sent 44 byte(s) (frames 2-108)');
    expect(d.notes[0]!.text).toContain('saw only broker→client traffic');
    expect(d.packets.filter((p) => p.summary.type === 3)).toHaveLength(100);
  });

  it('a clock that jumps back: one info note naming the frame; times are passed on as recorded', async () => {
    const d = await decode('time-backwards.pcap');
    expect(d.notes).toHaveLength(1);
    expect(d.notes[0]).toMatchObject({ frame: 10, severity: 'info', code: 'time-backwards' });
    expect(d.notes[0]!.text).toContain('599.999000 s earlier than frame 9');
    expect(d.res.hadErrors).toBe(false);
  });

  it('steps back of a second or less (interleaved interfaces) are not noted; larger ones once, counted at the end', () => {
    const T = 1_700_000_000_000_000;
    const notes: CaptureNote[] = [];
    const p = new CaptureParser({ onFrame: () => {}, onNote: (n) => notes.push(n) });
    const times = [T, T + 2_000_000, T + 1_000_000, T + 5_000_000, T + 3_000_000, T + 9_000_000, T, T + 10_000_000];
    p.push(pcapFile(times.map((timeUs) => ({ timeUs, data: Buffer.from('x') }))));
    p.end();
    expect(notes.map((n) => [n.frame, n.code])).toEqual([[5, 'time-backwards'], [0, 'time-backwards']]);
    expect(notes[0]!.text).toContain('2.000000 s earlier than frame 4');
    expect(notes[1]!.text).toBe('2 frames in all have a timestamp more than a second earlier than the frame before them');
  });

  it('thiszone in the pcap header is ignored, as tshark does', async () => {
    const d = await decode('thiszone.pcap');
    expect(d.packets[0]!.time).toBe(1_700_000_000_004_000);
  });
});

describe('bounds', () => {
  it('a connection quiet for over two minutes no longer keeps its last chunk for retransmission checks', () => {
    const T = 1_700_000_000_000_000;
    const pub = publishPacket('keep', Buffer.alloc(40, 0x61));
    const other = publishPacket('keep', Buffer.alloc(40, 0x62));
    const cs = 1001 + connectPacket('q').length;
    const c2s = (seq: number, flags: number, payload?: Buffer) => tcpFrame(CLIENT, SERVER, { seq, ack: 5001, flags, payload });
    const base: Rec[] = [
      { timeUs: T, data: c2s(1000, SYN) },
      { timeUs: T + 1, data: tcpFrame(SERVER, CLIENT, { seq: 5000, ack: 1001, flags: SYN | ACK }) },
      { timeUs: T + 2, data: c2s(1001, ACK | PSH, connectPacket('q')) },
      { timeUs: T + 3, data: c2s(cs, ACK | PSH, pub) },
    ];
    // Another connection's 4,096 frames three minutes later make the session sweep.
    const busy: Rec[] = [];
    const peer = { host: '10.0.0.9', port: 40000 };
    for (let i = 0; i < 4096; i++) busy.push({ timeUs: T + 180_000_000 + i, data: tcpFrame(peer, SERVER, { seq: 7 + i, ack: 1, flags: ACK }) });
    const late = { timeUs: T + 181_000_000, data: c2s(cs, ACK | PSH, other) };
    const soon = { timeUs: T + 4, data: c2s(cs, ACK | PSH, other) };
    const codes = (recs: Rec[]) => readCaptureBuffer(pcapFile(recs), { engine: new RecordingEngine() }).notes.map((n) => n.code);
    expect(codes([...base, soon])).toEqual(['tcp-retransmission-differs']);
    expect(codes([...base, ...busy, late])).toEqual([]);
  });
});
