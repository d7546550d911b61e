// Formatting helpers shared by the text and JSON views: timestamps, reason
// code names, client labels, payload previews, byte sizes.
import type { Finding, PacketRecord } from '../model/packet.js';
import type { Severity } from '../model/types.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { namingVersion, reasonCodeString, reasonName } from '../protocol/reason-codes.js';

const CONNACK = 2, PUBLISH = 3, SUBACK = 9;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/**
 * The first and last microsecond with a 4-digit year, 0000-01-01T00:00:00.000000Z
 * and 9999-12-31T23:59:59.999999Z: the JSON contract's time has a 4-digit year.
 */
const MIN_SEC = -62_167_219_200;
const MAX_SEC = 253_402_300_799;

/**
 * ISO 8601 UTC with microseconds from µs since the epoch: `2026-11-23T18:00:01.512913Z`.
 * Times before 1970 work. Times outside the years 0000-9999 (only a broken capture
 * clock gives them; the capture reader notes them) are clamped to that range, so
 * the string always has the contract's form.
 */
export function isoMicros(us: number): string {
  if (Number.isNaN(us)) us = 0;
  const whole = Math.floor(us);
  let sec = Math.floor(whole / 1_000_000);
  // Beyond 2^53 µs (year 2255) a double's steps exceed 1 µs: keep the fraction in range.
  let frac = Math.min(999_999, Math.max(0, whole - sec * 1_000_000));
  if (sec > MAX_SEC) { sec = MAX_SEC; frac = 999_999; }
  else if (sec < MIN_SEC) { sec = MIN_SEC; frac = 0; }
  // Packets come in bursts within one second: reuse the "YYYY-MM-DDTHH:MM:SS." prefix.
  if (sec !== cachedSec) {
    const iso = new Date(sec * 1000).toISOString();
    // Everything up to and including the '.' before the milliseconds ("sssZ" is 4 characters).
    cachedPrefix = iso.slice(0, iso.length - 4);
    cachedSec = sec;
  }
  return `${cachedPrefix}${pad(frac, 6)}Z`;
}

let cachedSec = Number.NaN;
let cachedPrefix = '';

export interface ClockOptions {
  /** Show UTC instead of local time. */
  utc?: boolean;
  /** Show seconds since this time (µs) instead of the clock: `+12.345`. */
  relativeTo?: number;
  /** Digits after the second: 3 (ms, default) or 6 (µs). */
  digits?: 3 | 6;
}

/** `HH:MM:SS.mmm` (local time unless utc), or `+S.mmm` relative to `relativeTo`. */
export function clockTime(us: number, opts: ClockOptions = {}): string {
  const digits = opts.digits ?? 3;
  if (opts.relativeTo !== undefined) {
    const d = (us - opts.relativeTo) / 1e6;
    return `${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(digits)}`;
  }
  const ms = Math.floor(us / 1000);
  const sec = Math.floor(ms / 1000);
  const utc = opts.utc === true;
  // Packets come in bursts within one second: the `HH:MM:SS` of a whole second is
  // reused (a time zone's offset changes only on whole seconds).
  if (sec !== clockSec || utc !== clockUtc) {
    const d = new Date(ms);
    if (Number.isNaN(d.getTime())) return '--:--:--.' + '-'.repeat(digits);
    const [h, m, s] = utc ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] : [d.getHours(), d.getMinutes(), d.getSeconds()];
    clockPrefix = `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.`;
    clockSec = sec;
    clockUtc = utc;
  }
  const frac = digits === 6 ? pad(Math.floor(us) - Math.floor(us / 1e6) * 1e6, 6) : pad(ms - sec * 1000, 3);
  return clockPrefix + frac;
}

let clockSec = Number.NaN;
let clockUtc = false;
let clockPrefix = '';

/**
 * Duration in µs as a short human string: `850µs`, `12.3ms`, `4.20s`, then whole
 * seconds with minutes and hours as Go prints them: `2m5s`, `3h0m0s`.
 */
