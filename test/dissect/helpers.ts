// Shared helpers for the dissector tests.
import { expect } from 'vitest';
import { dissect, KEEP_EMPTY, summarize } from '../../src/dissect/index.js';
import type { Field, Note, ProtocolVersion } from '../../src/model/types.js';

/** Bytes from hex written with spaces, newlines and `#` comments. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/#[^\n]*/g, '').replace(/[^0-9a-fA-F]/g, '');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** Depth-first search for the first field with this id. */
export function find(fields: Field[], id: string): Field | undefined {
  for (const f of fields) {
    if (f.id === id) return f;
    if (f.children) {
      const c = find(f.children, id);
      if (c) return c;
    }
  }
  return undefined;
}

export function findAll(fields: Field[], id: string, out: Field[] = []): Field[] {
  for (const f of fields) {
    if (f.id === id) out.push(f);
    if (f.children) findAll(f.children, id, out);
  }
  return out;
}

/** Expect a field with id at offset/length (and value when given). */
export function expectField(fields: Field[], id: string, offset: number, length: number, value?: unknown): Field {
  const f = find(fields, id);
  expect(f, `field ${id}`).toBeDefined();
  expect({ id, offset: f!.offset, length: f!.length }).toEqual({ id, offset, length });
  if (value !== undefined) expect(f!.value, `value of ${id}`).toEqual(value);
  return f!;
}

/**
 * The tree invariant: children lie within their parent; top-level fields cover
 * [0, length) exactly, in order, without gaps or overlaps. Returns a problem or null.
 */
export function invariantProblem(fields: Field[], length: number): string | null {
  let cur = 0;
  for (const f of fields) {
    if (f.offset !== cur) return `top-level ${f.id} starts at ${f.offset}, expected ${cur}`;
    if (f.length < 0 || (f.length === 0 && !KEEP_EMPTY.has(f.id))) return `top-level ${f.id} has length ${f.length}`;
    cur += f.length;
    const p = childProblem(f);
    if (p) return p;
  }
  if (cur !== length) return `top-level fields end at ${cur}, packet has ${length} bytes`;
  return null;
}

function childProblem(f: Field): string | null {
  for (const c of f.children ?? []) {
    if (c.offset < f.offset || c.offset + c.length > f.offset + f.length) {
      return `${c.id} [${c.offset}+${c.length}] is outside its parent ${f.id} [${f.offset}+${f.length}]`;
    }
    if (typeof c.id !== 'string' || typeof c.display !== 'string') return `${c.id}: bad field`;
    const p = childProblem(c);
    if (p) return p;
  }
  return null;
}

/**
 * Decode hex both ways (summary and full tree), check the tree's byte ranges and
 * that both give the same notes. `codes` is each note as `code spec`.
 */
export function decodeBoth(h: string, version: ProtocolVersion = 4) {
  const b = hex(h);
  const s = summarize(b, { version });
  const t = dissect(b, { version });
  expect(invariantProblem(t.fields, b.length)).toBeNull();
  expect(t.notes).toEqual(s.notes);
  return { b, s, f: t.fields, notes: s.notes, codes: s.notes.map((n) => `${n.code} ${n.spec ?? '-'}`) };
}

/** The field a note was attached to by dissect(). */
export function holder(fields: Field[], code: string): Field | undefined {
  for (const f of fields) {
    if (f.notes?.some((n: Note) => n.code === code)) return f;
    const c = f.children ? holder(f.children, code) : undefined;
    if (c) return c;
  }
  return undefined;
}
