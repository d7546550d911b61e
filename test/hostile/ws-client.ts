// A raw WebSocket client for the hostile tests: TCP, the HTTP upgrade (subprotocol
// mqtt), then whatever frames the test writes, well-formed or not.
import net from 'node:net';

/** Connect to `port`, upgrade, and resolve once the server answered; `socks` collects the socket for the test's cleanup. */
export async function wsClient(port: number, socks: net.Socket[]): Promise<{ sock: net.Socket; closed: Promise<void> }> {
  const sock = net.connect(port, '127.0.0.1');
  socks.push(sock);
  sock.on('error', () => { /* the proxy may close or reset it */ });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');
  await new Promise<void>((r) => sock.once('data', () => r()));
  return { sock, closed };
}
