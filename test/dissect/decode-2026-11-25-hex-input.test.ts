// decode's hex input: bytes written without their leading zero (a C array's 0x0,
// printf '%x ' output) are bytes of their own, not nibbles run into the next byte;
// a bad character is located in the input as given, and a pasted hex dump is named.
import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/cli/commands/decode.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('decode hex input', () => {
  it('reads one-digit items of a C array as bytes', () => {
    // PUBLISH: 30 = type 3 flags 0; 03 = Remaining Length; 00 01 = Topic Length; 61 = "a"
    expect(hexOf(parseHex('{0x30, 0x3, 0x0, 0x1, 0x61};'))).toBe('3003000161');
    expect(hexOf(parseHex('[0x30,0x3,0x0,0x1,0x61]'))).toBe('3003000161');
    // a stray 0x with no digits is no byte
    expect(hexOf(parseHex('0x 30 3 0 1 61'))).toBe('3003000161');
  });

  it('reads printf-style one-digit items between separators as bytes', () => {
    // CONNECT header: 10 = type 1; 0c = Remaining Length 12; 00 04 = Protocol Name Length; MQTT; 04 = level; 02 = flags
    expect(hexOf(parseHex('10 c 0 4 4d 51 54 54 4 2 0 3c 0 0'))).toBe('100c00044d5154540402003c0000');
  });

  it('keeps a stream and groups as one run of digits', () => {
    expect(hexOf(parseHex('3014 000b 526f'))).toBe('3014000b526f');
    expect(hexOf(parseHex('30:14:00:0b'))).toBe('3014000b');
  });

  it('keeps a lone last digit an error (a cut-off paste)', () => {
    expect(() => parseHex('30 1')).toThrow(/odd number of hex digits/);
  });

  it('locates a bad character in the input as given', () => {
    expect(() => parseHex('c0 00 zz')).toThrow(/'z' at hex digit 5 is not a hex digit \(character 7 of the input\)$/);
    expect(() => parseHex('c0 00\nd0 0g')).toThrow(/'g' at hex digit 8 is not a hex digit \(line 2, column 5 of the input\)$/);
  });

  it('names a pasted hex dump with offsets and a text column', () => {
    expect(() => parseHex('0000  10 1a 00 04 4d 51 54 54 04 02 00 3c 00 0e 6d 71   ....MQTT...<..mq'))
      .toThrow(/looks like a hex dump with offsets and a text column .*Hex Stream/);
    expect(() => parseHex('00000000: 101a 0004 4d51 5454  ....MQTT')).toThrow(/looks like a hex dump/);
  });
});
