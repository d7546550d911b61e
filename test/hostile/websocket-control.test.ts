// WebSocket control frames in captures (ping, pong, close, reserved opcodes):
// a control frame may carry 125 bytes [RFC 6455 §5.5], but its length field is
// 64 bits. The deframer kept every payload byte of one as an array element, so
// a ping declaring 2^36 bytes made the reader hold what followed, 4 to 8 times
// over; it keeps 125 now (a close frame's code is in the first two).
import { describe, expect, it } from 'vitest';
import { WebSocketDeframer } from '../../src/stream/websocket.js';
import { MiB, retainedHeap } from '../soak/wire.js';

function deframer() {
  const out = { data: [] as number[], notes: [] as string[], close: undefined as number | null | undefined };
  const d = new WebSocketDeframer({
    data: (b) => out.data.push(...b),
    note: (n) => out.notes.push(n.code),
    close: (c) => { out.close = c; },
  }, { http: false });
  return { d, out };
}

describe('WebSocket control frames longer than 125 bytes', () => {
  it('a ping declaring 2^36 bytes: what follows is skipped, not held', () => {
    const { d, out } = deframer();
    // 89: FIN, opcode 9 (ping); 7f: no mask, 64-bit length; 00 00 00 10 00 00 00 00 = 2^36.
    d.push(Buffer.from('897f0000001000000000', 'hex'));
    const before = retainedHeap();
    const chunk = Buffer.alloc(MiB, 0x41);
    for (let i = 0; i < 16; i++) d.push(chunk);
    const grown = (retainedHeap() - before) / MiB;
    // 16 MiB as array elements was 64 MiB or more of heap.
    expect(grown).toBeLessThan(8);
    expect(out.notes).toEqual(['websocket-bad-control']);
    expect(out.data).toEqual([]);
  });

  it('a close frame of 200 bytes still gives its code, and reserved opcode frames of 300 bytes are skipped before the next data frame', () => {
    const { d, out } = deframer();
    // 83: FIN, reserved data opcode 3; 7e 01 2c: 16-bit length 300; then 300 bytes.
    d.push(Buffer.concat([Buffer.from('837e012c', 'hex'), Buffer.alloc(300, 0x55)]));
    // 8b: FIN, reserved control opcode 0xb; the same 300 bytes.
    d.push(Buffer.concat([Buffer.from('8b7e012c', 'hex'), Buffer.alloc(300, 0x55)]));
    // 82: FIN, binary; 02: length 2; c0 00: PINGREQ.
    d.push(Buffer.from('8202c000', 'hex'));
    // 88: FIN, close; 7e 00 c8: length 200; 03 e8: code 1000; then 198 bytes of reason.
    d.push(Buffer.concat([Buffer.from('887e00c803e8', 'hex'), Buffer.alloc(198, 0x61)]));
    expect(out.data).toEqual([0xc0, 0x00]);
    expect(out.close).toBe(1000);
    // The reserved control opcode is named as reserved, not as a control frame that is too long.
    expect(out.notes).toEqual(['websocket-bad-opcode', 'websocket-bad-opcode', 'websocket-bad-control']);
  });
});
