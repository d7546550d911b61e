// A client pointed at the --ws-listen port with plain MQTT (mosquitto_pub -p WSPORT) or
// with TLS (wss://) was answered with an HTTP 400 it cannot read, and the proxy said
// nothing. It now gets one line naming the mistake, and the connection is closed.
import { describe, expect, it } from 'vitest';
import { connect, connectPacket, waitFor, wsProxyPerTest } from './helpers.js';

const ws = wsProxyPerTest();
const socks = ws.socks;

/** Send `bytes` to the port and collect what comes back until the proxy closes. */
async function sendAndRead(port: number, bytes: Buffer): Promise<Buffer> {
  const s = await connect(port);
  socks.push(s);
  const got: Buffer[] = [];
  s.on('data', (c: Buffer) => got.push(c));
  s.on('error', () => {});
  // The socket is half-open (allowHalfOpen): the proxy's FIN is the end.
  const closed = new Promise<void>((r) => { s.once('end', () => r()); s.once('close', () => r()); });
  s.write(bytes);
  await closed;
  return Buffer.concat(got);
}

describe('the --ws-listen port given something else than HTTP', () => {
  it('plain MQTT: a line naming the --listen address, and no HTTP answer', async () => {
    const { proxy, broker } = await ws.start();
    const back = await sendAndRead(proxy.wsPort!, connectPacket('wrong-port'));
    expect(back.toString('latin1')).not.toContain('HTTP/1.1');
    await waitFor(() => proxy.logs.length > 0, 5000, 'the line');
    expect(proxy.logs).toEqual([
      expect.stringMatching(new RegExp(`^client 127\\.0\\.0\\.1:\\d+ sent plain MQTT \\(a CONNECT, not a WebSocket upgrade\\) to the --ws-listen port; MQTT over TCP goes to 127\\.0\\.0\\.1:${proxy.port} \\(--listen\\); closing the connection$`)),
    ]);
    expect(broker.accepted).toHaveLength(0);
  });

  it('TLS (wss://): a line saying the port takes ws:// only', async () => {
    const { proxy } = await ws.start();
    // 16 handshake record; 03 01 record version; 00 05 length; 01 ClientHello; 00 00 01 length; 03 first body byte.
    await sendAndRead(proxy.wsPort!, Buffer.from('160301000501000001' + '03', 'hex'));
    await waitFor(() => proxy.logs.length > 0, 5000, 'the line');
    expect(proxy.logs[0]).toMatch(/^client 127\.0\.0\.1:\d+ started TLS \(wss:\/\/\?\) on the --ws-listen port, which takes ws:\/\/ only; closing the connection$/);
  });

  it('a malformed HTTP request still gets a 400 and no line', async () => {
    const { proxy } = await ws.start();
    const back = await sendAndRead(proxy.wsPort!, Buffer.from('GET / HTTP/1.1\r\nHost x\r\n\r\n'));
    expect(back.toString('latin1')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(proxy.logs).toEqual([]);
  });
});
