// WebSocket clients that break the WebSocket protocol: ws closes them (1002) and the
// proxy resets their broker connection, which is right, but nothing said why: the
// user saw a client dropped with no line and no finding. Each now gets one log line.
import { describe, expect, it } from 'vitest';
import { waitFor, wsProxyPerTest } from '../proxy/helpers.js';
import { wsClient } from './ws-client.js';

const ws = wsProxyPerTest();
const socks = ws.socks;

/** A raw WebSocket client that sends `frames` after the upgrade. */
async function send(port: number, frames: Buffer): Promise<void> {
  (await wsClient(port, socks)).sock.write(frames);
}

describe('WebSocket protocol errors from a client', () => {
  it('an unmasked frame and a reserved opcode each get a line naming the client and the reason', async () => {
    const { proxy } = await ws.start();
    // 82: FIN, binary; 02: no MASK bit, length 2; c0 00: PINGREQ.
    await send(proxy.wsPort!, Buffer.from('8202c000', 'hex'));
    await waitFor(() => proxy.logs.length === 1, 5000, 'the first line');
    // 83: FIN, reserved opcode 3; 82: MASK bit, length 2; 00 00 00 00: mask; c0 00: payload.
    await send(proxy.wsPort!, Buffer.from('838200000000c000', 'hex'));
    await waitFor(() => proxy.logs.length === 2, 5000, 'the second line');
    expect(proxy.logs[0]).toMatch(/^client 127\.0\.0\.1:\d+ broke the WebSocket protocol \(MASK must be set; WS_ERR_EXPECTED_MASK\); closing the connection$/);
    expect(proxy.logs[1]).toMatch(/^client 127\.0\.0\.1:\d+ broke the WebSocket protocol \(invalid opcode 3; WS_ERR_INVALID_OPCODE\); closing the connection$/);
    await waitFor(() => proxy.connections().length === 0, 5000, 'both closed');
  });
});
