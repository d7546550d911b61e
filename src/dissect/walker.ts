// The byte walker shared by summarize() and dissect(). Each packet module walks
// its packet once; in summary mode (`tree === false`) no Field is built and no
// display string is formatted, so both modes read the bytes the same way and
// can never disagree. Nothing here throws: problems become notes.
import type { DissectContext, PacketSummary } from '../model/packet.js';
import type { Field, FieldValue, Note, ProtocolVersion } from '../model/types.js';
import { NOTE_DEFS, specFor, type NoteDef } from '../protocol/spec-refs.js';
import { decodeUtf8, hexOf, utf8Status, UTF8_DISCOURAGED, UTF8_INVALID, UTF8_NUL, quote } from './utf8.js';

/** Status bits that produce a note on a string. */
const UTF8_NOTED = UTF8_INVALID | UTF8_NUL | UTF8_DISCOURAGED;

const NO_FIELDS: Field[] = Object.freeze([]) as unknown as Field[];
const NO_STACK: Field[][] = Object.freeze([]) as unknown as Field[][];

export class Walker {
  readonly b: Uint8Array;
  /** End of the packet: min(bytes.length, headerLength + Remaining Length). */
  end: number;
  pos: number;
  version: ProtocolVersion;
  /** Build fields. Cleared while a property block, or the list of a SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK, walks the entries past its itemised cap. */
  tree: boolean;
  readonly s: PacketSummary;
  readonly notes: Note[];
  readonly ctx: DissectContext;
  /** Top-level fields (tree mode). */
  readonly top: Field[];
  /** Container new fields are appended to. */
  cur: Field[];
  private readonly stack: Field[][];
  /** Set when a read ran past the end; later reads return at once. */
  truncated = false;
  /** utf8Status of the last string read by str() (wildcards, controls …). */
  strStatus = 0;
  /**
   * While set, note() counts notes in `mutedNotes` instead of keeping them
   * (a field running past the end is still noted): the properties past a
   * block's cap once it has given its share of notes.
   */
  muted = false;
  mutedNotes = 0;
  /** Notes past MAX_NOTES_PER_PACKET, counted, not kept (run() adds one note saying how many). */
  overflowNotes = 0;

  constructor(b: Uint8Array, ctx: DissectContext, tree: boolean, s: PacketSummary) {
    this.b = b;
    this.end = b.length;
    this.pos = 0;
    this.version = ctx.version;
    this.tree = tree;
    this.s = s;
    this.notes = s.notes;
    this.ctx = ctx;
    // Summary mode never adds fields: share frozen empty arrays instead of allocating.
    this.top = tree ? [] : NO_FIELDS;
    this.cur = this.top;
    this.stack = tree ? [] : NO_STACK;
  }

  // ---- notes -------------------------------------------------------------

  /** Add a note; its reference fits the protocol level unless `spec` overrides it. */
  note(def: NoteDef, text: string, offset: number, spec?: string): void {
    if (this.muted && def !== NOTE_DEFS.truncated) {
      this.mutedNotes++;
      return;
    }
    // A packet of millions of bad entries (a 16 MiB SUBSCRIBE of 4M filters with bad options)
    // would otherwise make millions of notes: a gigabyte in summarize(), on the proxy's hot path.
    if (this.notes.length >= MAX_NOTES_PER_PACKET && def !== NOTE_DEFS.truncated) {
      this.overflowNotes++;
      return;
    }
    this.push(def, text, offset, spec);
  }

  /** A note that sums up others (a cap's own note): kept past every cap. */
  noteAlways(def: NoteDef, text: string, offset: number): void {
    this.push(def, text, offset);
  }

  private push(def: NoteDef, text: string, offset: number, spec?: string): void {
    const n: Note = { severity: def.severity, code: def.code, text, offset };
    const sp = spec ?? specFor(def, this.version);
    if (sp !== undefined) n.spec = sp;
    this.notes.push(n);
  }

  // ---- fields (tree mode only; callers guard with `if (w.tree)`) ----------

  add(id: string, label: string, offset: number, length: number, value: FieldValue, display: string, mask?: number): Field {
    const f: Field = mask === undefined
      ? { id, label, offset, length, value, display }
      : { id, label, offset, length, value, display, mask };
    this.cur.push(f);
    return f;
  }

