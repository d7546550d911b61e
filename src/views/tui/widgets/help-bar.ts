// Key hints: one table drives both the bottom help bar and the `?` overlay.
import { esc } from '../text.js';

export interface KeyHelp {
  keys: string;
  what: string;
  /** Shown in the one-line bar (short form), not only in the overlay. */
  bar?: string;
  /** The keys as the bar names them, when shorter than `keys` (`1` for `1 p`). */
  barKeys?: string;
}

/** The bar: as many hints as fit `width`, in table order. */
export function helpBar(items: KeyHelp[], width: number): string {
  let out = '';
  let used = 0;
  for (const k of items) {
    if (!k.bar) continue;
    const keys = k.barKeys ?? k.keys;
    const plain = `${keys} ${k.bar}`;
    if (used + plain.length + (used ? 2 : 0) > width) break;
    out += `${used ? '  ' : ''}{bold}${esc(keys)}{/bold} ${esc(k.bar)}`;
    used += plain.length + (used ? 2 : 0);
  }
  return out;
}

/** One line of an overlay: plain text; continuation lines of a wrapped line start at `indent`. */
export interface OverlayLine {
  text: string;
  bold?: boolean;
  indent: number;
}

/** The overlay: every key, aligned (a long description wraps under its own column). */
export function helpLines(sections: Array<{ title: string; items: KeyHelp[] }>): OverlayLine[] {
  const w = Math.max(...sections.flatMap((s) => s.items.map((k) => k.keys.length)));
  const out: OverlayLine[] = [];
  for (const s of sections) {
    out.push({ text: s.title, bold: true, indent: 0 });
    for (const k of s.items) out.push({ text: `  ${k.keys.padEnd(w)}  ${k.what}`, indent: w + 4 });
    out.push({ text: '', indent: 0 });
  }
  return out;
}

/** `text` cut into lines of at most `width` characters at spaces; the lines after the first start with `indent` spaces. */
export function wrapLine(text: string, width: number, indent = 0): string[] {
  const w = Math.max(1, width);
  const pad = indent < w / 2 ? ' '.repeat(indent) : '';
  const out: string[] = [];
  let rest = Array.from(text.trimEnd());
  let first = true;
  while (rest.length > 0) {
    const lead = first ? [] : Array.from(pad);
    const room = w - lead.length;
    if (rest.length <= room) { out.push([...lead, ...rest].join('')); break; }
    // Break at the last space that fits (not in the line's own leading spaces), else cut.
    const start = first ? rest.findIndex((c) => c !== ' ') : 0;
    let cut = -1;
    for (let i = room; i > start; i--) if (rest[i] === ' ') { cut = i; break; }
    const end = cut > 0 ? cut : room;
    out.push([...lead, ...rest.slice(0, end)].join('').trimEnd());
    rest = rest.slice(end);
    while (rest[0] === ' ') rest = rest.slice(1);
    first = false;
  }
  return out.length ? out : [''];
}

const LIST_ITEM = /^(\s*)(\d+\.|[*•-])\s+/;

/**
 * Prose written with hard line breaks (a lab's explanation) as paragraphs to wrap
 * to the screen: a line continues the one before when it starts at that paragraph's
 * hanging indent (column 0 for prose, after the marker of a `1.`/`*` item). Lines
 * indented more (tables, file excerpts) stay as they are; blank lines stay.
 */
export function reflow(text: string): OverlayLine[] {
  const out: OverlayLine[] = [];
  // The open paragraph (null after a blank line or a preformatted line).
  let para: OverlayLine | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const lead = line.length - line.trimStart().length;
    if (line === '') { out.push({ text: '', indent: 0 }); para = null; continue; }
    const item = LIST_ITEM.exec(line);
    if (para && !item && lead === para.indent) { para.text += ` ${line.trimStart()}`; continue; }
    if (item) para = { text: line, indent: item[0].length };
    else if (lead === 0) para = { text: line, indent: 0 };
    else { out.push({ text: line, indent: lead }); para = null; continue; }
    out.push(para);
  }
  return out;
}
