// The field tree as a list of visible rows: expansion state keyed by the node's
// path, bit fields rendered Wireshark-style (`0011 .... = Message Type: ...`),
// and the byte → node lookup that links the hex pane back to the tree.
import type { Field, Note } from '../../model/types.js';
import { printable } from './text.js';

export interface TreeRow {
  field: Field;
  /** Stable key: the child indices from the root, e.g. `1.0`. */
  path: string;
  depth: number;
  expandable: boolean;
  expanded: boolean;
}

export class TreeModel {
  fields: Field[] = [];
  notes: Note[] = [];
  bytes: Uint8Array = new Uint8Array(0);
  readonly expanded = new Set<string>();
  /** Path of the selected node, or null. */
  selected: string | null = null;
  private rowsCache: TreeRow[] | null = null;

  /** Load a new packet's tree. Expansion state carries over by field id, like Wireshark. */
  load(fields: Field[], notes: Note[], bytes: Uint8Array): void {
    const openIds = new Set<string>();
    for (const p of this.expanded) {
      const f = this.fieldAt(p);
      if (f) openIds.add(f.id);
    }
    const selId = this.selected !== null ? this.fieldAt(this.selected)?.id : undefined;
    this.fields = fields;
    this.notes = notes;
    this.bytes = bytes;
    this.expanded.clear();
    this.selected = null;
    this.rowsCache = null;
    walk(fields, '', (f, path) => {
      if (f.children?.length && openIds.has(f.id)) this.expanded.add(path);
      if (selId !== undefined && this.selected === null && f.id === selId) this.selected = path;
    });
    if (this.selected !== null && !this.isVisible(this.selected)) this.selected = null;
    if (this.selected === null && fields.length > 0) this.selected = '0';
  }

  fieldAt(path: string): Field | undefined {
    let list: Field[] | undefined = this.fields;
    let f: Field | undefined;
    for (const part of path.split('.')) {
      f = list?.[Number(part)];
      if (!f) return undefined;
      list = f.children;
    }
    return f;
  }

  rows(): TreeRow[] {
    if (this.rowsCache) return this.rowsCache;
    const out: TreeRow[] = [];
    const visit = (fs: Field[], prefix: string, depth: number): void => {
      fs.forEach((f, i) => {
        const path = prefix ? `${prefix}.${i}` : String(i);
        const expandable = (f.children?.length ?? 0) > 0;
        const expanded = expandable && this.expanded.has(path);
        out.push({ field: f, path, depth, expandable, expanded });
        if (expanded) visit(f.children!, path, depth + 1);
      });
    };
    visit(this.fields, '', 0);
    return (this.rowsCache = out);
  }

  selectedIndex(): number {
    return this.rows().findIndex((r) => r.path === this.selected);
  }

  selectedField(): Field | undefined {
    return this.selected === null ? undefined : this.fieldAt(this.selected);
  }

  move(delta: number): void {
    const rows = this.rows();
    if (rows.length === 0) return;
    const i = Math.max(0, this.selectedIndex());
    this.selected = rows[Math.min(rows.length - 1, Math.max(0, i + delta))]!.path;
  }

  setExpanded(path: string, open: boolean): void {
    const f = this.fieldAt(path);
    if (!f?.children?.length) return;
    if (open) this.expanded.add(path);
    else this.expanded.delete(path);
    this.rowsCache = null;
  }

  toggle(): void {
    if (this.selected === null) return;
    this.setExpanded(this.selected, !this.expanded.has(this.selected));
  }

  /** Right arrow: expand, or step into the first child when already open. */
  right(): void {
    const p = this.selected;
    if (p === null) return;
    const f = this.fieldAt(p);
    if (!f?.children?.length) return;
    if (!this.expanded.has(p)) this.setExpanded(p, true);
    else this.selected = `${p}.0`;
  }

  /** Left arrow: collapse, or step out to the parent. */
  left(): void {
    const p = this.selected;
    if (p === null) return;
    if (this.expanded.has(p)) { this.setExpanded(p, false); return; }
    const cut = p.lastIndexOf('.');
    if (cut > 0) this.selected = p.slice(0, cut);
  }

  expandAll(open: boolean): void {
    if (open) walk(this.fields, '', (f, path) => { if (f.children?.length) this.expanded.add(path); });
    else this.expanded.clear();
    this.rowsCache = null;
    if (this.selected !== null && !this.isVisible(this.selected)) this.selected = this.selected.split('.')[0] ?? null;
  }

  private isVisible(path: string): boolean {
    const parts = path.split('.');
    for (let k = 1; k < parts.length; k++) if (!this.expanded.has(parts.slice(0, k).join('.'))) return false;
    return true;
  }