  /** Make `f` the container for the next fields. */
  open(f: Field): void {
    this.stack.push(this.cur);
    this.cur = f.children ??= [];
  }

  close(): void {
    this.cur = this.stack.pop() ?? this.top;
  }

  /** Open a group node starting at pos; fix its length with closeGroup. */
  group(id: string, label: string, value: FieldValue = null, display = ''): Field {
    const f = this.add(id, label, this.pos, 0, value, display);
    this.open(f);
    return f;
  }

  closeGroup(f: Field, value?: FieldValue, display?: string): void {
    f.length = this.pos - f.offset;
    if (value !== undefined) f.value = value;
    if (display !== undefined) f.display = display;
    this.close();
  }

  // ---- reads ---------------------------------------------------------------

  /**
   * The bytes given end before the Remaining Length does (a capture cut by its snap
   * length, a partial paste): what is missing was sent but not seen, so a rule about
   * what the packet lacks cannot be judged.
   */
  get cutShort(): boolean {
    return this.end < this.s.headerLength + this.s.remainingLength;
  }

  /** Pick the 3.1/3.1.1 or the MQTT 5 reference for a per-call override. */
  ref(spec311: string, spec5: string): string {
    return this.version >= 5 ? spec5 : spec311;
  }

  /**
   * Check that n bytes remain. If not, note it, (tree) cover what is left with a
   * truncated field, move to the end and return false. `what` names the field in
   * the note when the label alone is too vague (a property's `Value`).
   */
  need(n: number, id: string, label: string, what = label): boolean {
    if (this.pos + n <= this.end) return true;
    const have = this.end - this.pos;
    if (!this.truncated) {
      this.note(NOTE_DEFS.truncated, `${what} needs ${n} byte(s) at offset ${this.pos} but only ${have} remain in the packet`, this.pos);
    }
    if (this.tree && have > 0) {
      this.add(id, label, this.pos, have, hexOf(this.b, this.pos, this.end), `${hexOf(this.b, this.pos, this.end)} (truncated: ${have} of ${n} bytes)`);
    }
    this.pos = this.end;
    this.truncated = true;
    return false;
  }

  u8(): number {
    return this.b[this.pos++]!;
  }

