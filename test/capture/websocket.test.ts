import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { looksLikeConnect, looksLikeMqttWebSocket } from '../../src/capture/detect.js';
import { WebSocketDeframer } from '../../src/stream/websocket.js';
import { CONNACK, RecordingEngine, connectPacket, conversation, pcapFile, publishPacket } from './builders.js';

/** One WebSocket frame [RFC 6455 §5.2]. */
function wsFrame(payload: Buffer, o: { opcode?: number; fin?: boolean; mask?: boolean; len64?: boolean } = {}): Buffer {
  const op = o.opcode ?? 2;
  const b0 = (o.fin === false ? 0 : 0x80) | op;
  const maskBit = o.mask ? 0x80 : 0;
  let hdr: Buffer;
  if (o.len64) {
    hdr = Buffer.alloc(10);
    hdr[1] = maskBit | 127;
    hdr.writeBigUInt64BE(BigInt(payload.length), 2);
  } else if (payload.length >= 126) {
    hdr = Buffer.alloc(4);
    hdr[1] = maskBit | 126;
    hdr.writeUInt16BE(payload.length, 2);
  } else {
    hdr = Buffer.alloc(2);
    hdr[1] = maskBit | payload.length;
  }
  hdr[0] = b0;
  if (!o.mask) return Buffer.concat([hdr, payload]);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.from(payload.map((x, i) => x ^ key[i % 4]!));
  return Buffer.concat([hdr, key, masked]);
}

const REQ = Buffer.from('GET /mqtt HTTP/1.1\r\nHost: broker\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSEC-WEBSOCKET-PROTOCOL: MQTT\r\nSec-WebSocket-Version: 13\r\n\r\n');
const RESP = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');

function deframe(stream: Buffer, chunk: number): { out: Buffer; closes: (number | null)[]; notes: string[] } {
  const parts: Buffer[] = [];
  const closes: (number | null)[] = [];
  const notes: string[] = [];
  const d = new WebSocketDeframer({ data: (b) => parts.push(Buffer.from(b)), close: (c) => closes.push(c), note: (n) => notes.push(n.code) });
  for (let i = 0; i < stream.length; i += chunk) d.push(stream.subarray(i, i + chunk));
  return { out: Buffer.concat(parts), closes, notes };
}

describe('WebSocketDeframer', () => {
  const pkt1 = connectPacket('ws-client');
  const pkt2 = publishPacket('a/b', Buffer.alloc(300, 9));
  const pkt3 = publishPacket('c', Buffer.from('x'));
  // A packet spanning frames (continuation), a frame with several packets, masked frames,
  // a ping in the middle of a fragmented message, 16- and 64-bit lengths, then close.
  const frames = Buffer.concat([
    wsFrame(pkt1, { mask: true }),
    wsFrame(pkt2.subarray(0, 100), { mask: true, fin: false }),
    wsFrame(Buffer.from('ping!'), { opcode: 9, mask: true }),
    wsFrame(pkt2.subarray(100), { mask: true, opcode: 0 }),
    wsFrame(Buffer.concat([pkt3, pkt3, pkt3]), { mask: true, len64: true }),
    wsFrame(Buffer.from([0x03, 0xe8]), { opcode: 8, mask: true }),
    Buffer.from('ignored after close'),
  ]);
  const expected = Buffer.concat([pkt1, pkt2, pkt3, pkt3, pkt3]);

  it('skips the HTTP header, unmasks, joins continuations, ignores control frames', () => {
    for (const chunk of [1, 3, 7, 64, 100000]) {
      const r = deframe(Buffer.concat([REQ, frames]), chunk);
      expect(r.out).toEqual(expected);
      expect(r.closes).toEqual([1000]);
      expect(r.notes).toEqual([]);
    }
  });

  it('property: any chunking gives the same payload', () => {
    const stream = Buffer.concat([RESP, frames]);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      const parts: Buffer[] = [];
      const d = new WebSocketDeframer({ data: (b) => parts.push(Buffer.from(b)) });
      let off = 0;
      let i = 0;
      while (off < stream.length) {
        const n = sizes[i++ % sizes.length]!;
        d.push(stream.subarray(off, off + n));
        off += n;
      }
      expect(Buffer.concat(parts)).toEqual(expected);
    }));
  });

  it('a refused upgrade and a gap stop decoding with a note', () => {
    const r = deframe(Buffer.concat([Buffer.from('HTTP/1.1 403 Forbidden\r\n\r\n'), wsFrame(pkt3)]), 5);
    expect(r.out.length).toBe(0);
    expect(r.notes).toEqual(['websocket-refused']);
    const notes: string[] = [];
    const d = new WebSocketDeframer({ data: () => {}, note: (n) => notes.push(n.code) }, { http: false });
    d.gap();
    expect(notes).toEqual(['websocket-gap']);
  });
});

