// Hex dump lines (offset, hex, ASCII) with the selected field's bytes in
// reverse video and an optional byte cursor, as blessed-tagged strings.

import { colsOfText } from './text.js';

export interface HexOptions {
  /** Width available; picks 16, 8 or 4 bytes per line. */
  width: number;
  /** Highlighted range [start, end). */
  highlight?: [number, number] | null;
  /** Byte under the hex cursor (hex pane focused). */
  cursor?: number | null;
  /** Ranges shown as `**` (secrets). */
  masked?: Array<[number, number]>;
  /** First line to render and how many (a 2 MB packet must not build 130k lines). */
  fromLine?: number;
  lines?: number;
}

export function lineCount(bytes: number, width: number): number {
  return Math.ceil(bytes / bytesPerLine(width, bytes));
}

/** Hex digits of the offset column for a packet of `size` bytes (at least 4). */
export function offsetDigits(size: number): number {
  return Math.max(4, (Math.max(1, size) - 1).toString(16).length);
}

/** 16, 8 or 4: what fits offset, two spaces, hex, a space and ASCII in `width`. */
export function bytesPerLine(width: number, size = 0): number {
  const off = offsetDigits(size) + 2;
  for (const n of [16, 8, 4]) if (off + n * 3 + (n > 8 ? 1 : 0) + 1 + n <= width) return n;
  return 4;
}

function inRange(i: number, r: [number, number] | null | undefined): boolean {
  return !!r && i >= r[0] && i < r[1];
}

function ascii(b: number): string {
  if (b >= 0x20 && b < 0x7f) {
    const c = String.fromCharCode(b);
    return c === '{' ? '{open}' : c === '}' ? '{close}' : c;
  }
  return '.';
}

/** The line index that holds byte `offset`. */
export function lineOf(offset: number, width: number, size = 0): number {
  return Math.floor(offset / bytesPerLine(width, size));
}

export function hexLines(bytes: Uint8Array, o: HexOptions): string[] {
  const n = bytesPerLine(o.width, bytes.length);
  const digits = offsetDigits(bytes.length);
  const lines: string[] = [];
  const masked = (i: number): boolean => !!o.masked?.some((r) => i >= r[0] && i < r[1]);
  const first = (o.fromLine ?? 0) * n;
  const last = o.lines === undefined ? bytes.length : Math.min(bytes.length, first + o.lines * n);
  for (let start = first; start < last; start += n) {
    let hex = '';
    let asc = '';
    for (let k = 0; k < n; k++) {
      const i = start + k;
      if (k === 8 && n > 8) hex += ' ';
      if (i >= bytes.length) { hex += '   '; continue; }
      const b = bytes[i]!;
      const hide = masked(i);
      let h = hide ? '**' : b.toString(16).padStart(2, '0');
      let a = hide ? '*' : ascii(b);
      const hl = inRange(i, o.highlight);
      const cur = o.cursor === i;
      if (cur) { h = `{underline}{yellow-fg}${h}{/yellow-fg}{/underline}`; a = `{underline}{yellow-fg}${a}{/yellow-fg}{/underline}`; }
      if (hl) { h = `{inverse}${h}{/inverse}`; a = `{inverse}${a}{/inverse}`; }
      // Keep the separator inside the highlight when the next byte is highlighted too.
      const nextHl = hl && inRange(i + 1, o.highlight) && k + 1 < n && k !== 7;
      hex += nextHl ? `${h}{inverse} {/inverse}` : `${h} `;
      asc += a;
    }
    lines.push(`{blue-fg}${start.toString(16).padStart(digits, '0')}{/blue-fg}  ${hex} ${asc}`);
  }
  return lines;
}

/** The byte under the hex pane's cursor, for the title: its offset, its value and whether it is a secret. */
export interface HexCursorByte { offset: number; value: number; masked?: boolean }

/**
 * The hex pane's title: the selected field's bytes as offsets into the packet, with
 * the packet's size (`Bytes 4–14 of 22 (11): Topic`), so a field is placed in the
 * packet without scrolling the dump. `size` is the packet's length in bytes.
 * With the byte cursor (hex pane focused) inside a field of more than one byte, or
 * outside the selected field, the byte under it follows: its offset, its place in the
 * field, its value in hex and binary and its character
 * (`… : Topic — cursor 6 (3rd of 11) = 0x6f 0110 1111 'o'`); a secret's value is `**`.
 */
export function hexTitle(field: { offset: number; length: number; label: string } | null | undefined, name: string | undefined, size: number, cursor?: HexCursorByte | null, width = Infinity): string {
  const at = cursor && cursor.offset >= 0 && cursor.offset < size ? cursor : null;
  // Too wide for the pane (80 columns): the binary goes first, then the parent's name,
  // so that the cursor's byte is not what the ellipsis cuts.
  const pick = (variants: string[]): string => variants.find((v) => colsOfText(v) <= width) ?? variants[variants.length - 1]!;
  if (!field) return pick([true, false].map((bin) => (size > 0 ? `Bytes (${size})` : 'Bytes') + (at ? cursorText(at, null, bin) : '')));
  if (field.length === 0) return pick([true, false].map((bin) => `Bytes: ${field.label} is empty (0 bytes at offset ${field.offset} of ${size})` + (at ? cursorText(at, null, bin) : '')));
  const end = field.offset + field.length - 1;
  const inside = at && at.offset >= field.offset && at.offset <= end;
  // A one-byte field under the cursor: the title and the tree say it all already.
  const tail = (bin: boolean): string => (at && !(inside && field.length === 1) ? cursorText(at, inside ? field : null, bin) : '');
  const head = (n: string): string => `Bytes ${field.offset}–${end} of ${size} (${field.length}): ${n}`;
  return pick([head(name ?? field.label) + tail(true), head(name ?? field.label) + tail(false), head(field.label) + tail(false)]);
}

function ordinal(n: number): string {
  const t = n % 100;
  const s = t >= 11 && t <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${s}`;
}

function cursorText(c: HexCursorByte, field: { offset: number; length: number } | null, binary: boolean): string {
  const where = field ? ` (${ordinal(c.offset - field.offset + 1)} of ${field.length})` : '';
  if (c.masked) return ` — cursor ${c.offset}${where} = **`;
  const bits = c.value.toString(2).padStart(8, '0');
  const ch = c.value >= 0x21 && c.value < 0x7f ? ` '${String.fromCharCode(c.value)}'` : '';
  return ` — cursor ${c.offset}${where} = 0x${c.value.toString(16).padStart(2, '0')}${binary ? ` ${bits.slice(0, 4)} ${bits.slice(4)}` : ''}${ch}`;
}