  u16(): number {
    const b = this.b;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    const b = this.b;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** Read a 1-byte integer field. Returns -1 when missing. */
  byteField(id: string, label: string, fmt?: (v: number) => string): number {
    if (!this.need(1, id, label)) return -1;
    const v = this.u8();
    if (this.tree) this.add(id, label, this.pos - 1, 1, v, fmt ? fmt(v) : String(v));
    return v;
  }

  /** Read a 2-byte integer field. Returns -1 when missing. */
  u16Field(id: string, label: string, fmt?: (v: number) => string): number {
    if (!this.need(2, id, label)) return -1;
    const v = this.u16();
    if (this.tree) this.add(id, label, this.pos - 2, 2, v, fmt ? fmt(v) : String(v));
    return v;
  }

  /**
   * Read a Variable Byte Integer [MQTT-1.5.5]. Returns -1 when truncated or too
   * long. In tree mode adds `id` with one `${id}.byte` child per byte when byteIds.
   */
  varint(id: string, label: string, byteIds: boolean, what = label): number {
    const b = this.b;
    const start = this.pos;
    let v = 0, mul = 1, i = start, last = -1, done = false;
    for (let k = 0; k < 4 && i < this.end; k++) {
      last = b[i++]!;
      v += (last & 0x7f) * mul;
      mul *= 128;
      if ((last & 0x80) === 0) { done = true; break; }
    }
    if (!done) {
      if (i - start >= 4) {
        this.note(NOTE_DEFS.varintTooLong, `${what}: the 4th byte of the Variable Byte Integer has its continuation bit set; one of more than 4 bytes is malformed`, start);
        // Its 5th and later bytes belong to it too (tshark reads them as part of it), not to
        // what follows. No byte children: in a CONNECT such bytes may be a password (see secrets.ts).
        const e = overlongEnd(b, i, this.end);
        if (this.tree) this.add(id, label, start, e - start, null, `${hexOf(b, start, e)} (invalid: longer than 4 bytes)`);
        this.pos = e;
        return -1;
      }
      this.need(i - start + 1, id, label, what);
      return -1;
    }
    const n = i - start;
    if (n > 1 && last === 0) {
      this.note(NOTE_DEFS.varintNotMinimal, `${what} ${v} is encoded in ${n} bytes (${hexOf(b, start, i)}); the shortest encoding must be used`, start);
    }
    this.pos = i;
    if (this.tree) {
      const f = this.add(id, label, start, n, v, `${v} (${n} byte${n === 1 ? '' : 's'})`);
      if (byteIds) {
        this.open(f);
        varintByteFields(this, `${id}.byte`, b, start, n);
        this.close();
      }
    }
    return v;
  }

  /**
   * A length-prefixed UTF-8 string: fields `${lenId}` and `id`. Returns null
   * when truncated. Notes invalid UTF-8, U+0000 and discouraged code points;
   * the status bits stay in `strStatus`. `what` names the string in notes;
   * `nth`, when not 0, is added to it (`Topic Filter 1002`) only when a note is made.
   */
  str(lenId: string, id: string, label: string, what = label, nth = 0): string | null {
    this.strStatus = 0;
    if (this.pos + 2 > this.end) {
      this.need(2, lenId, `${label} Length`, `${nth ? `${what} ${nth}` : what} Length`);
      return null;
    }
    const len = this.u16();
    const lenAt = this.pos - 2;
    if (this.tree) this.add(lenId, `${label} Length`, lenAt, 2, len, numText(len));
    if (this.pos + len > this.end) {
      this.need(len, id, label, nth ? `${what} ${nth}` : what);
      return null;
    }
    const start = this.pos;
    const v = decodeUtf8(this.b, start, start + len);
    this.pos = start + len;
    const st = utf8Status;
    this.strStatus = st;
    if (st & UTF8_NOTED) this.utf8Notes(st, nth ? `${what} ${nth}` : what, start);
    if (this.tree) this.add(id, label, start, len, v, quote(v));
    return v;
  }

  utf8Notes(st: number, what: string, at: number): void {
    if (st & UTF8_INVALID) this.note(NOTE_DEFS.invalidUtf8, `${what} is not well-formed UTF-8 (ill-formed sequence or UTF-16 surrogate)`, at);
    if (st & UTF8_NUL) this.note(NOTE_DEFS.utf8Null, `${what} contains the null character U+0000`, at);
    if (st & UTF8_DISCOURAGED) {
      this.note(NOTE_DEFS.utf8Discouraged, `${what} contains a control character (U+0001-U+001F, U+007F-U+009F) or a noncharacter (e.g. U+FFFF), which it should not; a receiver may treat the packet as malformed`, at);
    }
  }

  /** A length-prefixed binary field. Returns its start, or -1 when truncated. */
  bin(lenId: string, id: string, label: string, what = label): number {
    if (!this.need(2, lenId, `${label} Length`, `${what} Length`)) return -1;
    const len = this.u16();
    if (this.tree) this.add(lenId, `${label} Length`, this.pos - 2, 2, len, String(len));
    if (!this.need(len, id, label, what)) return -1;
    const start = this.pos;
    this.pos = start + len;
    if (this.tree) binaryField(this, id, label, start, len);
    return start;
  }
}

/**
 * A binary field whose value (hex) and display (text when valid UTF-8) are
 * computed on first access. Payloads are the biggest fields and are rarely all
 * looked at. toJSON() keeps JSON.stringify output identical to a plain Field;
 * copy it with `{ ...f, value: f.value, display: f.display }`, not a bare spread.
 */
export class BinaryField implements Field {
  id: string;
  label: string;
  offset: number;
  length: number;
  children?: Field[];
  notes?: Note[];
  private readonly b: Uint8Array;
  private readonly cap: number;
  private v: string | undefined = undefined;
  private d: string | undefined = undefined;

  constructor(b: Uint8Array, id: string, label: string, offset: number, length: number, cap: number) {
    this.id = id;
    this.label = label;
    this.offset = offset;
    this.length = length;
    this.b = b;
    this.cap = cap;
  }

  get value(): FieldValue {
    return (this.v ??= hexOf(this.b, this.offset, this.offset + Math.min(this.length, this.cap)));
  }

  set value(v: FieldValue) {
    this.v = String(v);
  }

