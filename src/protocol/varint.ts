// The Variable Byte Integer of MQTT [MQTT-1.5.5]: 7 value bits per byte, least
// significant first, the high bit set when another byte follows; at most 4 bytes.
// (The framer's aligned fast path decodes it inline; everything else uses these.)

export type VarintResult = { value: number; next: number } | 'more' | 'invalid';

/** Decode at `pos`; 'more' when `end` cuts it short, 'invalid' after a 4th continuation bit. */
export function decodeVarint(buf: Uint8Array, pos: number, end: number = buf.length): VarintResult {
  let value = 0;
  let mul = 1;
  for (let k = 0; k < 4; k++) {
    const i = pos + k;
    if (i >= end) return 'more';
    const b = buf[i]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    mul *= 128;
  }
  return 'invalid';
}

export function encodeVarint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let d = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) d |= 0x80;
    out.push(d);
  } while (n > 0);
  return Uint8Array.from(out);
}

/** A Variable Byte Integer's bytes `b[s, e)` as bytes, `ff ff 7f` (in notes, so they do not read as one number). */
export function varintBytesHex(b: Uint8Array, s: number, e: number): string {
  const out: string[] = [];
  for (let i = s; i < e; i++) out.push(b[i]!.toString(16).padStart(2, '0'));
  return out.join(' ');
}
