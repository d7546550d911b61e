// MQTT over WebSocket with permessage-deflate [RFC 7692], as the `ws` library (MQTT.js's
// WebSocket) compresses it when the server agrees: real bytes recorded between a ws
// client and a ws server through a TCP relay, then deframed and inflated, with the
// context taken over from message to message (later messages refer back to earlier ones).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WebSocketDeframer } from '../../src/stream/websocket.js';
import type { Note } from '../../src/model/types.js';
import { connectPacket, publishPacket } from './builders.js';

/** Bytes each way between a ws client and a ws server (perMessageDeflate on both, threshold 0), while the client sends `msgs`. */
async function record(msgs: Buffer[], deflate: Record<string, unknown>): Promise<{ c2s: Buffer; s2c: Buffer; got: Buffer[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0, ...deflate }, handleProtocols: () => 'mqtt' });
  await new Promise((r) => wss.once('listening', r));
  const got: Buffer[] = [];
  wss.on('connection', (s) => s.on('message', (d: Buffer) => { got.push(Buffer.from(d)); s.send(d); }));
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const relay = net.createServer((a) => {
    const b = net.connect((wss.address() as net.AddressInfo).port, '127.0.0.1');
    a.on('data', (d) => { c2s.push(d); b.write(d); });
    b.on('data', (d) => { s2c.push(d); a.write(d); });
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const ws = new WebSocket(`ws://127.0.0.1:${(relay.address() as net.AddressInfo).port}/mqtt`, 'mqtt', { perMessageDeflate: { threshold: 0 } });
  await new Promise((r) => ws.once('open', r));
  let echoed = 0;
  const all = new Promise<void>((r) => ws.on('message', () => { if (++echoed === msgs.length) r(); }));
  for (const m of msgs) ws.send(m);
  await all;
  ws.close();
  await new Promise((r) => ws.once('close', r));
  await new Promise((r) => relay.close(r));
  await new Promise((r) => wss.close(r));
  return { c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c), got };
}

function deframe(bytes: Buffer, chunk: number): { data: Buffer; notes: Note[] } {
  const out: Buffer[] = [];
  const notes: Note[] = [];
  const d = new WebSocketDeframer({ data: (b) => out.push(Buffer.from(b)), note: (n) => notes.push(n) });
  for (let o = 0; o < bytes.length; o += chunk) d.push(bytes.subarray(o, o + chunk));
  return { data: Buffer.concat(out), notes };
}

const MSGS = [
  connectPacket('deflate-1'),
  ...Array.from({ length: 20 }, (_, i) => publishPacket('home/kitchen/temperature', Buffer.from(`{"value":${20 + i},"unit":"C"}`))),
  publishPacket('big', Buffer.alloc(100_000, 'abcdefgh')), // compresses to a few hundred bytes
  Buffer.from([0xe0, 0x00]), // DISCONNECT
];

describe('permessage-deflate', () => {
  it('inflates what a ws client sent with context takeover, in both directions, however the bytes are chunked', async () => {
    const r = await record(MSGS, {});
    // The messages were compressed: far fewer bytes on the wire than the MQTT they carry.
    const plain = Buffer.concat(MSGS);
    expect(r.c2s.length).toBeLessThan(plain.length / 10);
    expect(Buffer.concat(r.got)).toEqual(plain);
    for (const chunk of [1, 7, 1460, 1 << 20]) {
      const c = deframe(r.c2s, chunk);
      expect(c.notes).toEqual([]);
      expect(c.data.equals(plain), `client→server, chunks of ${chunk}`).toBe(true);
      const s = deframe(r.s2c, chunk);
      expect(s.notes).toEqual([]);
      expect(s.data.equals(plain), `server→client, chunks of ${chunk}`).toBe(true);
    }
  }, 20_000);

  it('inflates with no context takeover too', async () => {
    const r = await record(MSGS, { clientNoContextTakeover: true, serverNoContextTakeover: true });
    expect(deframe(r.c2s, 1000).data.equals(Buffer.concat(MSGS))).toBe(true);
  }, 20_000);

  it('a compressed message that refers back to an earlier one not in the capture gets one note, not garbage', async () => {
    const r = await record(MSGS, {});
    // The capture starts after the client's 4th frame: the 5th message's repeats of the
    // topic refer back into messages that are not there.
    const out: Buffer[] = [];
    const notes: Note[] = [];
    const d = new WebSocketDeframer({ data: (b) => out.push(Buffer.from(b)), note: (n) => notes.push(n) }, { http: false });
    d.push(r.c2s.subarray(frameEnd(r.c2s, 4)));
    expect(notes.map((n) => n.code)).toEqual(['websocket-inflate-failed']);
    expect(notes[0]!.text).toMatch(/refers back to bytes not in the capture/);
    expect(out).toEqual([]);
  }, 20_000);
});

/** Offset just past the end of frame `n` (1-based) of a client stream that starts with the HTTP upgrade. */
function frameEnd(bytes: Buffer, n: number): number {
  let o = bytes.indexOf('\r\n\r\n') + 4;
  for (let k = 0; k < n; k++) {
    const b1 = bytes[o + 1]!;
    let len = b1 & 0x7f;
    let h = 2;
    if (len === 126) { len = bytes.readUInt16BE(o + 2); h = 4; } else if (len === 127) { len = Number(bytes.readBigUInt64BE(o + 2)); h = 10; }
    if (b1 & 0x80) h += 4;
    o += h + len;
  }
  return o;
}
