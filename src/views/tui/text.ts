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
interface BlessedUnicode {
  charWidth(s: string | number, i?: number): number;
  codePointAt(s: string, i: number): number;
  chars: { all: RegExp; wide: RegExp };
  mqttscopeEmoji?: boolean;
}
const unicode = (blessed as unknown as { unicode: BlessedUnicode }).unicode;

/**
 * Emoji drawn as one glyph two columns wide (Emoji_Presentation, which Unicode gives
 * East Asian Width W, as terminals and tmux take it), but not the regional indicator
 * letters of flags (width N: one column each).
 */
const WIDE_EMOJI = /(?![\u{1F1E6}-\u{1F1FF}])\p{Emoji_Presentation}/u;

/**
 * blessed's table predates them and counts 😀 or ✅ as one column: the terminal then
 * moves two, everything after it on the row is one column off (a topic `home/😀`
 * pushed Len and `!` to the right), and blessed's partial redraws land one column off
 * too. Teach its width function (used by its layout, its screen drawing and fit()
 * below) and its wide-glyph pattern (after which it reserves the second cell) about
 * them. Done once, for the whole process: the TUI is blessed's only user.
 */
function widenEmoji(u: BlessedUnicode): void {
  if (u.mqttscopeEmoji) return;
  u.mqttscopeEmoji = true;
  const narrow = u.charWidth.bind(u);
  u.charWidth = (str: string | number, i = 0): number => {
    const w = narrow(str, i);
    if (w !== 1) return w;
    const cp = typeof str === 'number' ? str : u.codePointAt(str, i);
    return cp >= 0x2000 && WIDE_EMOJI.test(String.fromCodePoint(cp)) ? 2 : 1;
  };
  // The same groups as blessed's own pattern (CJK of planes 2 and 3, its BMP wide
  // class), in unicode mode so that an astral emoji is one match, plus the emoji.
  u.chars.all = new RegExp(`([\\u{20000}-\\u{2FFFD}\\u{30000}-\\u{3FFFD}]|${u.chars.wide.source.slice(1, -1)}|${WIDE_EMOJI.source})`, 'gu');
}
widenEmoji(unicode);

// eslint-disable-next-line no-control-regex
const SGR = /^\x1b\[[\d;]*m/;
// eslint-disable-next-line no-control-regex
const SGR_ALL = /\x1b\[[\d;]*m/g;

/**
 * One line of a box's parsed content (SGR escapes, blessed's `\x03` after a wide glyph)
 * cut to `width` terminal columns, the escapes after the cut kept so the attributes
 * still close.
 */
export function cutToColumns(line: string, width: number): string {
  let cols = 0;
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\x1b') {
      const m = SGR.exec(line.slice(i));
      if (m) { i += m[0].length; continue; }
    }
    const w = unicode.charWidth(line, i);
    if (cols + w > width) break;
    cols += w;
    i += line.codePointAt(i)! > 0xffff ? 2 : 1;
  }
  if (i >= line.length) return line;
  return line.slice(0, i) + (line.slice(i).match(SGR_ALL) ?? []).join('');
}

interface WrapElement {
  wrap: boolean;
  screen?: { fullUnicode?: boolean };
  _wrapContent(content: string, width: number): unknown;
}

/**
 * blessed cuts a line of a `wrap: false` box after `width` UTF-16 code units, not
 * columns: a row holding an emoji (two units and its `\x03`), a combining accent
 * (`café`) or any astral character lost its last column or more, which is where the
 * packet list has its `!` marker and Len. Cut by columns here, then let blessed go on
 * with a width it will not cut at (our rows are fitted to the pane by fit()).
 */
function cutByColumns(): void {
  const proto = (blessed as unknown as { widget: { Element: { prototype: WrapElement & { mqttscopeCut?: boolean } } } }).widget.Element.prototype;
  if (proto.mqttscopeCut) return;
  proto.mqttscopeCut = true;
  const wrapContent = proto._wrapContent;
  proto._wrapContent = function (this: WrapElement, content: string, width: number): unknown {
    if (this.wrap || !this.screen?.fullUnicode || !content) return wrapContent.call(this, content, width);
    const cut = content.split('\n').map((l) => cutToColumns(l, width)).join('\n');
    return wrapContent.call(this, cut, Number.MAX_SAFE_INTEGER);
  };
}
cutByColumns();

/** Terminal columns of one code point: 2 for wide (CJK, emoji) glyphs, 0 for combining marks. */
function colsOf(cp: string): number {
  return unicode.charWidth(cp, 0);
}

/** Terminal columns of a string (wide glyphs two, combining marks none). */
export function colsOfText(s: string): number {
  let n = 0;
  for (const cp of s) n += colsOf(cp);
  return n;
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
