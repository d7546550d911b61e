// Small text helpers for blessed tag content: width-exact padding and escaping.
import blessed from 'blessed';

/** Replace control characters so one record can never break a row. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '·');
}

/** Cut or pad `s` to exactly `w` columns (code points; wide glyphs are not special-cased). */
export function fit(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  const cps = Array.from(s);
  if (cps.length > w) return w === 1 ? '…' : cps.slice(0, w - 1).join('') + '…';
  const pad = ' '.repeat(w - cps.length);
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
