// UTF-8 string decoding for MQTT strings [MQTT-1.5.4]. The fast path checks an
// all-ASCII run without allocating and slices it with latin1; anything else is
// validated by hand (overlongs, surrogates, > U+10FFFF are errors). The same
// loops flag the code points a string SHOULD NOT contain: controls and
// noncharacters [MQTT 5.0 §1.5.4, 3.1.1 §1.5.3].
import { Buffer } from 'node:buffer';

/** Bits set by the last decodeUtf8 call. */
export const UTF8_INVALID = 1;
export const UTF8_NUL = 2;
/** The string contains `+` or `#` (wildcards, matter for PUBLISH topics). */
export const UTF8_WILDCARD = 4;
/** A control character (U+0001-U+001F, U+007F-U+009F) or a noncharacter (U+FDD0-U+FDEF, U+xFFFE/U+xFFFF). */
export const UTF8_DISCOURAGED = 8;

/** Status bits of the last decodeUtf8 / checkUtf8 call (avoids allocating a result object). */
export let utf8Status = 0;

type Slicer = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Slicer }).latin1Slice;
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Slicer }).utf8Slice;
// ignoreBOM: a leading U+FEFF is part of the string and MUST NOT be stripped [MQTT-1.5.4-3].
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Validate bytes [s, e) as MQTT UTF-8; returns status bits, also left in utf8Status. */
export function checkUtf8(b: Uint8Array, s: number, e: number): number {
  let st = 0;
  let i = s;
  while (i < e) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c < 0x30) {
        if (c === 0x23 || c === 0x2b) st |= UTF8_WILDCARD;
        else if (c < 0x20) st |= c === 0 ? UTF8_NUL : UTF8_DISCOURAGED;
      } else if (c === 0x7f) st |= UTF8_DISCOURAGED;
      i++;
      continue;
    }
    // Multi-byte sequence: well-formed table [Unicode 3.9, Table 3-7].
    let n = 0;
    let lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c === 0xe0) { n = 2; lo = 0xa0; }
    else if (c >= 0xe1 && c <= 0xec) n = 2;
    else if (c === 0xed) { n = 2; hi = 0x9f; } // U+D800..U+DFFF surrogates excluded
    else if (c === 0xee || c === 0xef) n = 2;
    else if (c === 0xf0) { n = 3; lo = 0x90; }
    else if (c >= 0xf1 && c <= 0xf3) n = 3;
    else if (c === 0xf4) { n = 3; hi = 0x8f; }
    else { st |= UTF8_INVALID; i++; continue; }
    // A sequence cut off by the string end: go on with the next byte, as for any other
    // ill-formed byte, so a `+`, U+0000 or control in the bytes left (`e2 2b`) is noted.
    if (i + n >= e) { st |= UTF8_INVALID; i++; continue; }
    const c1 = b[i + 1]!;
    if (c1 < lo || c1 > hi) { st |= UTF8_INVALID; i++; continue; }
    let ok = true;
    for (let k = 2; k <= n; k++) {
      const ck = b[i + k]!;
      if (ck < 0x80 || ck > 0xbf) { ok = false; break; }
    }
    if (!ok) { st |= UTF8_INVALID; i++; continue; }
    if (n === 1) {
      if (c === 0xc2 && c1 < 0xa0) st |= UTF8_DISCOURAGED; // U+0080-U+009F
    } else if (n === 2) {
      // U+FDD0-U+FDEF (ef b7 90-af) and U+FFFE/U+FFFF (ef bf be/bf)
      if (c === 0xef && ((c1 === 0xb7 && b[i + 2]! >= 0x90 && b[i + 2]! <= 0xaf) || (c1 === 0xbf && b[i + 2]! >= 0xbe))) st |= UTF8_DISCOURAGED;
    } else if ((c1 & 0x0f) === 0x0f && b[i + 2] === 0xbf && b[i + 3]! >= 0xbe) {
      st |= UTF8_DISCOURAGED; // U+1FFFE ... U+10FFFF: the last two of every plane
    }
    i += n + 1;
  }
  utf8Status = st;
  return st;
}

/** Decode bytes [s, e) as a string; invalid sequences become U+FFFD. Sets utf8Status. */
export function decodeUtf8(b: Uint8Array, s: number, e: number): string {
  // Fast path: pure ASCII (no NUL needs no special decode either).
  let st = 0;
  let i = s;
  for (; i < e; i++) {
    const c = b[i]!;
    // Most topic bytes are letters, digits or '/': two comparisons each.
    if (c < 0x30) {
      if (c === 0x23 || c === 0x2b) st |= UTF8_WILDCARD;
      else if (c < 0x20) st |= c === 0 ? UTF8_NUL : UTF8_DISCOURAGED;
    } else if (c >= 0x7f) {
      if (c >= 0x80) break;
      st |= UTF8_DISCOURAGED;
    }
  }
  if (i === e) {
    utf8Status = st;
    if (latin1Slice !== undefined) return latin1Slice.call(b, s, e);
    let r = '';
    for (let k = s; k < e; k++) r += String.fromCharCode(b[k]!);
    return r;
  }
  st |= checkUtf8(b, i, e);
  utf8Status = st;
  if ((st & UTF8_INVALID) === 0 && utf8Slice !== undefined) return utf8Slice.call(b, s, e);
  return lossy.decode(b.subarray(s, e));
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes [s, e). */
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: Slicer }).hexSlice;

export function hexOf(b: Uint8Array, s = 0, e = b.length): string {
  if (e - s > 4 && hexSlice !== undefined) return hexSlice.call(b, s, e);
  let r = '';
  for (let i = s; i < e; i++) r += HEX[b[i]!]!;
  return r;
}

export function hexByte(x: number): string {
  return HEX[x & 0xff]!;
}

/** JSON-style double-quoted string; plain printable text skips JSON.stringify. */
export function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return JSON.stringify(s);
  }
  return '"' + s + '"';
}