export function duration(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 0) return `-${duration(-us)}`;
  // Each unit only while its rounded value stays below the next unit (no `1000µs`, `60.00s`).
  if (us < 999.5) return `${Math.round(us)}µs`;
  if (us < 9_995) return `${(us / 1000).toFixed(2)}ms`;
  if (us < 999_950) return `${(us / 1000).toFixed(1)}ms`;
  if (us < 59_995_000) return `${(us / 1e6).toFixed(2)}s`;
  const total = Math.round(us / 1e6);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h${m}m${sec}s` : `${m}m${sec}s`;
}

/** Byte count: `512 B`, `1.5 kB`, `12.0 MB`. */
export function byteSize(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export { reasonCodeString };

/** Short words for a reason / return code: `Not authorized`, `Granted QoS 1`. */
export function reasonWords(type: number, code: number, version: number): string {
  version = namingVersion(type, code, version);
  const name = reasonName(type, code, version) ?? (version < 5 ? reasonName(type, code, 5) : undefined);
  if (name === undefined) return code >= 0x80 ? 'unknown failure' : 'unknown code';
  if (version < 5 && type === CONNACK && code !== 0) {
    const s = name.replace(/^Connection Refused,\s*/i, '');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  if (version < 5 && type === SUBACK) {
    const m = /Maximum QoS (\d)/.exec(name);
    if (m) return `Granted QoS ${m[1]}`;
  }
  return name;
}

/** `rc=0x87 Not authorized` / `rc=5 Not authorized` (CONNACK 3.1.1). */
export function reasonText(type: number, code: number, version: number): string {
  return `rc=${reasonCodeString(type, code, version)} ${reasonWords(type, code, version)}`;
}

/** Whether a code means failure: >= 0x80, or a non-zero 3.1.1 CONNACK. */
export function reasonFailed(type: number, code: number, version: number): boolean {
  if (version < 5 && type === CONNACK) return code !== 0;
  return code >= 0x80;
}

/** Spec name of the packet type. */
export function typeName(rec: PacketRecord): string {
  return packetTypeName(rec.summary.type);
}

/** Client address `IP:PORT` from a `CLIENT-SERVER` connection id. */
export function clientAddress(conn: string): string {
  const i = conn.indexOf('-');
  return i < 0 ? conn : conn.slice(0, i);
}

/** The client id when known (and non-empty), else the client address. */
export function clientLabel(r: PacketRecord | Finding): string {
  if (r.clientId) return r.clientId;
  return clientAddress(r.kind === 'packet' ? r.conn.id : r.conn);
}

/** The PUBLISH payload bytes (empty when none). */
export function payloadBytes(rec: PacketRecord): Uint8Array {
  const s = rec.summary;
  if (s.type !== PUBLISH || s.payloadOffset < 0 || !s.payloadLength) return new Uint8Array(0);
  return rec.bytes.subarray(s.payloadOffset, Math.min(rec.bytes.length, s.payloadOffset + s.payloadLength));
}

/** payloadPreview(payloadBytes(rec), max), read in place from the buffer the packet was framed in. */
export function publishPreview(rec: PacketRecord, max = 32): string {
  const s = rec.summary;
  if (s.type !== PUBLISH || s.payloadOffset < 0 || !s.payloadLength) return '';
  const inChunk = rec.chunk !== undefined;
  const buf = inChunk ? rec.chunk! : rec.bytes;
  const start = (inChunk ? rec.chunkOffset ?? 0 : 0) + s.payloadOffset;
  const len = Math.min(s.payloadLength, (inChunk ? rec.size : buf.length) - s.payloadOffset);
  return previewAt(buf, start, Math.max(0, len), max);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, s: number, e: number) => string }).latin1Slice;

/** Whether b[s, e) is all printable ASCII, tab, LF, VT, FF or CR: text shown one character per byte. */
function plainText(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c > 0x7e || (c < 0x20 && (c < 0x09 || c > 0x0d))) return false;
  }
  return true;
}

/**
 * A short preview of a payload: JSON-quoted text when it is printable UTF-8,
 * otherwise hex. Longer payloads are cut with `…`.
 */
export function payloadPreview(p: Uint8Array, max = 32): string {
  return previewAt(p, 0, p.length, max);
}

/** payloadPreview() of b[start, start+len), without a view unless the payload is not plain text. */
function previewAt(b: Uint8Array, start: number, len: number, max: number): string {
  if (len === 0) return '';
  const seen = Math.min(len, max * 4);
  // The usual JSON or text payload needs no decoder and no split into characters.
  if (plainText(b, start, start + seen)) {
    const n = Math.min(seen, max);
    let text: string;
    if (latin1Slice !== undefined) text = latin1Slice.call(b, start, start + n);
    else { text = ''; for (let i = start; i < start + n; i++) text += String.fromCharCode(b[i]!); }
    return JSON.stringify(text) + (len > max ? '…' : '');
  }
  const p = start === 0 && len === b.length ? b : b.subarray(start, start + len);
  const slice = p.subarray(0, seen);
  let text: string | null;
  try {
    text = utf8.decode(slice);
  } catch {
    // A multi-byte sequence cut at the slice end is still text.
    try { text = slice.length < p.length ? utf8.decode(slice.subarray(0, slice.length - 3)) : null; } catch { text = null; }
  }
  if (text !== null && !UNSAFE_IN_TEXT.test(text)) {
    const chars = [...text];
    const cut = chars.length > max || slice.length < p.length;
    return JSON.stringify(chars.slice(0, max).join('')) + (cut ? '…' : '');
  }
  const n = Math.min(p.length, Math.floor(max / 2));
  let hex = '';
  for (let i = 0; i < n; i++) hex += p[i]!.toString(16).padStart(2, '0');
  return `0x${hex}${n < p.length ? '…' : ''}`;
}

/**
 * The bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), as the body of a regex character class: a terminal that lays out
 * bidirectional text would let U+202E show the rest of the line reversed
 * (`a/‮nimda` reading as `a/admin`; the Trojan Source trick, CVE-2021-42574).
 */
export const BIDI_CLASS = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';

/** C0 and C1 controls, DEL and the bidirectional formatting characters: nothing from the network may reach a terminal raw. */
// DEL and the C1 controls (U+0080-U+009F; U+009B is a one-character CSI that
// terminals such as xterm act on in UTF-8), and the bidirectional formatting
// characters (U+202E shows the rest of a line reversed), that JSON.stringify leaves raw.
const RAW_CONTROL = new RegExp(`[\\u007f-\\u009f${BIDI_CLASS}]`, 'g');

/**
 * JSON text with DEL, the C1 controls and the bidirectional formatting characters
 * written as `\uXXXX` escapes: the same JSON value, but a topic or client id holding
 * U+009B or U+202E cannot drive or reorder the terminal that shows `--format json`.
 * (They can only occur inside strings.)
 */
export function escapeRawControls(s: string): string {
  RAW_CONTROL.lastIndex = 0;
  if (!RAW_CONTROL.test(s)) return s;
  return s.replace(RAW_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const UNSAFE_CHARS = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${BIDI_CLASS}]`, 'g');
