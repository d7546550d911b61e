// Labelled hex dump: every byte of the packet appears once, next to the leaf
// field it belongs to (the deepest non-bit field containing it). Runs of
// bytes of the same field are printed up to 16 per line.
import type { DissectResult } from '../model/packet.js';
import type { Field } from '../model/types.js';
import { inRanges, secretRanges } from '../dissect/index.js';
import { hexOf } from '../dissect/utf8.js';

export interface HexOptions {
  showSecrets?: boolean;
  /** Bytes per line (default 16). */
  width?: number;
}

/** For each byte offset, the leaf field that owns it (undefined when none). */
export function leafFieldPerByte(length: number, fields: Field[], parents?: Map<Field, Field>): (Field | undefined)[] {
  const owner: (Field | undefined)[] = new Array(length).fill(undefined);
  const walk = (fs: Field[], parent: Field | undefined): void => {
    for (const f of fs) {
      if (f.mask !== undefined) continue;
      if (parent && parents) parents.set(f, parent);
      const end = Math.min(length, f.offset + f.length);
      for (let i = Math.max(0, f.offset); i < end; i++) owner[i] = f;
      if (f.children) walk(f.children, f); // children overwrite: deepest wins
    }
  };
  walk(fields, undefined);
  return owner;
}

const GENERIC = /^(byte \d|Value|Key|Property Identifier|Reserved)/;

/**
 * A generic label ("byte 1", "Value", "Key") reads better with its parent's, and
 * the parent's with its own while that is generic too: a Subscription Identifier's
 * varint byte is "Subscription Identifier: Value: byte 1", not "Value: byte 1".
 */
function qualifiedLabel(f: Field, parents: Map<Field, Field>): string {
  let text = f.label;
  let cur = f;
  for (let p = parents.get(cur); p !== undefined && GENERIC.test(cur.label); p = parents.get(cur)) {
    text = `${p.label}: ${text}`;
    cur = p;
  }
  return text;
}

export function renderHex(bytes: Uint8Array, result: DissectResult, opts: HexOptions = {}): string {
  const width = opts.width ?? 16;
  const parents = new Map<Field, Field>();
  const owner = leafFieldPerByte(bytes.length, result.fields, parents);
  // Secret bytes (passwords, Authentication Data, undecoded bytes of a CONNECT …) as `**`.
  const masked = opts.showSecrets ? [] : secretRanges(result.fields, bytes);
  const lines: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const f = owner[i];
    let j = i + 1;
    while (j < bytes.length && owner[j] === f && j - i < width) j++;
    const hex: string[] = [];
    for (let k = i; k < j; k++) hex.push(masked.length > 0 && inRanges(k, masked) ? '**' : hexOf(bytes, k, k + 1));
    const label = f ? `${qualifiedLabel(f, parents)} (${f.id})` : '(not decoded)';
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex.join(' ').padEnd(width * 3 - 1)}  ${label}`);
    i = j;
  }
  return lines.join('\n');
}
