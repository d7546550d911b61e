// Bytes that cannot be sent any more (the WebSocket they go to is closing) are not
// decoded or recorded: the decoder and the pcap file describe what the peer was sent.
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { ConnMeta, Direction } from '../../src/model/types.js';
import { WebSocketEnd } from '../../src/proxy/ends.js';
import { FakeEnd } from './helpers.js';
import { Link } from '../../src/proxy/link.js';


const meta: ConnMeta = { id: 'c', client: { host: '127.0.0.1', port: 5000 }, server: { host: '127.0.0.1', port: 8080 }, transport: 'ws' };

function rig() {
  const client = new FakeEnd();
  const upstream = new FakeEnd();
  const tapped: [Direction, number][] = [];
  const tap = { open() {}, data(_id: string, dir: Direction, chunk: Uint8Array) { tapped.push([dir, chunk.length]); }, close() {} };
  const link = new Link(meta, client, {
    now: () => 0, tap, log: () => {}, notice: () => {}, closed: () => {}, upstreamLabel: 'b:1', maxBufferedBytes: 1 << 20,
  }, (attempt) => { attempt.connected(upstream); return () => {}; });
  return { link, client, upstream, tapped };
}

describe('a side that takes no more bytes', () => {
  it('broker bytes for a closing WebSocket client are not given to the decoder or counted', () => {
    const { link, client, upstream, tapped } = rig();
    upstream.ev!.data(Buffer.from([0x30, 0x03, 0x00, 0x01, 0x74])); // PUBLISH t, sent
    client.writable = false; // the client sent its close frame
    upstream.ev!.data(Buffer.from([0x30, 0x03, 0x00, 0x01, 0x75])); // PUBLISH u, dropped
    expect(tapped).toEqual([['s2c', 5]]);
    expect(link.info().bytesS2C).toBe(5);
    expect(client.written).toBe(5);
  });

  it('an End without the property (TCP) still takes and taps every byte', () => {
    const { client, upstream, tapped } = rig();
    client.ev!.data(Buffer.from([0xc0, 0x00]));
    upstream.ev!.data(Buffer.from([0xd0, 0x00]));
    expect(tapped).toEqual([['c2s', 2], ['s2c', 2]]);
  });

  it('WebSocketEnd is writable only while its socket is OPEN', () => {
    const ws = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3, readyState: 1 } as unknown as WebSocket;
    const end = new WebSocketEnd(ws, 1 << 16);
    expect(end.writable).toBe(true);
    (ws as { readyState: number }).readyState = 2;
    expect(end.writable).toBe(false);
    expect(end.destroyed).toBe(false);
  });
});
