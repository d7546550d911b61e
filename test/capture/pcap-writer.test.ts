import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SEGMENT_PAYLOAD, PcapConversationEncoder, PcapFileSink } from '../../src/capture/pcap-writer.js';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { CONNACK, RecordingEngine, connectPacket, publishPacket } from './builders.js';

const TSHARK = '/usr/bin/tshark';
const dir = mkdtempSync(join(tmpdir(), 'mqttscope-pcapw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function haveTshark(): boolean {
  if (existsSync(TSHARK)) return true;
  // Never skip: locally tshark is expected; in CI its absence is a failure too.
  throw new Error(`tshark not found at ${TSHARK}${process.env['CI'] ? ' (CI)' : ''}: install Wireshark's tshark to run the pcap writer checks`);
}

function tshark(file: string, args: string[]): string {
  return execFileSync(TSHARK, ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const BIG = publishPacket('big/one', Buffer.alloc(150_000, 0x5a)); // > 2 segments

function writeCapture(file: string): void {
  const sink = new PcapFileSink(file);
  let t = 1_700_000_000_000_000;
  // IPv4 (Node reports IPv4-mapped addresses), FIN close.
  const a = new PcapConversationEncoder({ host: '::ffff:127.0.0.1', port: 50123 }, { host: '127.0.0.1', port: 1883 });
  sink.write(a.open(t));
  sink.write(a.data('c2s', connectPacket('w1'), (t += 100)));
  sink.write(a.data('s2c', CONNACK, (t += 100)));
  sink.write(a.data('c2s', BIG, (t += 100)));
  // Two packets in one chunk.
  sink.write(a.data('c2s', Buffer.concat([Buffer.from([0xc0, 0]), Buffer.from([0xe0, 0])]), (t += 100)));
  sink.write(a.close((t += 100), 'fin'));
  // IPv6, reset by the server.
  const b = new PcapConversationEncoder({ host: '::1', port: 50124 }, { host: '::1', port: 1883 });
  sink.write(b.open((t += 100)));
  sink.write(b.data('c2s', connectPacket('w2', 5), (t += 100)));
  sink.write(b.close((t += 100), 'reset', 's2c'));
  sink.close();
}

describe('pcap writer', () => {
  const file = join(dir, 'conv.pcap');
  writeCapture(file);

  it('tshark decodes the MQTT packets with no checksum or malformed problems', () => {
    haveTshark();
    const types = tshark(file, ['-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'mqtt.msgtype']).split('\n').flatMap((l) => l.split(',')).filter((x) => x !== '');
    // CONNECT, CONNACK, PUBLISH, PINGREQ, DISCONNECT, CONNECT(v5)
    expect(types.map(Number)).toEqual([1, 2, 3, 12, 14, 1]);
    const expert = tshark(file, ['-d', 'tcp.port==1883,mqtt', '-q', '-z', 'expert']);
    expect(expert).not.toMatch(/checksum/i);
    expect(expert).not.toMatch(/malformed/i);
    expect(expert).not.toMatch(/previous segment not captured|out-of-order|retransmission|ACKed unseen/i);
    const bad = tshark(file, ['-Y', 'tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.malformed || _ws.expert.severity >= warning', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.flags.reset']);
    // The only warning is Wireshark's expert note on the deliberate RST (frame 17).
    expect(bad.trim()).toBe('17\t1');
    const good = tshark(file, ['-Y', 'tcp.checksum.status == 1 && (ip.checksum.status == 1 || ipv6)', '-T', 'fields', '-e', 'frame.number']);
    expect(good.trim().split('\n')).toHaveLength(17);
    const conv = tshark(file, ['-q', '-z', 'conv,tcp']);
    expect(conv).toMatch(/127\.0\.0\.1:50123/);
    expect(conv).toMatch(/::1\]?:50124/);
  });

  it('splits big chunks into segments of at most 65495 payload bytes', () => {
    haveTshark();
    const lens = tshark(file, ['-T', 'fields', '-e', 'tcp.len']).split('\n').filter((x) => x !== '').map(Number);
    expect(Math.max(...lens)).toBe(MAX_SEGMENT_PAYLOAD);
    expect(lens.filter((l) => l === MAX_SEGMENT_PAYLOAD)).toHaveLength(2);
  });

  it('reads back with our own reader, byte-identical streams', async () => {
    const engine = new RecordingEngine();
    const res = await readCaptureFile(file, { engine, chunkSize: 4096 });
    expect(res.notes).toEqual([]);
    expect(res.format).toBe('pcap');
    const opens = engine.opens();
    expect(opens.map((o) => o.meta.id)).toEqual(['127.0.0.1:50123-127.0.0.1:1883', '[::1]:50124-[::1]:1883']);
    const id1 = opens[0]!.meta.id;
    expect(engine.stream('c2s', id1)).toEqual(Buffer.concat([connectPacket('w1'), BIG, Buffer.from([0xc0, 0, 0xe0, 0])]));
    expect(engine.stream('s2c', id1)).toEqual(CONNACK);
    expect(engine.of('close').map((c) => c.how)).toEqual(['fin', 'reset']);
  });

  it('the sink writes the global header at once and flushes on its timer', async () => {
    const f = join(dir, 'live.pcap');
    const sink = new PcapFileSink(f, { flushIntervalMs: 50 });
    expect(statSync(f).size).toBe(24);
    const enc = new PcapConversationEncoder({ host: '10.0.0.1', port: 1 }, { host: '10.0.0.2', port: 1883 });
    sink.write(enc.open(1e15));
    expect(statSync(f).size).toBe(24); // buffered
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(f).size).toBeGreaterThan(24);
    expect(readFileSync(f).readUInt32LE(0)).toBe(0xa1b2c3d4);
    sink.close();
  });

  it('a half-close is written when it happens: the FIN and its ACK before the data the other side still sends', () => {
    haveTshark();
    const f = join(dir, 'half-close.pcap');
    const sink = new PcapFileSink(f);
    const enc = new PcapConversationEncoder({ host: '127.0.0.1', port: 50200 }, { host: '127.0.0.1', port: 1883 });
    let t = 1_700_000_000_000_000;
    sink.write(enc.open(t));
    sink.write(enc.data('c2s', connectPacket('hc'), (t += 100)));
    sink.write(enc.fin('c2s', (t += 100))); // the client shuts down its sending half
    sink.write(enc.data('s2c', CONNACK, (t += 100))); // the broker still answers
    sink.write(enc.close((t += 100), 'fin', 's2c')); // then closes: only its FIN is left
    sink.close();
    const rows = tshark(f, ['-d', 'tcp.port==1883,mqtt', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.flags.str', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'mqtt.msgtype', '-e', 'tcp.analysis.flags'])
      .split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    expect(rows.slice(3)).toEqual([
      ['50200', '·······AP···', '1', '1', '1', ''], // CONNECT
      ['50200', '·······A···F', '17', '1', '', ''], // the client FIN, at the time it came
      ['1883', '·······A····', '1', '18', '', ''], // the broker ACKs it
      ['1883', '·······AP···', '1', '18', '2', ''], // CONNACK after the client FIN
      ['1883', '·······A···F', '5', '18', '', ''], // the broker FIN
      ['50200', '·······A····', '18', '6', '', ''], // the last ACK
    ]);
    const expert = tshark(f, ['-d', 'tcp.port==1883,mqtt', '-q', '-z', 'expert']);
    expect(expert).not.toMatch(/previous segment not captured|out-of-order|retransmission|ACKed unseen|dup ack/i);
  });

  it('when both sides half-closed, close() adds nothing; an RST after a half-close comes from the side that reset', () => {
    const a = new PcapConversationEncoder({ host: '127.0.0.1', port: 50201 }, { host: '127.0.0.1', port: 1883 });
    a.open(1e15);
    expect(a.fin('s2c', 1e15 + 1).length).toBeGreaterThan(0);
    expect(a.fin('s2c', 1e15 + 2).length).toBe(0); // a second FIN from the same side is not written
    expect(a.fin('c2s', 1e15 + 3).length).toBeGreaterThan(0);
    expect(a.close(1e15 + 4, 'fin', 'c2s').length).toBe(0);
    const b = new PcapConversationEncoder({ host: '127.0.0.1', port: 50202 }, { host: '127.0.0.1', port: 1883 });
    b.open(1e15);
    b.fin('c2s', 1e15 + 1);
    const rst = b.close(1e15 + 2, 'reset', 's2c');
    // One record: 16-byte record header, 14 Ethernet, 20 IPv4, then the TCP flags at byte 13 of the TCP header.
    expect(rst.length).toBe(16 + 14 + 20 + 20);
    expect(rst[16 + 14 + 20 + 13]).toBe(0x14); // RST | ACK
    expect(rst.readUInt16BE(16 + 14 + 20)).toBe(1883); // from the server side
  });
});