  /**
   * Select the deepest node covering byte `offset`, preferring whole-byte
   * fields over bit fields (a byte belongs to its field, not to one bit).
   * Ancestors are expanded so the node is visible.
   */
  /**
   * The selected field's name for the hex pane's title, with its parent's when it has
   * one: `byte 2` or `Value` alone do not say which field they belong to
   * (`Remaining Length › byte 2`, `Session Expiry Interval › Value`).
   */
  selectedTitle(): string | undefined {
    if (this.selected === null) return undefined;
    const f = this.fieldAt(this.selected);
    if (!f) return undefined;
    const dot = this.selected.lastIndexOf('.');
    const parent = dot < 0 ? undefined : this.fieldAt(this.selected.slice(0, dot));
    return parent ? `${parent.label} › ${f.label}` : f.label;
  }

  selectByte(offset: number): void {
    const path = nodeForByte(this.fields, offset);
    if (path === null) return;
    const parts = path.split('.');
    for (let k = 1; k < parts.length; k++) this.expanded.add(parts.slice(0, k).join('.'));
    this.rowsCache = null;
    this.selected = path;
  }
}

export function nodeForByte(fields: Field[], offset: number): string | null {
  let best: string | null = null;
  let list: Field[] | undefined = fields;
  let prefix = '';
  while (list) {
    let next: Field[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const f = list[i]!;
      if (f.mask !== undefined || f.length === 0) continue;
      if (offset >= f.offset && offset < f.offset + f.length) {
        best = prefix ? `${prefix}.${i}` : String(i);
        prefix = best;
        next = f.children;
        break;
      }
    }
    list = next;
  }
  return best;
}

function walk(fs: Field[], prefix: string, fn: (f: Field, path: string) => void): void {
  fs.forEach((f, i) => {
    const path = prefix ? `${prefix}.${i}` : String(i);
    fn(f, path);
    if (f.children) walk(f.children, path, fn);
  });
}

/** `0011 ....` for a mask within one byte (or `.... ..1. ....` wider). */
export function bitPattern(value: number, mask: number, bytes: number): string {
  const bits = bytes * 8;
  let s = '';
  for (let b = bits - 1; b >= 0; b--) {
    const m = 2 ** b;
    s += Math.floor(mask / m) % 2 ? (Math.floor(value / m) % 2 ? '1' : '0') : '.';
    if (b % 4 === 0 && b > 0) s += ' ';
  }
  return s;
}

/** Plain text of one tree row (no tags): marker, bits, label, display. */
export function rowText(row: TreeRow, bytes: Uint8Array): string {
  const f = row.field;
  const marker = row.expandable ? (row.expanded ? '▾ ' : '▸ ') : '  ';
  let text = `${f.label}: ${f.display}`;
  if (f.display === '' || f.display === undefined) text = f.label;
  if (f.mask !== undefined && f.length >= 1 && f.length <= 4) {
    let v = 0;
    for (let k = 0; k < f.length; k++) v = v * 256 + (bytes[f.offset + k] ?? 0);
    text = `${bitPattern(v, f.mask, f.length)} = ${text}`;
  }
  // The dissector's display escapes C0 controls but keeps C1 and bidirectional
  // formatting characters (U+009B, U+202E) as they are: not for the terminal.
  return `${'  '.repeat(row.depth)}${marker}${printable(text)}`;
}

/**
 * The problem lines shown under the field tree, for a pane `height` rows high:
 * identical lines once with a count (`! 50× error: …`), and at most a third of the pane
 * (at least one line), so the tree keeps most of its rows. When lines are left
 * out, the last line says how many, and where they are: a note sits on its
 * field, which the tree draws in yellow. A SUBSCRIBE of a thousand filters with
 * bad options has a thousand notes; before, they took every row but two.
 */
export function noteLines(lines: readonly string[], height: number): string[] {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  // The count goes first: a long line is cut at the pane's width.
  const distinct = [...counts].map(([l, n]) => (n === 1 ? l : l.startsWith('! ') ? `! ${n}× ${l.slice(2)}` : `${n}× ${l}`));
  const max = Math.max(1, Math.floor(height / 3));
  if (distinct.length <= max) return distinct;
  const shown = distinct.slice(0, max - 1);
  let rest = lines.length;
  for (const [, n] of [...counts].slice(0, max - 1)) rest -= n;
  shown.push(`! … ${rest} more ${rest === 1 ? 'problem' : 'problems'} not shown: the yellow rows of the tree carry the notes (n N: next / previous packet with one)`);
  return shown;
}