  get display(): string {
    return (this.d ??= binaryDisplay(this.b, this.offset, this.length, this.cap));
  }

  set display(v: string) {
    this.d = v;
  }

  toJSON(): Field {
    const o: Field = { id: this.id, label: this.label, offset: this.offset, length: this.length, value: this.value, display: this.display };
    if (this.children) o.children = this.children;
    if (this.notes) o.notes = this.notes;
    return o;
  }
}

/** Binary data: hex value; the display adds the text when it is valid UTF-8. Lazy (see BinaryField). */
export function binaryField(w: Walker, id: string, label: string, start: number, len: number, cap = 65_536): Field {
  const f = new BinaryField(w.b, id, label, start, len, cap);
  w.cur.push(f);
  return f;
}

function binaryDisplay(b: Uint8Array, start: number, len: number, cap: number): string {
  if (len === 0) return '(empty)';
  const shown = Math.min(len, cap);
  const more = shown < len ? '…' : '';
  const text = decodeUtf8(b, start, start + shown);
  if ((utf8Status & (UTF8_INVALID | UTF8_NUL)) === 0) return `${quote(text)}${more} (${len} byte${len === 1 ? '' : 's'})`;
  return hexOf(b, start, start + shown) + more;
}

function bits7(x: number): string {
  return (x & 0x7f).toString(2).padStart(7, '0');
}

const ONE_BYTE_DISPLAY: string[] = [];

/**
 * Where an over-long Variable Byte Integer ends: `from` is its 5th byte; it runs
 * to its first byte without a continuation bit, at most 4 bytes more (8 in all)
 * and not past `end`. tshark reads such an integer the same way (up to its limit).
 */
export function overlongEnd(b: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end && i - from < 4) {
    if ((b[i++]! & 0x80) === 0) break;
  }
  return i;
}

function varintByteDisplay(x: number, mul: number): string {
  if (mul === 1) {
    const c = ONE_BYTE_DISPLAY[x];
    if (c !== undefined) return c;
  }
  const cont = x >> 7;
  const part = (x & 0x7f) * mul;
  const mulText = mul === 1 ? `${x & 0x7f}` : `${x & 0x7f} × ${mul} = ${part}`;
  const d = `0x${x.toString(16).padStart(2, '0')} = ${cont} ${bits7(x)} → value ${mulText}, continuation ${cont} (${cont ? 'more bytes follow' : 'last byte'})`;
  if (mul === 1) ONE_BYTE_DISPLAY[x] = d;
  return d;
}

const BYTE_LABELS = ['byte 1', 'byte 2', 'byte 3', 'byte 4'];

/** One child per varint byte, explaining its 7 value bits and continuation bit. */
export function varintByteFields(w: Walker, id: string, b: Uint8Array, start: number, n: number): void {
  let mul = 1;
  for (let k = 0; k < n; k++) {
    const x = b[start + k]!;
    const d = varintByteDisplay(x, mul);
    w.add(id, BYTE_LABELS[k] ?? `byte ${k + 1}`, start + k, 1, x, k < 4 ? d : `${d}; not allowed: a Variable Byte Integer has at most 4 bytes`);
    mul *= 128;
  }
}

/** A fresh summary with every field in the same order (one hidden class). */
export function emptySummary(b: Uint8Array): PacketSummary {
  const b0 = b.length > 0 ? b[0]! : 0;
  return {
    type: b0 >> 4,
    flags: b0 & 0x0f,
    dup: (b0 & 0x08) !== 0,
    qos: (b0 >> 1) & 3,
    retain: (b0 & 1) !== 0,
    remainingLength: 0,
    headerLength: 0,
    packetId: null,
    topic: null,
    topicAlias: null,
    payloadOffset: -1,
    payloadLength: null,
    reasonCodes: null,
    properties: null,
    notes: [],
  };
}

const SMALL_NUMS: string[] = Array.from({ length: 1024 }, (_, i) => String(i));

/** String(n) with a table for small numbers (tree mode formats many lengths). */
export function numText(n: number): string {
  return n >= 0 && n < 1024 ? SMALL_NUMS[n]! : String(n);
}

/** Notes kept per packet; the rest are counted in one `notes-not-listed` note. */
export const MAX_NOTES_PER_PACKET = 1000;
