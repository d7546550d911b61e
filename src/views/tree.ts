// Tree view of one packet: every field with its offset, length, bytes and
// value; bit fields drawn Wireshark-style (`0011 .... = Message Type: 3`),
// notes under the field they concern.
import type { DissectResult } from '../model/packet.js';
import type { Field, Note } from '../model/types.js';
import { inRanges, maskSecrets, MASK, secretRanges } from '../dissect/index.js';
import { hexOf } from '../dissect/utf8.js';
import { printable } from './format.js';

export interface TreeOptions {
  showSecrets?: boolean;
  /** Most bytes of a field shown in hex before eliding (default 16). */
  maxHexBytes?: number;
  /** Most characters of a field's display before eliding (default 240); a 64 KiB payload is one line otherwise. */
  maxDisplayChars?: number;
  /** Header line printed before the fields. */
  title?: string;
  /** Protocol level the packet was decoded with; when absent it is told from the tree. */
  version?: number;
}

/** The bit pattern of `value` under `mask`, e.g. mask 0xf0, value 0x30 → `0011 ....`. */
export function bitPattern(byte: number, mask: number, width = 8): string {
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const m = 1 << i;
    s += mask & m ? (byte & m ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  return s;
}

/** The field's first `max` bytes in hex; bytes in `masked` (secrets) as `**`. */
function bytesText(bytes: Uint8Array, f: Field, max: number, masked: Array<[number, number]>): string {
  if (f.length === 0) return '';
  const n = Math.min(f.length, max);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = f.offset + i;
    parts.push(masked.length > 0 && inRanges(k, masked) ? '**' : hexOf(bytes, k, k + 1));
  }
  return parts.join(' ') + (f.length > n ? ` … (+${f.length - n} bytes)` : '');
}

/**
 * A display cut to `max` characters: `"xxxx…" (70000 bytes; display cut to 240
 * characters)`. The size a payload display ends with is kept.
 */
export function clipDisplay(display: string, max: number): string {
  if (display.length <= max) return display;
  const m = / \(([\d,]+ bytes?)\)$/.exec(display);
  let n = max;
  const c = display.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--; // do not split a surrogate pair
  const head = display.slice(0, n);
  return m ? `${head}… (${m[1]}; display cut to ${max} characters)` : `${head}… (display cut to ${max} of ${display.length} characters)`;
}

function noteLine(n: Note): string {
  return `! ${n.severity} ${n.code}: ${n.text}${n.spec ? ` [${n.spec}]` : ''}`;
}

/** Render a field tree as text lines. `bytes` are the packet's bytes. */
export function renderTree(bytes: Uint8Array, result: DissectResult, opts: TreeOptions = {}): string {
  const max = opts.maxHexBytes ?? 16;
  const maxText = opts.maxDisplayChars ?? 240;
  const fields = opts.showSecrets ? result.fields : maskSecrets(result.fields, bytes);
  // Secret bytes are masked in every row that shows them (a property block's row too).
  const masked = opts.showSecrets ? [] : secretRanges(result.fields, bytes);
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  const shown = new Set<Note>();
  // Only MQTT 5 packets have a property block at the top level (PUBLISH always does).
  const v5 = opts.version !== undefined ? opts.version >= 5 : fields.some((f) => f.id === 'mqtt.properties');
  const noPacketId = `(no Packet Identifier: a QoS 0 PUBLISH carries none [${v5 ? 'MQTT-2.2.1-2' : 'MQTT-2.3.1-5'}])`;
  const walk = (fs: Field[], depth: number, parentByte: number | null): void => {
    const pad = '  '.repeat(depth);
    for (const f of fs) {
      if (f.mask !== undefined && parentByte !== null) {
        lines.push(`${pad}  ${bitPattern(parentByte, f.mask)} = ${f.label}: ${f.display}`);
      } else {
        const where = f.length === 1 ? `[${f.offset}]` : `[${f.offset}, ${f.length} bytes]`;
        const hex = bytesText(bytes, f, max, masked);
        const label = `${f.label}: ${clipDisplay(f.display, maxText)}`;
        lines.push(`${pad}${where} ${hex}  ${label}`);
      }
      for (const n of f.notes ?? []) { lines.push(`${pad}    ${noteLine(n)}`); shown.add(n); }
      if (f.children) walk(f.children, depth + 1, f.length === 1 ? bytes[f.offset] ?? null : null);
      // After the Topic Name, or after a Topic Length of 0 (an empty topic has no field of its own).
      const topicEnd = f.id === 'mqtt.topic' || (f.id === 'mqtt.topic_len' && f.value === 0);
      if (topicEnd && depth === 0 && (bytes[0]! >> 4) === 3 && ((bytes[0]! >> 1) & 3) === 0) {
        lines.push(`${pad}${noPacketId}`);
      }
    }
  };
  walk(fields, 0, null);
  const rest = result.notes.filter((n) => !shown.has(n));
  for (const n of rest) lines.push(noteLine(n));
  if (result.notes.length === 0) lines.push('(no protocol violations)');
  // The dissector escapes C0 controls in what it displays; C1 controls (U+009B is a
  // one-character CSI) and bidirectional overrides (U+202E) are escaped here, so a
  // topic or client id cannot drive or reorder the terminal.
  return lines.map(printable).join('\n');
}

export { MASK };
