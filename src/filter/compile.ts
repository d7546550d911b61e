// Compile a syntax tree into closures, once for packet records and once for
// finding records. Semantics (Wireshark's): a test on an absent field is
// false; `==`, `<`, `contains`, `matches`, `in` are true when ANY occurrence
// satisfies them; `!=` is true when the field is present and NO occurrence
// equals the value.
import type { Finding, PacketRecord } from '../model/packet.js';
import type { CmpOp, FieldRef, Literal, Node, Slice } from './ast.js';
import { subnetMatcher, type FieldVal, type Value } from './fields.js';
import { topicMatcher } from '../protocol/topic-match.js';

type Getter<R> = (r: R) => FieldVal;
type Pred<R> = (r: R) => boolean;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

/** A literal prepared for comparisons. */
interface Prepared {
  /** Numeric reading (numbers, numeric strings, true/false words, coerced names), or NaN. */
  num: number;
  /** Text reading. */
  str: string;
  /** UTF-8 bytes of `str`, for binary fields. */
  bytes: Uint8Array;
  /** The literal is a boolean word/number usable against boolean values. */
  bool: boolean | null;
  /** An unquoted subnet on an address field (`ip.addr == 10.0.0.0/8`): equality is membership. */
  inSubnet?: (addr: string) => boolean;
  /**
   * The field is a text field (not `numeric`): its string values compare as text only,
   * so `topic == "1"` does not match the topics `01`, `1.0` or `0x1`, and `<`/`>` are lexical.
   */
  text: boolean;
}

function prepare(lit: Literal, f: FieldRef): Prepared {
  const coerced = lit.kind !== 'number' ? f.spec.coerce?.(lit.text) ?? f.spec.labels?.value(lit.text) : undefined;
  let num = NaN;
  let str = lit.text;
  if (lit.kind === 'number') num = lit.num!;
  else if (typeof coerced === 'number') num = coerced;
  else if (lit.kind === 'word' && /^(true|false)$/i.test(lit.text)) num = lit.text.toLowerCase() === 'true' ? 1 : 0;
  else if (lit.text.trim() !== '' && Number.isFinite(Number(lit.text))) num = Number(lit.text);
  if (lit.kind === 'number') str = lit.text;
  const bool = num === 1 ? true : num === 0 ? false : null;
  const net = f.spec.address && lit.kind === 'word' && lit.text.includes('/') ? subnetMatcher(lit.text, f.spec.address) : undefined;
  return { ...(typeof net === 'function' ? { inSubnet: net } : {}), num, str, bytes: (f.spec.bytes && hexBytes(lit)) || lit.bytes || enc.encode(str), bool, text: f.spec.numeric !== true };
}

/**
 * An unquoted value compared with a bytes field, read as Wireshark reads it: hex bytes,
 * separated (`54:75`, `54-75`, `54.75`) or not (`5475`, `00`), or one byte (`5`, `0x54`).
 * Else null: the bytes of the text.
 */
function hexBytes(lit: Literal): Uint8Array | null {
  if (lit.kind === 'string' || lit.raw === undefined) return null;
  // One byte: `5`, `54`, `0x54`.
  const one = /^(?:0x)?([0-9A-Fa-f]{1,2})$/i.exec(lit.raw);
  if (one) return Uint8Array.of(parseInt(one[1]!, 16));
  const m = /^[0-9A-Fa-f]{2}(?:([:\-.]?)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2})*)?$/.exec(lit.raw);
  if (!m) return null;
  const hex = lit.raw.replace(/[:\-.]/g, '');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The bytes a slice selects of each value (text as UTF-8). A value too short for the slice
 * is null, as in Wireshark: it equals nothing (so `mqtt.topic[0:5] != "Room1"` and `!==`
 * hold for the topic `#`), and the slice alone does not exist there.
 */
function sliceVal(val: FieldVal, s: Slice): FieldVal {
  if (val === undefined) return undefined;
  const one = (v: Value): Uint8Array | null => {
    const b = typeof v === 'string' ? enc.encode(v) : v instanceof Uint8Array ? v : null;
    if (b === null) return null;
    const from = s.from < 0 ? b.length + s.from : s.from;
    const to = s.len === undefined ? b.length : from + s.len;
    return from < 0 || to > b.length || from >= to ? null : b.subarray(from, to);
  };
  return Array.isArray(val) ? val.map(one) : one(val as Value);
}

function asNum(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytesIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0]!;
  outer: for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function eq(v: Value, p: Prepared): boolean {
  if (v === null) return false;
  if (p.inSubnet) return typeof v === 'string' && p.inSubnet(v);
  if (typeof v === 'string') return v === p.str || (!p.text && !Number.isNaN(p.num) && v.trim() !== '' && Number(v) === p.num);
  if (typeof v === 'number') return v === p.num;
  if (typeof v === 'boolean') return p.bool !== null && v === p.bool;
  return bytesEqual(v, p.bytes);
}

