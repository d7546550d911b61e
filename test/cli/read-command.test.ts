// `mqttscope read` as a user meets it: frame numbers after TCP holes, capture
// notes on stderr and in --summary, connection and client counts, a refused
// WebSocket upgrade, --format tui into a pipe, a filtered --summary, gzip and
// modified pcap, cut file headers and pre-1970 timestamps. Captures are built
// here byte by byte (no files outside the repository).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ACK, FIN, PcapngBuilder, PSH, SYN, pcapFile, tcpFrame, type Rec } from '../capture/builders.js';
import { CONNACK, CONNECT, DISCONNECT, PUBLISH, WS_UPGRADE, gen, wsFrame } from '../read/craft.js';
import { mqttscope, readJsonRecords, ROOT } from '../read/run.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mqttscope-read-cmd-');
const CAP = (f: string): string => resolve(ROOT, 'captures', f);
const FIXTURE = (f: string): string => resolve(ROOT, 'test/fixtures/suricata-verify', f, 'input.pcap');

function file(name: string, data: Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
}

type Ep = { host: string; port: number };

/** One TCP conversation, segment by segment (like the QA's pc.py): full control over seq, ack and what is captured. */
class Conv {
  readonly recs: Rec[] = [];
  cseq = 1000;
  sseq = 5000;
  constructor(public t: number, readonly c: Ep = { host: '10.0.0.1', port: 40000 }, readonly s: Ep = { host: '10.0.0.2', port: 1883 }) {}

  raw(fromClient: boolean, seq: number, ack: number, flags: number, payload?: Buffer, o: { dt?: number; emit?: boolean } = {}): void {
    this.t += o.dt ?? 1000;
    const [a, b] = fromClient ? [this.c, this.s] : [this.s, this.c];
    if (o.emit === false) return;
    this.recs.push({ timeUs: this.t, data: tcpFrame(a, b, { seq, ack, flags, payload }) });
  }

  handshake(): this {
    this.raw(true, this.cseq++, 0, SYN);
    this.raw(false, this.sseq++, this.cseq, SYN | ACK);
    this.raw(true, this.cseq, this.sseq, ACK);
    return this;
  }

  send(fromClient: boolean, data: Buffer, o: { dt?: number; emit?: boolean } = {}): this {
    if (fromClient) { this.raw(true, this.cseq, this.sseq, ACK | PSH, data, o); this.cseq += data.length; }
    else { this.raw(false, this.sseq, this.cseq, ACK | PSH, data, o); this.sseq += data.length; }
    return this;
  }

  fin(): this {
    this.raw(true, this.cseq++, this.sseq, FIN | ACK);
    this.raw(false, this.sseq++, this.cseq, FIN | ACK);
    this.raw(true, this.cseq, this.sseq, ACK);
    return this;
  }
}

const T0 = 1_700_000_000_000_000;
const packets = (recs: Record<string, unknown>[]) => recs.filter((r) => r.kind === 'packet');
const findings = (recs: Record<string, unknown>[]) => recs.filter((r) => r.kind === 'finding');

describe('read: frame numbers and times after a TCP hole', () => {
  it('packets behind a missing segment keep their own frames and times, not those of the ACK that showed the hole', () => {
    const c = new Conv(T0).handshake();
    c.send(true, CONNECT('hole')).send(false, CONNACK());
    c.send(true, PUBLISH('h/lost', 'lost'), { emit: false }); // never captured
    c.send(true, PUBLISH('h/a', 'aaa', 1, 1)); // frame 6
    c.send(true, PUBLISH('h/b', 'bbb', 1, 2)); // frame 7
    c.raw(false, c.sseq, c.cseq, ACK, undefined, { dt: 5_000_000 }); // frame 8: the broker acks past the hole 5 s later
    c.send(false, gen({ cmd: 'puback', messageId: 1 })).send(false, gen({ cmd: 'puback', messageId: 2 }));
    c.send(true, DISCONNECT()).fin();
    const recs = readJsonRecords(file('hole.pcap', pcapFile(c.recs)));
    const pubs = packets(recs).filter((r) => r.type === 'PUBLISH');
    expect(pubs.map((r) => [r.topic, r.frame])).toEqual([['h/a', 6], ['h/b', 7]]);
    const t6 = Date.parse(String(pubs[0]!.time).replace(/(\.\d{3})\d{3}Z$/, '$1Z'));
    expect(t6 - T0 / 1000).toBe(7); // its own time, 7 ms after T0, not the ACK's 5 s later
    expect(findings(recs).filter((f) => f.code === 'stream-gap').map((f) => f.frames)).toEqual([[6]]);
  });

  it('a one-way capture whose hole is only given up at the held-segment cap: every packet keeps its frame; no false keepalive-timeout', () => {
    const c = new Conv(T0).handshake();
    c.send(true, CONNECT('oneway')).send(false, CONNACK());
    c.send(true, PUBLISH('h/lost', 'lost'), { emit: false });
    for (let i = 0; i < 1100; i++) c.send(true, PUBLISH(`h/${i}`, 'x'.repeat(10)), { dt: 1_000_000 });
    const recs = readJsonRecords(file('oneway.pcap', pcapFile(c.recs)));
    const pubs = packets(recs).filter((r) => r.type === 'PUBLISH');
    expect(pubs).toHaveLength(1100);
    expect(pubs.every((r, i) => r.frame === 6 + i)).toBe(true);
    expect(findings(recs).map((f) => f.code)).toEqual(['stream-gap']);
  });
});