describe('detection', () => {
  it('looksLikeConnect accepts MQTT 3.1/3.1.1/5 CONNECTs and rejects others', () => {
    expect(looksLikeConnect(connectPacket('a', 4))).toBe('yes');
    expect(looksLikeConnect(connectPacket('a', 5))).toBe('yes');
    expect(looksLikeConnect(connectPacket('a', 3))).toBe('yes');
    expect(looksLikeConnect(connectPacket('a', 4).subarray(0, 5))).toBe('more');
    expect(looksLikeConnect(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('no');
    const bad = Buffer.from(connectPacket('a', 4));
    bad[8] = 6; // MQTT with level 6
    expect(looksLikeConnect(bad)).toBe('no');
    const wrongName = Buffer.from(connectPacket('a', 3));
    wrongName[8] = 4; // MQIsdp with level 4
    expect(looksLikeConnect(wrongName)).toBe('no');
    expect(looksLikeConnect(Buffer.from('GET / HTTP/1.1'))).toBe('no');
  });

  it('looksLikeMqttWebSocket looks for the mqtt subprotocol, case-insensitively', () => {
    expect(looksLikeMqttWebSocket(REQ)).toBe('yes');
    expect(looksLikeMqttWebSocket(Buffer.from('GET / HTTP/1.1\r\nsec-websocket-protocol: chat, mqttv3.1\r\n\r\n'))).toBe('yes');
    expect(looksLikeMqttWebSocket(Buffer.from('GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat\r\n\r\n'))).toBe('no');
    expect(looksLikeMqttWebSocket(REQ.subarray(0, 30))).toBe('more');
    expect(looksLikeMqttWebSocket(connectPacket())).toBe('no');
  });

  it('heuristic: MQTT on an odd port, the CONNECT sender is the client', () => {
    const client = { host: '192.168.1.5', port: 40001 };
    const server = { host: '192.168.1.9', port: 12345 };
    const recs = conversation([
      { dir: 'c2s', bytes: connectPacket('odd').subarray(0, 3) }, // the start split across segments
      { dir: 'c2s', bytes: connectPacket('odd').subarray(3) },
      { dir: 's2c', bytes: CONNACK },
    ], { client, server });
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.opens()).toMatchObject([{ midstream: false, meta: { id: '192.168.1.5:40001-192.168.1.9:12345', transport: 'tcp' } }]);
    expect(engine.stream('c2s')).toEqual(connectPacket('odd'));
    expect(engine.stream('s2c')).toEqual(CONNACK);
    // Heuristics off: not found.
    const e2 = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine: e2, heuristics: false });
    expect(e2.opens()).toHaveLength(0);
    // --port makes it MQTT by port.
    const e3 = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine: e3, heuristics: false, ports: [12345] });
    expect(e3.opens()).toHaveLength(1);
  });

  it('the server side is found by port even when the capture starts with the server talking', () => {
    const recs = conversation([{ dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: publishPacket('x', Buffer.from('1')) }], { handshake: false });
    const engine = new RecordingEngine();
    readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.opens()[0]!.meta.id).toBe('10.0.0.1:50000-10.0.0.2:1883');
    expect(engine.stream('s2c')).toEqual(CONNACK);
  });

  it('port 8883 is reported as TLS once per connection and not decoded', () => {
    const recs = conversation([{ dir: 'c2s', bytes: Buffer.from([0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5]) }, { dir: 's2c', bytes: Buffer.from([0x16, 3, 3, 0, 1, 1]) }], { server: { host: '10.0.0.2', port: 8883 } });
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.opens()).toHaveLength(0);
    expect(res.notes).toMatchObject([{ code: 'tls-not-decoded', severity: 'info', frame: 1 }]);
    expect(res.stats.tlsConnections).toBe(1);
    expect(res.hadErrors).toBe(false);
  });

  it('plaintext MQTT on port 8883 (the pcap of mqttscope\'s own TLS proxy) is decoded, with one info note', () => {
    const pub = publishPacket('x', Buffer.from('1'));
    const CONNECT = connectPacket('tls-client');
    const recs = conversation([{ dir: 'c2s', bytes: CONNECT }, { dir: 's2c', bytes: CONNACK }, { dir: 'c2s', bytes: pub }], { server: { host: '10.0.0.2', port: 8883 } });
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine });
    expect(engine.opens().map((o) => o.meta.id)).toEqual(['10.0.0.1:50000-10.0.0.2:8883']);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([CONNECT, pub]));
    expect(engine.stream('s2c')).toEqual(CONNACK);
    expect(res.notes).toMatchObject([{ code: 'plaintext-on-tls-port', severity: 'info', frame: 1 }]);
    expect(res.notes[0]!.text).toBe('frame 1: connection 10.0.0.1:50000-10.0.0.2:8883 is on the MQTT-over-TLS port 8883 but its client sends a CONNECT in the clear (as in a pcap mqttscope\'s TLS proxy wrote); decoded as plain MQTT');
    expect(res.stats.tlsConnections).toBe(0);
    expect(res.stats.mqttConnections).toBe(1);
  });

  it('on port 8883, a client that sends neither TLS nor a CONNECT, or nothing at all, counts as TLS', () => {
    for (const first of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), null]) {
      const recs = conversation(first ? [{ dir: 'c2s', bytes: first }] : [], { server: { host: '10.0.0.2', port: 8883 } });
      const engine = new RecordingEngine();
      const res = readCaptureBuffer(pcapFile(recs), { engine });
      expect(engine.opens()).toHaveLength(0);
      expect(res.notes).toMatchObject([{ code: 'tls-not-decoded', frame: 1 }]);
      expect(res.stats.tlsConnections).toBe(1);
    }
  });

  it('on port 8883, a handshake with no data that goes idle is counted and noted as TLS when dropped', () => {
    const idle = conversation([], { server: { host: '10.0.0.2', port: 8883 }, fin: false });
    // Over 4,096 frames of another connection two hours later: the idle sweep runs and drops it.
    const later = conversation(Array.from({ length: 4200 }, () => ({ dir: 'c2s' as const, bytes: Buffer.from('x') })), {
      client: { host: '10.0.0.9', port: 51000 }, server: { host: '10.0.0.3', port: 9999 }, t0: 1_700_000_000_000_000 + 7_300_000_000,
    });
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile([...idle, ...later]), { engine, heuristics: false, idleTimeoutUs: 3_600_000_000 });
    expect(res.notes.filter((n) => n.code === 'tls-not-decoded')).toMatchObject([{ frame: 1 }]);
    expect(res.stats.tlsConnections).toBe(1);
  });

  it('MQTT over WebSocket on any port is detected and deframed', () => {
    const client = { host: '10.9.0.1', port: 41000 };
    const server = { host: '10.9.0.2', port: 8080 };
    const pub = publishPacket('ws/topic', Buffer.alloc(200, 3));
    const recs = conversation([
      { dir: 'c2s', bytes: REQ.subarray(0, 40) },
      { dir: 'c2s', bytes: Buffer.concat([REQ.subarray(40), wsFrame(connectPacket('w'), { mask: true })]) },
      { dir: 's2c', bytes: Buffer.concat([RESP, wsFrame(CONNACK)]) },
      { dir: 'c2s', bytes: wsFrame(pub.subarray(0, 50), { mask: true, fin: false }) },
      { dir: 'c2s', bytes: wsFrame(pub.subarray(50), { mask: true, opcode: 0 }) },
    ], { client, server });
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(pcapFile(recs), { engine });
    expect(res.notes).toEqual([]);
    expect(engine.opens()).toMatchObject([{ meta: { id: '10.9.0.1:41000-10.9.0.2:8080', transport: 'ws' } }]);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('w'), pub]));
    expect(engine.stream('s2c')).toEqual(CONNACK);
  });
});
