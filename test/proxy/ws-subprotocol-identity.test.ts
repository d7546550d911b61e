// WebSocket edges checked against mosquitto 2.0.11 (listener + protocol websockets):
// - no subprotocol offered: mosquitto upgrades (101, no Sec-WebSocket-Protocol) but never
//   answers the CONNECT; the proxy forwards it, with a line and a finding [MQTT-6.0.0-3];
// - only subprotocols other than mqtt / mqttv3.1 offered: mosquitto closes the connection;
//   the proxy refuses the upgrade (400) with a line naming what was offered. Before, ws
//   upgraded without a subprotocol and the client failed the handshake, with nothing said;
// - the text-frame finding carries the client id and user name of the CONNECT before it.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, openWs, waitFor, wsProxyPerTest, type RawServer, type TestProxy } from './helpers.js';

const pair = wsProxyPerTest();

/** CONNECT, MQTT 3.1.1, with a user name. */
const CONNECT = Buffer.from([
  0x10, 22, // CONNECT, remaining length 22
  0, 4, 0x4d, 0x51, 0x54, 0x54, // protocol name "MQTT"
  4, // protocol level 4 (3.1.1)
  0x82, // connect flags: user name, clean session
  0, 60, // keep alive 60 s
  0, 4, 0x77, 0x73, 0x69, 0x64, // client id "wsid"
  0, 4, 0x75, 0x73, 0x65, 0x72, // user name "user"
]);

/** A WebSocket client to the proxy, closed after the test. */
async function open(port: number, protocols?: string[]): Promise<WebSocket> {
  const ws = await openWs(port, protocols);
  pair.clients.push(ws);
  return ws;
}

const start = (): Promise<{ proxy: TestProxy; broker: RawServer }> => pair.start();

describe('WebSocket subprotocols', () => {
  it('a client offering none is forwarded, with a line and a finding citing MQTT-6.0.0-3', async () => {
    const { proxy: p, broker: b } = await start();
    const client = await open(p.wsPort!);
    expect(client.protocol).toBe('');
    client.send(CONNECT, { binary: true });
    const up: net.Socket = await b.next();
    const got = collect(up);
    await waitFor(() => got.bytes() === CONNECT.length, 5000, 'the CONNECT at the broker');
    await waitFor(() => p.packets().length === 1, 5000, 'the CONNECT decoded');
    const f = p.findings().filter((x) => x.extra.note === 'websocket-no-subprotocol');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'protocol-violation', severity: 'warn', conn: p.packets()[0]!.conn.id, extra: { spec: 'MQTT-6.0.0-3' } });
    expect(f[0]!.text).toContain('mosquitto 2.0.11');
    // The finding is about the handshake: it comes before the CONNECT.
    expect(p.records.indexOf(f[0]!)).toBeLessThan(p.records.indexOf(p.packets()[0]!));
    expect(p.logs.some((l) => /^client 127\.0\.0\.1:\d+ offered no WebSocket subprotocol; .*\[MQTT-6\.0\.0-3\].*forwarding it anyway$/.test(l))).toBe(true);
  });

  it('a client offering mqtt gets it, with no finding', async () => {
    const { proxy: p } = await start();
    const client = await open(p.wsPort!, ['foo', 'mqtt']);
    expect(client.protocol).toBe('mqtt');
    client.send(CONNECT, { binary: true });
    await waitFor(() => p.packets().length === 1, 5000, 'the CONNECT decoded');
    expect(p.findings()).toEqual([]);
    expect(p.logs).toEqual([]);
  });

  it('a client offering only other subprotocols is refused (400) with a line naming them', async () => {
    const { proxy: p } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${p.wsPort!}`, ['foo', 'bar']);
      ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.once('open', () => reject(new Error('upgraded')));
      // Upgraded without a subprotocol: the ws client fails the handshake itself.
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(400);
    await waitFor(() => p.logs.length > 0, 5000, 'the log line');
    expect(p.logs[0]).toMatch(/^client 127\.0\.0\.1:\d+ offered WebSocket subprotocol\(s\) foo, bar, not mqtt; MQTT over WebSocket needs subprotocol mqtt \[MQTT-6\.0\.0-3\]; refusing the upgrade \(400\)$/);
    expect(p.stats().accepted).toBe(0);
  });
});

describe('the WebSocket text-frame finding', () => {
  it('carries the client id and user name of the CONNECT before it, and follows it', async () => {
    const { proxy: p, broker: b } = await start();
    const client = await open(p.wsPort!, ['mqtt']);
    const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
    client.send(CONNECT, { binary: true });
    const up: net.Socket = await b.next();
    const got = collect(up);
    got.ended.catch(() => {});
    await waitFor(() => got.bytes() === CONNECT.length, 5000, 'the CONNECT at the broker');
    // A PINGREQ as text: c0 PINGREQ; 00 Remaining Length 0.
    client.send(Buffer.from([0xc0, 0x00]), { binary: false });
    expect(await closed).toBe(1003);
    await waitFor(() => p.connections().length === 0, 5000, 'the link closed');
    const f = p.findings().find((x) => x.extra.note === 'websocket-text-frame');
    expect(f).toMatchObject({ clientId: 'wsid', username: 'user', conn: p.packets()[0]!.conn.id });
    expect(p.records.indexOf(p.packets()[0]!)).toBeLessThan(p.records.indexOf(f!));
  });
});