describe('read: --fields', () => {
  it('needs --format json: a usage error otherwise, as for decode', () => {
    for (const [format, hint] of [['line', 'use --format tree'], ['tree', 'already shows every field']]) {
      const r = mqttscope(['read', CAP('acl.pcap'), '--format', format!, '--fields']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--fields needs --format json (it adds the flat 'fields' array to each JSON record); --format ${format}`);
      expect(r.stderr).toContain(hint!);
    }
    expect(mqttscope(['read', CAP('acl.pcap'), '--format', 'json', '--fields']).code).toBe(0);
  });
});

describe('read: capture notes', () => {
  it('a TLS conversation on 8883 says why nothing was decoded, on stderr and in --summary; exit 0', () => {
    const c = new Conv(T0, undefined, { host: '10.0.0.2', port: 8883 }).handshake();
    c.send(true, Buffer.from('160301002a010000260303', 'hex')).fin();
    const f = file('tls.pcap', pcapFile(c.recs));
    const r = mqttscope(['read', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^-- 0 packets/m);
    expect(r.stderr).toBe(`mqttscope read: ${f}: frame 1: connection 10.0.0.1:40000-10.0.0.2:8883 is on the MQTT-over-TLS port 8883; it is encrypted and not decoded\n`);
    const s = mqttscope(['read', f, '--summary']);
    expect(s.stdout).toMatch(/Capture notes\n {2}info +tls-not-decoded\n {6}connection 10\.0\.0\.1:40000-10\.0\.0\.2:8883 is on the MQTT-over-TLS port 8883; it is encrypted and not decoded\n/);
    // An info note is no damage: the findings line stays the plain one.
    expect(s.stdout).toMatch(/Findings \(0\)\n  none: no refused/);
    const j = mqttscope(['read', f, '--summary', '--format', 'json']);
    expect(JSON.parse(j.stdout.trim())).toMatchObject({ kind: 'summary', capture_notes: { 'tls-not-decoded': 1 } });
  });

  it('notes beyond the per-code limit are counted on stderr and in the summary; no note repeats its frame prefix', () => {
    const recs: Rec[] = [];
    // Ethernet frames of 10 bytes: each too short for an Ethernet header, one short-frame note each.
    for (let i = 0; i < 150; i++) recs.push({ timeUs: T0 + i, data: Buffer.alloc(10) });
    const f = file('short.pcap', pcapFile(recs));
    const r = mqttscope(['read', f]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[0]).toBe(`mqttscope read: ${f}: frame 1: link-layer header cut short; frame skipped`);
    expect(lines[100]).toBe(`mqttscope read: ${f}: 50 more 'short-frame' note(s) were not listed`);
    expect(r.stderr).not.toMatch(/frame \d+: frame \d+:/);
    const s = mqttscope(['read', f, '--summary']);
    expect(s.stdout).toMatch(/warn +short-frame ×150\n {6}link-layer header cut short; frame skipped\n/);
    // A warning means traffic was lost: the findings line says so.
    expect(s.stdout).toMatch(/none among the decoded packets: .*; the capture notes above say what could not be decoded/);
  });

  it('an unsupported link type is one note naming it, and one total of its frames at the end (not a note per frame)', () => {
    const recs: Rec[] = [];
    for (let i = 0; i < 150; i++) recs.push({ timeUs: T0 + i, data: Buffer.alloc(40) });
    const f = file('lt147.pcap', pcapFile(recs, { linkType: 147 }));
    const r = mqttscope(['read', f]);
    expect(r.code).toBe(1); // frames were skipped: traffic may be lost
    expect(r.stderr.trim().split('\n')).toEqual([
      `mqttscope read: ${f}: frame 1: link type 147 (USER0) is not supported, so its frames are skipped (mqttscope reads Ethernet, Linux cooked SLL and SLL2, raw IPv4/IPv6 and BSD loopback); the count is given at the end`,
      `mqttscope read: ${f}: link type 147 (USER0): 150 frames skipped in all, the first at frame 1`,
    ]);
    const s = mqttscope(['read', f, '--summary']);
    expect(s.stdout).toMatch(/warn +unsupported-link-type\n {6}link type 147 \(USER0\) is not supported/);
    expect(s.stdout).toMatch(/info +unsupported-link-type-frames\n {6}link type 147 \(USER0\): 150 frames skipped in all/);
  });

  it('an unknown pcapng block type is reported (info: exit 0)', () => {
    const c = new Conv(T0).handshake().send(true, CONNECT('b')).fin();
    const ng = new PcapngBuilder().section().iface(1).unknown(0x1234);
    for (const r of c.recs) ng.epb(0, BigInt(r.timeUs), r.data);
    const f = file('unknown-block.pcapng', ng.build());
    const r = mqttscope(['read', f]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/unknown-block\.pcapng: frame 1: skipped pcapng block\(s\) of unknown type 0x1234/);
    expect(r.stdout).toMatch(/CONNECT/);
  });
});

describe('read: --summary counts', () => {
  it('two connections one after the other on the same addresses and ports are two connections', () => {
    const a = new Conv(T0).handshake().send(true, CONNECT('first')).send(false, CONNACK()).send(true, DISCONNECT()).fin();
    const b = new Conv(a.t + 1_000_000);
    b.cseq = 90_000; // a new initial sequence number, as a new connection has
    b.handshake().send(true, CONNECT('second')).send(false, CONNACK()).send(true, DISCONNECT()).fin();
    const f = file('reuse.pcap', pcapFile([...a.recs, ...b.recs]));
    expect(mqttscope(['read', f]).stdout).toMatch(/^-- 6 packets, 0 findings, 2 connections, 2 clients/m);
    const j = JSON.parse(mqttscope(['read', f, '--summary', '--format', 'json']).stdout.trim()) as Record<string, unknown>;
    expect(j).toMatchObject({ connections: 2, clients: ['first', 'second'] });
  });

  it('a client whose id the broker assigned is one client, counted under that id', () => {
    const r = mqttscope(['read', FIXTURE('mqtt5-pub-userpass-auto-clientid'), '--summary', '--format', 'json']);
    const j = JSON.parse(r.stdout.trim()) as { clients: string[]; per_client: Record<string, { packets: number }>; packets: Record<string, number> };
    expect(j.clients).toHaveLength(1);
    expect(j.clients[0]).toMatch(/^auto-/);
    expect(Object.keys(j.per_client)).toEqual(j.clients);
    const total = Object.values(j.packets).reduce((x, y) => x + y, 0);
    expect(j.per_client[j.clients[0]!]!.packets).toBe(total);
  });
});

describe('read: --summary --filter', () => {
  it('every section follows the filter: no subscribe flow, no session without a passing packet', () => {
    const r = mqttscope(['read', CAP('acl.pcap'), '--summary', '--filter', 'publish']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('filter: publish');
    const flows = r.stdout.split('QoS flows')[1]!.split('\n\n')[0]!;
    expect(flows).toMatch(/publish-qos1/);
    expect(flows).not.toMatch(/subscribe/);
    const sessions = r.stdout.split('\nSessions\n')[1] ?? '';
    expect(sessions).not.toContain('p-badpw');
    expect(sessions).toContain('p-deny');
  });

  it('a filter every packet passes gives the same QoS flow table as no filter (captures/)', () => {
    const table = (out: string): string => (out.split('QoS flows\n')[1] ?? '').split('\n\n')[0]!;
    for (const f of readdirSync(resolve(ROOT, 'captures')).filter((x) => /\.pcap(ng)?$/.test(x))) {
      const plain = mqttscope(['read', CAP(f), '--summary']);
      const all = mqttscope(['read', CAP(f), '--summary', '--filter', 'frame >= 0 || !(frame >= 0)']);
      expect(table(all.stdout), `${f}: ${plain.stderr}${all.stderr}`).toBe(table(plain.stdout));
    }
  });
});

describe('read: MQTT over WebSocket', () => {
  it('after a refused upgrade (HTTP 403) nothing is decoded as MQTT', () => {
    const c = new Conv(T0, undefined, { host: '10.0.0.2', port: 9001 }).handshake();
    c.send(true, WS_UPGRADE);
    c.send(false, Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    c.send(true, wsFrame(CONNECT('ws-client'), true));
    c.send(true, wsFrame(PUBLISH('ws/t', 'x', 1, 1), true)).fin();
    const r = mqttscope(['read', file('ws-403.pcap', pcapFile(c.recs))]);
    expect(r.stdout).toMatch(/^-- 0 packets, 0 findings/m);
    expect(r.stderr).toMatch(/answered the WebSocket upgrade with HTTP 403/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('after a 101 the client frames are decoded, also a CONNECT sent before the answer', () => {
    const c = new Conv(T0, undefined, { host: '10.0.0.2', port: 9001 }).handshake();
    c.send(true, Buffer.concat([WS_UPGRADE, wsFrame(CONNECT('ws-client'), true)]));
    c.send(false, Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), wsFrame(CONNACK(), false)]));
    c.send(true, wsFrame(DISCONNECT(), true)).fin();
    const recs = packets(readJsonRecords(file('ws-101.pcap', pcapFile(c.recs))));
    expect(recs.map((r) => [r.type, r.frame])).toEqual([['CONNECT', 4], ['CONNACK', 5], ['DISCONNECT', 6]]);
  });
});

describe('read: --format tui needs a terminal', () => {
  it('into a pipe it is a usage error (exit 2) saying what to use instead', () => {
    const r = mqttscope(['read', CAP('will.pcap'), '--format', 'tui']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--format tui needs a terminal on stdout; use --format line/);
  });
});

describe('read: --protocol-version for connections whose CONNECT was not captured', () => {
  it('an MQTT 5 PUBLISH with properties, joined mid-connection, decodes its properties with --protocol-version 5', () => {
    const c = new Conv(T0); // no handshake, no CONNECT: the capture joined late
    const pub = gen({ cmd: 'publish', topic: 'v5/t', payload: 'x', qos: 0, retain: false, dup: false,
      properties: { contentType: 'text/plain', userProperties: { k: 'v' } } }, 5);
    c.send(true, pub).send(true, pub).fin();
    const f = file('mid-v5.pcap', pcapFile(c.recs));
    const inferred = packets(readJsonRecords(f)).filter((r) => r.type === 'PUBLISH');
    // Without the option the first packets read as 3.1.1: the property block looks like payload.
    expect(inferred[0]!.payload_length).not.toBe(1);
    const v5 = packets(readJsonRecords(f, ['--protocol-version', '5'])).filter((r) => r.type === 'PUBLISH');
    expect(v5.map((r) => [r.version, r.payload_length, (r.properties as Record<string, unknown>).content_type])).toEqual([[5, 1, 'text/plain'], [5, 1, 'text/plain']]);
  });
  it('anything but 3, 4 or 5 is a usage error', () => {
    const r = mqttscope(['read', CAP('will.pcap'), '--protocol-version', '6']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mqttscope read: --protocol-version: expected 3, 4 or 5, got '6'\n/);
  });
});

describe('read: an --acl file that cannot be used', () => {
  it('is one line naming the file once (FILE or FILE:LINE), exit 1', () => {
    const missing = join(tmp, 'no.acl');
    const r = mqttscope(['read', CAP('acl.pcap'), '--acl', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mqttscope read: --acl ${missing}: cannot read acl file: no such file\n`);
    const bad = file('bad.acl', Buffer.from('topic foo bar baz\n'));
    const b = mqttscope(['read', CAP('acl.pcap'), '--acl', bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`mqttscope read: --acl ${bad}:1: invalid access 'foo' (expected read, write, readwrite or deny)\n`);
  });
});

describe('read: file formats', () => {
  const will = readFileSync(CAP('will.pcap'));
  const plain = mqttscope(['read', CAP('will.pcap'), '--format', 'json']).stdout;

  it('reads gzip-compressed pcap and pcapng as tshark does', () => {
    expect(mqttscope(['read', file('will.pcap.gz', gzipSync(will)), '--format', 'json']).stdout).toBe(plain);
    const ng = readFileSync(CAP('qos-levels.pcapng'));
    expect(mqttscope(['read', file('q.pcapng.gz', gzipSync(ng)), '--format', 'json']).stdout)
      .toBe(mqttscope(['read', CAP('qos-levels.pcapng'), '--format', 'json']).stdout);
  });

  it('a cut gzip file: says so, decodes what came before, exit 1', () => {
    const gz = gzipSync(will);
    const f = file('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.8)));
    const r = mqttscope(['read', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.pcap\.gz: the gzip-compressed file ends early/);
    expect(r.stdout).toMatch(/CONNECT/);
  });

  it('reads modified pcap (editcap -F modpcap: 8 more bytes per record header)', () => {
    expect(mqttscope(['read', file('will.modpcap', toModifiedPcap(will)), '--format', 'json']).stdout).toBe(plain);
  });

  it('a file cut inside its 24-byte pcap header says so', () => {
    const r = mqttscope(['read', file('hdr.pcap', will.subarray(0, 10))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hdr\.pcap: the file ends inside the 24-byte pcap file header \(only 10 byte\(s\)\)/);
    expect(r.stderr).not.toMatch(/middle of a record|frame 1/);
  });

  it('timestamps outside the years 0000-9999: contract-valid (clamped) times and one note', () => {
    const c = new Conv(1_000_000).handshake().send(true, CONNECT('ng')).fin();
    const ng = new PcapngBuilder().section().iface(1, undefined, 0, -(2n ** 40n));
    for (const r of c.recs) ng.epb(0, BigInt(r.timeUs), r.data);
    const f = file('neg.pcapng', ng.build());
    const r = mqttscope(['read', f, '--format', 'json']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout.split('\n')[0]!) as { time: string };
    expect(rec.time).toBe('0000-01-01T00:00:00.000000Z'); // clamped: the contract's time has a 4-digit year
    expect(r.stderr).toMatch(/neg\.pcapng: frame 1: its timestamp falls in the year -3\d{4}, outside 0000-9999/);
  });
});

describe('read: a bogus Remaining Length', () => {
  it('packets after it are recovered when the connection ends, with a note naming the length', () => {
    const c = new Conv(T0).handshake();
    c.send(true, CONNECT('huge')).send(false, CONNACK());
    c.send(true, Buffer.concat([Buffer.from('30ffffff7f0003612f62', 'hex'), Buffer.from('garbage'.repeat(12))]));
    c.send(true, PUBLISH('after/huge', 'ok'));
    c.send(true, DISCONNECT()).fin();
    const r = mqttscope(['read', file('huge.pcap', pcapFile(c.recs))]);
    expect(r.stdout).toMatch(/PUBLISH declares Remaining Length 268435455 .* but the stream ended after \d+ byte\(s\) of its body; the length is bogus/);
    expect(r.stdout).toMatch(/→ PUBLISH .* after\/huge/);
    expect(r.stdout).toMatch(/→ DISCONNECT/);
  });
});

/** A classic pcap rewritten as modified pcap: magic a1b2cd34, and ifindex, protocol, pkt_type and a pad byte after each record header. */
function toModifiedPcap(pcap: Buffer): Buffer {
  const out: Buffer[] = [Buffer.from(pcap.subarray(0, 24))];
  out[0]!.writeUInt32LE(0xa1b2cd34, 0);
  let o = 24;
  while (o + 16 <= pcap.length) {
    const caplen = pcap.readUInt32LE(o + 8);
    out.push(pcap.subarray(o, o + 16), Buffer.from([1, 0, 0, 0, 0x08, 0x00, 0, 0]), pcap.subarray(o + 16, o + 16 + caplen));
    o += 16 + caplen;
  }
  return Buffer.concat(out);
}

describe('read into a pipe that closes early (| head)', () => {
  it('stops quietly: no note calling the file cut short, exit 0', () => {
    // About 3 MB of PUBLISHes in one conversation: more than the 1 MiB the reader takes at a time.
    const c = new Conv(T0).handshake();
    c.send(true, CONNECT('piped')).send(false, CONNACK());
    for (let i = 0; i < 20_000; i++) c.send(true, PUBLISH(`p/${i}`, 'x'.repeat(80)));
    c.fin();
    const f = file('piped.pcap', pcapFile(c.recs));
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${resolve(ROOT, 'bin/mqttscope')}" read "${f}" | head -n 2 >/dev/null; echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/cut short|ends in the middle of a record/);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('status 0');
  });
});
