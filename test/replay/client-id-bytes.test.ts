// --suffix-client-ids appends to the captured client id bytes as they are: a
// captured id that is not well-formed UTF-8 (a broker refuses it [MQTT-1.5.3-1])
// was decoded and re-encoded, so it went out repaired with U+FFFD (EF BF BD) and
// the live broker accepted a CONNECT the captured one refused.
import { describe, expect, it } from 'vitest';
import { rewriteClientId } from '../../src/replay/index.js';

/** An MQTT 3.1.1 CONNECT (Clean Session, Keep Alive 60, no other fields) whose Client Identifier is the bytes `id`. */
function connect311(id: number[]): Uint8Array {
  return Uint8Array.from([
    0x10, // CONNECT
    12 + id.length, // Remaining Length
    0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // Protocol Name "MQTT"
    0x04, // Protocol Level 4 (3.1.1)
    0x02, // Connect Flags: Clean Session
    0x00, 0x3c, // Keep Alive 60
    0x00, id.length, // Client Identifier length
    ...id,
  ]);
}

describe('rewriteClientId', () => {
  it('keeps the captured id bytes when they are not UTF-8, and appends the suffix', () => {
    // Client Identifier "a" and a byte that is not UTF-8 (Remaining Length 14).
    const connect = connect311([0x61, 0xff]);
    const out = rewriteClientId(connect, (id) => `${id}-r`)!;
    // Client Identifier: the captured bytes, then "-r" (Remaining Length 16).
    expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(connect311([0x61, 0xff, 0x2d, 0x72])).toString('hex'));
  });

  it('an id replaced by another (not appended to) is encoded as given', () => {
    const connect = connect311([0x61]); // Client Identifier "a" (Remaining Length 13)
    const out = rewriteClientId(connect, () => 'é')!;
    expect([...out.subarray(12)]).toEqual([
      0x00, 0x02, // Client Identifier length 2
      0xc3, 0xa9, // Client Identifier "é" in UTF-8
    ]);
  });
});