/** The same but for tab, line feed, vertical tab, form feed and carriage return: text with line breaks is still text in a payload preview. */
const UNSAFE_IN_TEXT = new RegExp(`[\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u009f${BIDI_CLASS}]`);

/**
 * Network data (client ids, topics, user names) made safe for a terminal:
 * control characters, ESC included, become `\xHH` so a peer cannot inject
 * escape sequences into the operator's terminal, and bidirectional formatting
 * characters become `\uHHHH` so they cannot reorder what is shown.
 */
export function printable(s: string): string {
  UNSAFE_CHARS.lastIndex = 0;
  if (!UNSAFE_CHARS.test(s)) return s;
  return s.replace(UNSAFE_CHARS, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** Symbol for a severity. */
export function severityMark(s: Severity): string {
  return s === 'error' ? '✖' : s === 'warn' ? '⚠' : 'ℹ';
}

/** Cut a string to `max` characters with `…` (never between the two halves of a surrogate pair). */
export function ellipsis(s: string, max: number): string {
  if (s.length <= max) return s;
  let n = Math.max(0, max - 1);
  // A lone high surrogate would reach the terminal as U+FFFD.
  if (n > 0 && (s.charCodeAt(n - 1) & 0xfc00) === 0xd800) n--;
  return s.slice(0, n) + '…';
}

/** Protocol level as the spec version: 3 → `3.1`, 4 → `3.1.1`, 5 → `5`. */
export function versionName(v: number): string {
  return v === 3 ? '3.1' : v === 4 ? '3.1.1' : v === 5 ? '5' : String(v);
}
