// Tokens of the display-filter language. Identifiers may contain dots and
// hyphens (`mqtt.conack.flags.sp`, `undelivered-publish`); strings use double
// quotes with C/JSON-style escapes; numbers are decimal or 0x hex.
import { isIPv6 } from 'node:net';
import { FilterSyntaxError } from './errors.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | '(' | ')' | '{' | '}' | ',' | 'slice' | 'eof';

export interface Token {
  kind: TokenKind;
  /** ident: as written; op: the operator; string: the decoded value; number: as written. */
  text: string;
  /** number tokens: the value. */
  num?: number;
  pos: number;
  end: number;
  /**
   * A value that is not a number but may be bytes (`4f`, `08`): a word, which the parser
   * refuses with this reason at `at` unless a bytes field reads it as hex bytes.
   */
  bad?: { at: number; reason: string };
  /** string tokens with a \x or octal escape: the exact bytes (text is their UTF-8 reading). */
  bytes?: Uint8Array;
  /** slice tokens (`[i:j]`, `[i-j]`, `[i]`, `[i:]`, `[:j]`): the bytes they select. */
  slice?: { from: number; len?: number };
}

const enc = new TextEncoder();
const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_.\-]/;
/** Two hex digits, then more pairs after one separator used throughout (`:`, `-` or `.`). */
const BYTES = /[0-9A-Fa-f]{2}(?:([:\-.])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2})*(?![0-9A-Za-z_.:\-])/y;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  const err = (code: ConstructorParameters<typeof FilterSyntaxError>[0], msg: string, at: number): never => {
    throw new FilterSyntaxError(code, msg, src, at);
  };
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const start = i;
    // An IPv6 address as Wireshark users write it (`ipv6.addr == ::1`, `fe80::1`) is a word,
    // in the form the connection's addresses have (lowercase, zeros compressed).
    const v6 = ipv6At(src, i);
    if (v6 !== null) {
      out.push({ kind: 'ident', text: v6.text, pos: start, end: v6.end });
      i = v6.end;
      continue;
    }
    // A byte string as Wireshark writes one (`54:75:72`, `54-75`, `6f.66`): a word; a bytes
    // field (mqtt.msg, mqtt.willmsg, mqtt) compares it as those bytes (compile.ts).
    BYTES.lastIndex = i;
    const bytes = BYTES.exec(src);
    if (bytes && !(bytes[1] === '.' && /^[\d.]+$/.test(bytes[0]))) {
      i += bytes[0].length;
      out.push({ kind: 'ident', text: bytes[0], pos: start, end: i });
      continue;
    }
    // Wireshark 4's raw string (r"…"): said plainly, not as a stray string after a word `r`.
    if ((c === 'r' || c === 'R') && src[i + 1] === '"') {
      err('unexpected-token', 'Wireshark\'s raw strings (r"…") are not supported: write the string in plain double quotes, with each backslash doubled', i);
    }
    if (IDENT_START.test(c)) {
      i++;
      while (i < n && IDENT_CHAR.test(src[i]!)) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), pos: start, end: i });
      continue;
    }
    if (c >= '0' && c <= '9') {
      // An IPv4 address as Wireshark users write it (`ip.addr == 10.0.0.1`) is a word, and
      // so is a subnet (`ip.addr == 10.0.0.0/8`).
      const ip = /^\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,3})?(?![A-Za-z0-9_.:\-\/])/.exec(src.slice(i, i + 20));
      if (ip) {
        i += ip[0].length;
        out.push({ kind: 'ident', text: ip[0], pos: start, end: i });
        continue;
      }
      let value: number;
      if (c === '0' && (src[i + 1] === 'b' || src[i + 1] === 'B') && /[01]/.test(src[i + 2] ?? '')) {
        // Binary, as in Wireshark 4 (0b101).
        i += 2;
        const b = i;
        while (i < n && (src[i] === '0' || src[i] === '1')) i++;
        value = parseInt(src.slice(b, i), 2);
      } else if (c === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
        i += 2;
        const h = i;
        while (i < n && /[0-9A-Fa-f]/.test(src[i]!)) i++;
        if (i === h) err('bad-number', "'0x' must be followed by hex digits", i);
        value = parseInt(src.slice(h, i), 16);
      } else {
        while (i < n && src[i]! >= '0' && src[i]! <= '9') i++;
        if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
          i++;
          while (i < n && src[i]! >= '0' && src[i]! <= '9') i++;
        }
        value = Number(src.slice(start, i));
        // A leading 0 makes an integer octal, as in Wireshark and C: 074 is 60, not 74.
        const lead = /^0[0-9]+$/.exec(src.slice(start, i));
        if (lead && !(i < n && IDENT_CHAR.test(src[i]!) && src.slice(i, i + 2) !== '..')) {
          const text = lead[0];
          if (/[89]/.test(text)) {
            out.push({ kind: 'ident', text, pos: start, end: i, bad: { at: start, reason: `invalid number '${text}': a leading 0 makes it octal, as in Wireshark (write ${Number(text)} without the 0)` } });
            continue;
          }
          value = parseInt(text, 8);
        }
      }
      // `8..9`: a range in a set ends the number at '..'.
      if (i < n && IDENT_CHAR.test(src[i]!) && src.slice(i, i + 2) !== '..') {
        let e = i;
        while (e < n && IDENT_CHAR.test(src[e]!)) e++;
        // Hex digits only (`4f`, `5475726e`): a byte string on a bytes field; the parser
        // says 'invalid number' for any other field.
        if (/^[0-9A-Fa-f]+$/.test(src.slice(start, e))) {
          const text = src.slice(start, e);
          out.push({ kind: 'ident', text, pos: start, end: e, bad: { at: i, reason: `invalid number '${text}'; quote it if it is a string` } });
          i = e;
          continue;
        }
        err('bad-number', `invalid number '${src.slice(start, e)}'; quote it if it is a string`, i);
      }
      out.push({ kind: 'number', text: src.slice(start, i), num: value, pos: start, end: i });
      continue;
    }
    if (c === '"') {
      i++;
      let s = '';
      // \xHH and octal escapes are bytes, as in Wireshark: "\xc3\xa9" is é, and "\xff"
      // the byte ff in a payload (not U+00FF, whose UTF-8 is c3 bf).
      const bytes: number[] = [];
      let byteEscape = false;
      const flush = (): void => { for (const x of enc.encode(s)) bytes.push(x); s = ''; };
      for (;;) {
        if (i >= n) err('unterminated-string', 'string is not closed: missing "', start);
        const d = src[i]!;
        if (d === '"') { i++; break; }
        if (d !== '\\') { s += d; i++; continue; }
        const e = src[i + 1];
        const at = i;
        i += 2;
        switch (e) {
          case '"': s += '"'; break;
          case '\\': s += '\\'; break;
          case '/': s += '/'; break;
          case 'n': s += '\n'; break;
          case 'r': s += '\r'; break;
          case 't': s += '\t'; break;
          case 'a': s += '\x07'; break;
          case 'b': s += '\b'; break;
          case 'f': s += '\f'; break;
          case 'v': s += '\v'; break;
          case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            // Octal, one to three digits, as in C and Wireshark (`\057` is '/'; `\0` alone is NUL).
            const oct = /^[0-7]{1,3}/.exec(src.slice(i - 1, i + 2))![0];
            const code = parseInt(oct, 8);
            if (code > 0o377) err('bad-escape', `octal escape '\\${oct}' is above \\377 (one byte)`, at);
            flush();
            bytes.push(code);
            byteEscape = true;
            i += oct.length - 1;
            break;
          }
          case 'x': {
            const hx = src.slice(i, i + 2);
            if (!/^[0-9A-Fa-f]{2}$/.test(hx)) err('bad-escape', '\\x must be followed by two hex digits', at);
            flush();
            bytes.push(parseInt(hx, 16));
            byteEscape = true;
            i += 2;
            break;
          }
          case 'u': {
            let hx: string;
            if (src[i] === '{') {
              const close = src.indexOf('}', i);
              hx = close < 0 ? '' : src.slice(i + 1, close);
              if (!/^[0-9A-Fa-f]{1,6}$/.test(hx) || parseInt(hx, 16) > 0x10ffff) err('bad-escape', '\\u{...} needs 1 to 6 hex digits (at most 10FFFF)', at);
              i = close + 1;
            } else {
              hx = src.slice(i, i + 4);
              if (!/^[0-9A-Fa-f]{4}$/.test(hx)) err('bad-escape', '\\u must be followed by four hex digits', at);
              i += 4;
            }
            s += String.fromCodePoint(parseInt(hx, 16));
            break;
          }
          default:
            err('bad-escape', e === undefined ? 'string ends with a lone backslash' : `unknown escape '\\${e}' (use \\\\ for a backslash)`, at);
        }
      }
      if (!byteEscape) {
        out.push({ kind: 'string', text: s, pos: start, end: i });
        continue;
      }
      flush();
      const raw = Uint8Array.from(bytes);
      out.push({ kind: 'string', text: new TextDecoder().decode(raw), bytes: raw, pos: start, end: i });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '..') {
      i += 2;
      out.push({ kind: 'op', text: two, pos: start, end: i });
      continue;
    }
    // Wireshark 4's `===` (every occurrence equals) and `!==` (some occurrence differs).
    const three = src.slice(i, i + 3);
    if (three === '===' || three === '!==') {
      i += 3;
      out.push({ kind: 'op', text: three, pos: start, end: i });
      continue;
    }
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      i += 2;
      out.push({ kind: 'op', text: two, pos: start, end: i });
      continue;
    }
    if (two === '<>') err('unexpected-char', "'<>' is not an operator; use '!='", i);
    if (c === '<' || c === '>' || c === '!') {
      i++;
      out.push({ kind: 'op', text: c, pos: start, end: i });
      continue;
    }
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      i++;
      out.push({ kind: c, text: c, pos: start, end: i });
      continue;
    }
    // Reversed operators (`=>`, `=<`, `=!`) and SQL's `<>`: name the one meant.
    const meant: Record<string, string> = { '=>': '>=', '=<': '<=', '=!': '!=', '<>': '!=' };
    if (meant[two]) err('unexpected-char', `'${two}' is not an operator; use '${meant[two]}'`, i);
    if (c === '=') err('unexpected-char', "'=' is not an operator; use '==' to compare", i);
    if (c === '&' && /^&\s*(?:0[xXbB])?[0-9A-Fa-f]/.test(src.slice(i, i + 8))) {
      err('unexpected-char', "bitwise '&' (Wireshark's field & mask) is not supported: test the flag's own field (mqtt.retain, mqtt.qos, mqtt.dupflag, mqtt.conflag.*, mqtt.conack.flags.sp), or use '&&' (or 'and')", i);
    }
    if (c === '&') err('unexpected-char', "single '&'; use '&&' (or 'and')", i);
    if (c === '|') err('unexpected-char', "single '|'; use '||' (or 'or')", i);
    if (c === "'") err('unexpected-char', 'strings use double quotes: "..."', i);
    if (two === '~=') err('unexpected-char', "'~=' is Wireshark's deprecated spelling of '!==' (some occurrence differs): write '!==', or '!=' for none equal", i);
    if (c === '~') {
      err('unexpected-char', "'~' is Wireshark's regular-expression match, which mqttscope does not have: use 'matches' with an MQTT topic filter (\"home/+/temp\") or 'contains' for a substring", i);
    }
    if (c === '[' && /\bin\s*$/i.test(src.slice(0, i))) err('unexpected-char', "a set is written in braces: in {1, 2}", i);
    if (c === ':' && /[0-9A-Fa-f]$/.test(src.slice(0, i))) {
      err('unexpected-char', 'a byte string is pairs of hex digits, each byte two (54:75:72, 0a:01)', i);
    }
    // A slice right after a field, as in Wireshark: [i:j] (start, length), [i-j] (start, end,
    // both included), [i] (one byte), [i:] (to the end), [:j] (the first j); i < 0 counts from the end.
    const sl = c === '[' && out.length > 0 && out[out.length - 1]!.kind === 'ident' && out[out.length - 1]!.end === i
      ? /^\[\s*(-?\d+)?\s*(?:(:)\s*(\d+)?|-\s*(\d+))?\s*\]/.exec(src.slice(i, i + 40)) : null;
    if (sl && (sl[1] !== undefined || (sl[2] && sl[3] !== undefined))) {
      const from = Number(sl[1] ?? 0);
      let len: number | undefined;
      if (sl[2]) len = sl[3] === undefined ? undefined : Number(sl[3]);
      else if (sl[4] !== undefined) {
        if (from < 0 || Number(sl[4]) < from) err('unexpected-char', `the slice [${from}-${sl[4]}] is empty: [start-end] needs start <= end`, i);
        len = Number(sl[4]) - from + 1;
      } else len = 1;
      i += sl[0].length;
      out.push({ kind: 'slice', text: sl[0], pos: start, end: i, slice: len === undefined ? { from } : { from, len } });
      continue;
    }
    if (c === '[') err('unexpected-char', 'a slice is written right after a field: [i:j] (start, length), [i-j], [i], [i:] or [:j], e.g. mqtt.msg[0:2] == 7b:22', i);
    if (c === '/') err('unexpected-char', 'unexpected \'/\': quote a value that contains \'/\', such as a topic ("Room1/Light")', i);
    // tshark takes `mqtt.len > -1` and matches nothing: every MQTT field is unsigned.
    if (c === '-' && /[0-9]/.test(src[i + 1] ?? '')) {
      err('unexpected-char', 'a negative number: MQTT fields (lengths, packet ids, QoS, codes, ports) have no negative values; compare with 0 or more (mqtt.len >= 0)', i);
    }
    err('unexpected-char', `unexpected character ${JSON.stringify(c)}`, i);
  }
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return out;
}

/** An unquoted IPv6 address at `i` (two colons at least), or null. */
function ipv6At(src: string, i: number): { text: string; end: number } | null {
  const m = /^([0-9A-Fa-f:.]+)(\/\d{1,3})?/.exec(src.slice(i, i + 68));
  if (!m || !/:.*:/.test(m[1]!)) return null;
  const end = i + m[0].length;
  if (end < src.length && (IDENT_CHAR.test(src[end]!) || src[end] === '/')) return null;
  if (!isIPv6(m[1]!)) return null;
  // With an embedded IPv4 part (::ffff:10.0.0.1) the text is kept, in lowercase;
  // otherwise RFC 5952's form, which is how Node and the capture reader print addresses.
  // A subnet (`fe80::/10`) keeps its prefix length.
  const text = m[1]!.includes('.') ? m[1]!.toLowerCase() : new URL(`http://[${m[1]}]/`).hostname.slice(1, -1);
  return { text: text + (m[2] ?? ''), end };
}
