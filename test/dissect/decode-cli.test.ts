// `mqttscope decode`: output for the seed example and the JSON contract.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeStream, parseHex, run } from '../../src/cli/commands/decode.js';
import { renderHex } from '../../src/views/hex.js';
import { isoMicros } from '../../src/views/packet-json.js';
import { dissect } from '../../src/dissect/index.js';
import { hex } from './helpers.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const SEED = '3014000b526f6f6d312f4c696768745475726e204f6e';

describe('decode command', () => {
  afterEach(() => vi.restoreAllMocks());

  it('explains the seed PUBLISH byte by byte', async () => {
    const { code, out } = await capture([SEED]);
    expect(code).toBe(0);
    expect(out).toContain('[0] 30  Header Flags: 0x30 (PUBLISH)');
    expect(out).toContain('0011 .... = Message Type: 3 (PUBLISH)');
    expect(out).toContain('.... 0... = DUP: 0');
    expect(out).toContain('.... .00. = QoS: 0');
    expect(out).toContain('.... ...0 = RETAIN: 0');
    expect(out).toContain('[1] 14  Remaining Length: 20 (1 byte)');
    expect(out).toContain('byte 1: 0x14 = 0 0010100 → value 20, continuation 0 (last byte)');
    expect(out).toContain('Topic Length: 11');
    expect(out).toContain('Topic: "Room1/Light"');
    expect(out).toContain('no Packet Identifier');
    expect(out).toContain('Message: "Turn On" (7 bytes)');
    expect(out).toContain('Hex dump');
  });

  it('explains multi-byte Remaining Lengths', async () => {
    const a = await capture(['30 fd 03']);
    expect(a.out).toContain('Remaining Length: 509 (2 bytes)');
    expect(a.out).toContain('0xfd = 1 1111101 → value 125, continuation 1 (more bytes follow)');
    expect(a.out).toContain('0x03 = 0 0000011 → value 3 × 128 = 384, continuation 0 (last byte)');
    const b = await capture(['30:86:85:03']);
    expect(b.out).toContain('Remaining Length: 49,798 (3 bytes)');
    const c = await capture(['30 ff ff ff 7f']);
    expect(c.out).toContain('Remaining Length: 268,435,455 (4 bytes)');
    expect(c.code).toBe(1); // the body is missing: an input error, reported
  });

  it('labels every byte in the hex view', () => {
    const b = hex(SEED);
    const lines = renderHex(b, dissect(b, { version: 4 })).split('\n');
    const labelled = lines.reduce((n, l) => n + l.slice(6, 6 + 47).trim().split(/\s+/).length, 0);
    expect(labelled).toBe(b.length);
    expect(lines.every((l) => /\(mqtt\.[a-z_.]+\)$/.test(l))).toBe(true);
  });

  it('emits one JSON packet record per packet of a stream; CONNECT sets the version', async () => {
    // CONNECT v5 (client "cid"), then a v5 PUBACK with reason 0x10
    const { code, out } = await capture(['--format', 'json', '10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 63 69 64', '40 03 00 07 10']);
    expect(code).toBe(0);
    const recs = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({ kind: 'packet', type: 'CONNECT', version: 5, length: 16, length_bytes: '10' });
    expect(recs[1]).toMatchObject({ type: 'PUBACK', version: 5, packet_id: 7, reason_codes: [16], client_id: 'cid', dir: 'c2s' });
    expect(recs[1].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('a CONNECT cut before its Client Identifier has client_id null, as connect.client_id, not ""', async () => {
    const { out } = await capture(['--format', 'json', [
      '10 0c', //       CONNECT, Remaining Length 12
      '00 04 4d 51 54 54', // Protocol Name "MQTT"
      '04', //          Protocol Level 4
      '02', //          Connect Flags: Clean Session
      '00 3c', //       Keep Alive 60
      '', //            (no Client Identifier: the packet ends)
    ].join(' ')]);
    const rec = JSON.parse(out.trim().split('\n')[0]!);
    expect(rec.connect.client_id).toBeNull();
    expect(rec.client_id).toBeNull();
  });

  it('the seed packet in JSON matches the contract example', async () => {
    const { out } = await capture(['--format', 'json', '--fields', SEED]);
    const r = JSON.parse(out);
    expect(r).toMatchObject({ type: 'PUBLISH', dup: 0, qos: 0, retain: 0, length: 20, length_bytes: '14', packet_id: null, topic: 'Room1/Light', payload_length: 7, notes: [] });
    expect(r.fields.find((f: { id: string }) => f.id === 'mqtt.topic')).toMatchObject({ offset: 4, length: 11, value: 'Room1/Light' });
  });

  it('masks the password unless --show-secrets', async () => {
    const connect = '10 1b 00 04 4d 51 54 54 04 c2 00 3c 00 03 63 69 64 00 04 75 73 65 72 00 04 70 61 73 73';
    const a = await capture([connect]);
    expect(a.out).toContain('Password: ********');
    expect(a.out).not.toContain('"pass"');
    expect(a.out).toContain('** ** ** **');
    const b = await capture(['--show-secrets', connect]);
    expect(b.out).toContain('"pass"');
    const j = await capture(['--format', 'json', '--fields', connect]);
    expect(j.out).not.toContain('70617373');
  });

  it('masks MQTT 5 Authentication Data and the bytes a malformed CONNECT leaves undecoded, in tree, hex and json', async () => {
    // CONNECT v5: Authentication Method "SCRAM-SHA-1", Authentication Data "TOPSECRETNONCE", client "cid".
    const auth = '10 2f 00 04 4d 51 54 54 05 02 00 3c 1f 15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31 16 00 0e 54 4f 50 53 45 43 52 45 54 4e 4f 4e 43 45 00 03 63 69 64';
    // CONNECT 3.1.1: user "user", Password Flag 0, but a password "hunter2pw" follows.
    const stray = '10 20 00 04 4d 51 54 54 04 82 00 3c 00 03 63 69 64 00 04 75 73 65 72 00 09 68 75 6e 74 65 72 32 70 77';
    const secrets = ['544f5053454352455', '54 4f 50 53', 'TOPSECRET', '68756e74657232', '68 75 6e 74', 'hunter2'];
    for (const format of ['tree', 'hex', 'json']) {
      const fields = format === 'json' ? ['--fields'] : [];
      const a = await capture(['--format', format, ...fields, auth, stray]);
      for (const x of secrets) expect(a.out, `${x} (${format})`).not.toContain(x);
      expect(a.out).toContain('**');
      const b = await capture(['--format', format, ...fields, '--show-secrets', auth, stray]);
      expect(b.out).not.toContain('**');
      expect(b.out).toMatch(format === 'json' ? /544f5053454352455.*68756e74657232/s : /54 4f 50 53.*68 75 6e 74/s);
    }
    const t = await capture([auth]);
    expect(t.out).toContain('Authentication Method: "SCRAM-SHA-1"');
    expect(t.out).toContain('Authentication Data: ********');
  });

  it('reports bad hex and bad options', async () => {
    expect(() => parseHex('30 1')).toThrow(/odd number/);
    expect(() => parseHex('zz')).toThrow(/not a hex digit/);
    await expect(run(['--format', 'xml', SEED])).rejects.toThrow(/--format/);
    await expect(run(['--protocol-version', '6', SEED])).rejects.toThrow(/--protocol-version/);
    // --fields only shapes the JSON record: without --format json it is a usage error (exit 2)
    for (const f of [[], ['--format', 'tree'], ['--format', 'hex']]) {
      await expect(run([...f, '--fields', SEED])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--fields needs --format json/) });
    }
  });

  it('frames a stream with a trailing incomplete packet', () => {
    const { packets } = decodeStream(hex('c0 00 d0 00 30 05 00'), 4);
    expect(packets.map((p) => [p.offset, p.bytes.length])).toEqual([[0, 2], [2, 2], [4, 3]]);
    expect(packets[2]!.record.notes.map((n) => n.code)).toContain('remaining-length-mismatch');
  });

  it('decodes the bytes the framer skips after a Remaining Length of 5 bytes instead of dropping them', async () => {
    // 30          PUBLISH, flags 0000
    // ff ff ff ff Remaining Length: the continuation bit is still set in the 4th byte
    // 7f          a 5th length byte (the framer resyncs from here)
    // c0 00       PINGREQ
    const { packets } = decodeStream(hex('30 ff ff ff ff 7f c0 00'), 4);
    expect(packets.map((p) => [p.offset, p.bytes.length, p.unframed ?? false])).toEqual([[0, 6, true], [6, 2, false]]);
    expect(packets[0]!.record.notes.map((n) => n.code)).toContain('remaining-length-too-long');
    const r = await capture(['30 ff ff ff ff 7f c0 00']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('#1 PUBLISH, 6 bytes at input offset 0, MQTT 3.1.1 (bytes the framer skipped: decoded as far as they go)');
    expect(r.out).toContain('byte 4: 0xff = 1 1111111 → value 127 × 2097152 = 266338304, continuation 1 (more bytes follow)');
    expect(r.out).toContain('#2 PINGREQ, 2 bytes at input offset 6');
    // A bad length with nothing framable after it: the whole input is still shown.
    const alone = await capture(['30 ff ff ff ff 7f']);
    expect(alone.out).toContain('PUBLISH, 6 bytes at input offset 0');
    expect(alone.out).toContain('remaining-length-too-long');
    expect(alone.err).toContain('Remaining Length ff ff ff ff has its continuation bit set');
    expect(alone.err).toContain('(the bytes it skips are decoded as far as they go, titled "bytes the framer skipped")');
  });

  it('formats microsecond timestamps', () => {
    expect(isoMicros(Date.UTC(2026, 10, 23, 18, 0, 1) * 1000 + 512_913)).toBe('2026-11-23T18:00:01.512913Z');
  });
});

describe('decode titles', () => {
  it('a packet of one byte is titled "1 byte", not "1 bytes"', async () => {
    // c0 00  PINGREQ
    // 00     a lone byte after it (packet type 0, cut off before its Remaining Length)
    const r = await capture(['c0 00 00']);
    expect(r.out).toContain('#1 PINGREQ, 2 bytes at input offset 0, MQTT 3.1.1');
    expect(r.out).toContain('#2 RESERVED, 1 byte at input offset 2, MQTT 3.1.1');
  });
});
