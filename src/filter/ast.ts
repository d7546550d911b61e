// Syntax tree of a display filter.
import type { FieldSpec } from './fields.js';

/** `===`: every occurrence equals; `!==`: some occurrence differs (Wireshark 4's all_eq, any_ne). */
export type CmpOp = '==' | '!=' | '===' | '!==' | '<' | '<=' | '>' | '>=';

export interface Literal {
  /** `word`: an unquoted identifier used as a value (`dir == c2s`). */
  kind: 'string' | 'number' | 'word';
  text: string;
  num?: number;
  pos: number;
  /** An unquoted value as written (`54:75`), which a bytes field reads as hex bytes. */
  raw?: string;
  /** A string with \x or octal escapes: its exact bytes, for bytes fields. */
  bytes?: Uint8Array;
}

/** A slice of a field's bytes (`mqtt.msg[0:2]`): from `from` (negative: from the end), `len` bytes or to the end. */
export interface Slice {
  from: number;
  len?: number;
}

export interface FieldRef {
  spec: FieldSpec;
  written: string;
  pos: number;
  /** `field[i:j]`: the test sees these bytes of each value, as Wireshark's slice. */
  slice?: Slice;
}

/** A numeric range in a set, both ends included (`{1..5}`). */
export interface InRange {
  lo: number;
  hi: number;
}

export type Node =
  | { t: 'or'; a: Node; b: Node }
  | { t: 'and'; a: Node; b: Node }
  | { t: 'not'; a: Node }
  | { t: 'type'; type: number; pos: number }
  | { t: 'exists'; field: FieldRef }
  | { t: 'cmp'; op: CmpOp; field: FieldRef; value: Literal }
  | { t: 'contains'; field: FieldRef; value: Literal }
  | { t: 'matches'; field: FieldRef; value: Literal }
  | { t: 'in'; field: FieldRef; values: Literal[]; ranges: InRange[] };
