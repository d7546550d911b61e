// Small text helpers for blessed tag content: width-exact padding and escaping.
import blessed from 'blessed';
import { UNSAFE_CHARS } from '../format.js';

/**
 * Replace control characters so one record can never break a row, and the
 * bidirectional formatting characters (U+202E and kin) so none can show a row reversed.
 */
export function printable(s: string): string {
  return s.replace(UNSAFE_CHARS, '·');
}

// blessed's own width table (the one its fullUnicode screen draws with); untyped in @types/blessed.
const unicode = (blessed as unknown as { unicode: { charWidth(s: string, i: number): number } }).unicode;

/** Terminal columns of one code point: 2 for wide (CJK) glyphs, 0 for combining marks. */
function colsOf(cp: string): number {
  return unicode.charWidth(cp, 0);
}

/** Cut or pad `s` to exactly `w` terminal columns (wide glyphs count two). */
export function fit(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  const cps = Array.from(s);
  let width = 0;
  for (const cp of cps) width += colsOf(cp);
  if (width > w) {
    if (w === 1) return '…';
    let out = '';
    let used = 0;
    for (const cp of cps) {
      const c = colsOf(cp);
      if (used + c > w - 1) break;
      out += cp;
      used += c;
    }
    return out + ' '.repeat(w - 1 - used) + '…';
  }
  const pad = ' '.repeat(w - width);
  return align === 'left' ? s + pad : pad + s;
}

/** Escape blessed tags in user-controlled text. */
export function esc(s: string): string {
  return blessed.escape(s);
}

/** Wrap already-escaped text in a colour/attribute tag. */
export function tag(name: string | null | undefined, s: string): string {
  return name ? `{${name}}${s}{/${name}}` : s;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
