// A Framer with a clock hands out packets held during a resync through recovered(); that
// path did not track "the last packet was of reserved type 0", so a second type-0 packet
// right after a held one was framed with a clock and made a resync without one (fast-check
// found it: seed 1081540052 of the stamping property in framer.test.ts).
import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/stream/framer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const CONNECT = '101000044d5154540402003c000470312d31';
const TYPE0 = '0003612f62'; // reserved type 0, Remaining Length 3

function frame(clocked: boolean): string[] {
  const stream = hex('207f00' + CONNECT + CONNECT + TYPE0 + TYPE0 + '30fd03000174' + '61'.repeat(507));
  const out: string[] = [];
  const clock = { curTime: 0, curFrame: 0 };
  const f = new Framer({
    packet: (x) => out.push(Buffer.from(x).toString('hex')),
    ...(clocked ? { recovered: (buf: Uint8Array, off: number, len: number) => out.push(Buffer.from(buf.subarray(off, off + len)).toString('hex')) } : {}),
    note: (n) => out.push(`note ${n.code}`),
  }, clocked ? { clock } : {});
  f.startResync(); // mid-stream
  for (const [i, [a, b]] of [[0, 44], [44, stream.length]].entries()) {
    clock.curFrame = i + 1;
    clock.curTime = (i + 1) * 10;
    f.push(stream.subarray(a, b));
  }
  f.flush();
  return out;
}

describe('a second reserved-type-0 packet after packets held during a resync', () => {
  it('resyncs with a clock as without one', () => {
    const plain = frame(false);
    expect(plain).toEqual(['note resync', CONNECT, CONNECT, TYPE0, 'note resync']);
    expect(frame(true)).toEqual(plain);
  });
});
