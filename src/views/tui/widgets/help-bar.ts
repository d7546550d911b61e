// Key hints: one table drives both the bottom help bar and the `?` overlay.
import { esc } from '../text.js';

export interface KeyHelp {
  keys: string;
  what: string;
  /** Shown in the one-line bar (short form), not only in the overlay. */
  bar?: string;
}

/** The bar: as many hints as fit `width`, in table order. */
export function helpBar(items: KeyHelp[], width: number): string {
  let out = '';
  let used = 0;
  for (const k of items) {
    if (!k.bar) continue;
    const plain = `${k.keys} ${k.bar}`;
    if (used + plain.length + (used ? 2 : 0) > width) break;
    out += `${used ? '  ' : ''}{bold}${esc(k.keys)}{/bold} ${esc(k.bar)}`;
    used += plain.length + (used ? 2 : 0);
  }
  return out;
}

/** The overlay: every key, aligned. */
export function helpLines(sections: Array<{ title: string; items: KeyHelp[] }>): string[] {
  const w = Math.max(...sections.flatMap((s) => s.items.map((k) => k.keys.length)));
  const out: string[] = [];
  for (const s of sections) {
    out.push(`{bold}${esc(s.title)}{/bold}`);
    for (const k of s.items) out.push(`  ${esc(k.keys.padEnd(w))}  ${esc(k.what)}`);
    out.push('');
  }
  return out;
}
