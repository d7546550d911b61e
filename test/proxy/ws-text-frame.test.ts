// MQTT over WebSocket goes in binary frames, and the receiver of any other data frame
// must close the network connection [MQTT-6.0.0-1]. The proxy ends the WebSocket, so it
// is that receiver: a text frame from a client was forwarded to the broker as if it were
// MQTT bytes, with nothing said. It is now not forwarded: the client gets a close frame
// 1003, the broker connection is reset, and a protocol-violation finding says why.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, connectPacket, openWs, waitFor, wsProxyPerTest } from './helpers.js';

const pair = wsProxyPerTest();

/** A WebSocket client offering mqtt, closed after the test. */
async function open(port: number): Promise<WebSocket> {
  const ws = await openWs(port, 'mqtt');
  pair.clients.push(ws);
  return ws;
}

describe('a WebSocket text frame from a client', () => {
  it('is not forwarded to the broker; the client is closed with 1003 and a finding cites MQTT-6.0.0-1', async () => {
    const { proxy, broker } = await pair.start();
    const client = await open(proxy.wsPort!);
    const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
    const connect = connectPacket('ws-text');
    client.send(connect, { binary: true });
    const up: net.Socket = await broker.next();
    const got = collect(up);
    const upClosed = got.ended.then(() => 'fin', (e: NodeJS.ErrnoException) => e.code);
    await waitFor(() => got.bytes() === connect.length, 5000, 'the CONNECT at the broker');
    // A PUBLISH as text: 30 PUBLISH QoS 0; 03 Remaining Length; 00 01 topic length; 74 topic "t".
    client.send('\x30\x03\x00\x01t', { binary: false });
    expect(await closed).toBe(1003);
    // The broker connection is reset, as for any client that breaks the protocol.
    expect(await upClosed).toBe('ECONNRESET');
    await waitFor(() => proxy.connections().length === 0, 5000, 'the link closed');
    expect(got.bytes()).toBe(connect.length);
    expect(Buffer.concat(got.chunks).equals(connect)).toBe(true);
    const f = proxy.findings().find((x) => x.extra.note === 'websocket-text-frame');
    expect(f).toBeDefined();
    expect(f!.code).toBe('protocol-violation');
    expect(f!.text).toContain('[MQTT-6.0.0-1]');
    expect(f!.extra.bytes).toBe(5);
    // The CONNECT decoded before the text frame comes first.
    const connectAt = proxy.records.findIndex((r) => r.kind === 'packet');
    expect(connectAt).toBeGreaterThanOrEqual(0);
    expect(connectAt).toBeLessThan(proxy.records.indexOf(f!));
    expect(proxy.logs.some((l) => /^client 127\.0\.0\.1:\d+ sent a WebSocket text frame \(5 bytes\).*\[MQTT-6\.0\.0-1\]/.test(l))).toBe(true);
    expect(proxy.packets().filter((p) => p.type === 'PUBLISH')).toHaveLength(0);
  });

  it('a text frame that is not valid UTF-8 (binary MQTT in it) is named as a text frame too', async () => {
    const { proxy, broker } = await pair.start();
    const client = await open(proxy.wsPort!);
    const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
    // A PINGREQ as text: c0 PINGREQ; 00 Remaining Length 0. Not valid UTF-8.
    client.send(Buffer.from([0xc0, 0x00]), { binary: false });
    expect(await closed).toBe(1003);
    await waitFor(() => proxy.connections().length === 0, 5000, 'the link closed');
    const f = proxy.findings().find((x) => x.extra.note === 'websocket-text-frame');
    expect(f?.extra.bytes).toBe(2);
    expect(proxy.logs.join('\n')).not.toContain('broke the WebSocket protocol');
    expect(proxy.logs.some((l) => l.includes('sent a WebSocket text frame (2 bytes)'))).toBe(true);
  });
});