/** Byte-wise order, as C's strcmp orders UTF-8 (a prefix first). */
function bytesOrder(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function order(v: Value, p: Prepared, op: CmpOp): boolean {
  if (v === null) return false;
  // Binary text (mqtt.passwd, a string in Wireshark) orders as text; bytes fields refuse `<` in the parser.
  if (v instanceof Uint8Array && !p.text) return false;
  const n = typeof v === 'string' && p.text ? NaN : v instanceof Uint8Array ? NaN : asNum(v);
  let c: number;
  if (v instanceof Uint8Array) c = bytesOrder(v, p.bytes);
  else if (!Number.isNaN(n) && !Number.isNaN(p.num)) c = n - p.num;
  else if (typeof v === 'string') c = v < p.str ? -1 : v > p.str ? 1 : 0;
  else return false;
  switch (op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    default: return c >= 0;
  }
}

function contains(v: Value, p: Prepared): boolean {
  if (typeof v === 'string') return v.includes(p.str);
  if (v instanceof Uint8Array) return bytesIndexOf(v, p.bytes) >= 0;
  return false;
}

/** True when any value (single or array) satisfies `test`; false when absent. */
function any(val: FieldVal, test: (v: Value) => boolean): boolean {
  if (val === undefined) return false;
  if (Array.isArray(val)) {
    for (const v of val) if (test(v)) return true;
    return false;
  }
  return test(val as Value);
}

export interface Compiled {
  packet: Pred<PacketRecord>;
  finding: Pred<Finding>;
  /** The expression uses the `finding` pseudo-field. */
  mentionsFinding: boolean;
  /** Every field it reads comes from the summary (no tree built). */
  fast: boolean;
}

export function compileNode(node: Node): Compiled {
  let mentionsFinding = false;
  let fast = true;
  const getters = (f: FieldRef): [Getter<PacketRecord>, Getter<Finding>] => {
    if (f.spec.name === 'finding') mentionsFinding = true;
    if (!f.spec.fast) fast = false;
    const fg = f.spec.finding ?? (() => undefined);
    const sl = f.slice;
    if (sl) return [(r) => sliceVal(f.spec.packet(r), sl), (r) => sliceVal(fg(r), sl)];
    return [f.spec.packet, fg];
  };
  const build = <R>(n: Node, side: 0 | 1): Pred<R> => {
    switch (n.t) {
      case 'or': { const a = build<R>(n.a, side), b = build<R>(n.b, side); return (r) => a(r) || b(r); }
      case 'and': { const a = build<R>(n.a, side), b = build<R>(n.b, side); return (r) => a(r) && b(r); }
      case 'not': { const a = build<R>(n.a, side); return (r) => !a(r); }
      case 'type': {
        const ty = n.type;
        return side === 0 ? ((r: PacketRecord) => r.summary.type === ty) as Pred<R> : () => false;
      }
      case 'exists': {
        const g = getters(n.field)[side] as Getter<R>;
        if (n.field.slice) return (r) => any(g(r), (v) => v !== null);
        return (r) => { const v = g(r); return v !== undefined && !(Array.isArray(v) && v.length === 0); };
      }
      case 'cmp': {
        const g = getters(n.field)[side] as Getter<R>;
        const p = prepare(n.value, n.field);
        const op = n.op;
        const isEq = (v: Value): boolean => eq(v, p);
        if (op === '==') return (r) => any(g(r), isEq);
        if (op === '!=') return (r) => { const v = g(r); return v !== undefined && !any(v, isEq) && !(Array.isArray(v) && v.length === 0); };
        // `===`: present, and every occurrence equals; `!==`: some occurrence differs.
        if (op === '===') return (r) => { const v = g(r); return v !== undefined && !any(v, (x) => !isEq(x)) && !(Array.isArray(v) && v.length === 0); };
        if (op === '!==') return (r) => any(g(r), (x) => !isEq(x));
        const ord = (v: Value): boolean => order(v, p, op);
        return (r) => any(g(r), ord);
      }
      case 'contains': {
        const g = getters(n.field)[side] as Getter<R>;
        const p = prepare(n.value, n.field);
        // An empty needle, as tshark 4.0 reads it: never in text (`mqtt.topic contains ""`) nor
        // in the whole packet (`mqtt contains ""`); in bytes (`mqtt.msg`, a slice) when there
        // is at least one byte, so an empty payload does not contain "" either.
        if (p.bytes.length === 0 && p.str === '') {
          if (n.field.spec.name === 'mqtt' && !n.field.slice) return () => false;
          return (r) => any(g(r), (v) => v instanceof Uint8Array && v.length > 0);
        }
        const has = (v: Value): boolean => contains(v, p);
        return (r) => any(g(r), has);
      }
      case 'matches': {
        const g = getters(n.field)[side] as Getter<R>;
        const m = topicMatcher(n.value.text);
        const hit = (v: Value): boolean => (typeof v === 'string' ? m(v) : v instanceof Uint8Array ? m(dec.decode(v)) : false);
        return (r) => any(g(r), hit);
      }
      case 'in': {
        const g = getters(n.field)[side] as Getter<R>;
        const ps = n.values.map((l) => prepare(l, n.field));
        const ranges = n.ranges;
        const textField = n.field.spec.numeric !== true;
        const inRange = (v: Value): boolean => {
          if (v === null || v instanceof Uint8Array || ranges.length === 0 || (textField && typeof v === 'string')) return false;
          const x = asNum(v);
          return !Number.isNaN(x) && ranges.some((r) => x >= r.lo && x <= r.hi);
        };
        const member = (v: Value): boolean => ps.some((p) => eq(v, p)) || inRange(v);
        return (r) => any(g(r), member);
      }
    }
  };
  const packet = build<PacketRecord>(node, 0);
  const finding = build<Finding>(node, 1);
  return { packet, finding, mentionsFinding, fast };
}
