// Recursive-descent parser. Precedence, lowest first: `||`/`or`, `&&`/`and`,
// `!`/`not`, then a test (`field`, `field OP value`, `field in {…}`, a packet
// type name) or a parenthesised expression.
import type { CmpOp, FieldRef, InRange, Literal, Node } from './ast.js';
import { FilterSyntaxError, type FilterErrorCode } from './errors.js';
import { lookupField, subnetMatcher, suggest, TYPE_NAMES, typeByName, wiresharkHint } from './fields.js';
import { tokenize, type Token } from './lexer.js';
import { topicFilterProblem } from '../protocol/topic-match.js';

const CMP_WORDS: Record<string, CmpOp> = {
  eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=',
  // Wireshark 4's explicit forms: any_eq is ==, all_ne is !=, all_eq is ===, any_ne is !==.
  any_eq: '==', all_ne: '!=', all_eq: '===', any_ne: '!==',
};
const CMP_OPS = ['==', '!=', '===', '!==', '<', '<=', '>', '>='];
/** Operator words from other languages, and what they are here. */
const OPERATOR_WORDS: Record<string, string> = { is: '==', equals: '==', like: 'contains', has: 'contains', includes: 'contains', startswith: 'matches "PREFIX/#"' };
/** Wireshark's display-filter functions: not supported, and said so (not "expected '&&'"). */
const FUNCTIONS = new Set(['len', 'count', 'lower', 'upper', 'string', 'max', 'min', 'abs']);
const KEYWORDS = new Set(['and', 'or', 'not', 'contains', 'matches', 'in', ...Object.keys(CMP_WORDS)]);

/** Parse an expression; null for an empty (match-everything) expression. */
export function parseFilter(src: string): Node | null {
  const toks = tokenize(src);
  if (toks.length === 1) return null;
  const p = new Parser(src, toks);
  const node = p.expr();
  const t = p.peek();
  if (t.kind !== 'eof') {
    if (t.kind === ')') p.fail('unexpected-token', "unexpected ')' without a matching '('", t.pos);
    p.fail('unexpected-token', `expected '&&', '||' or the end of the expression, found ${describe(t)}`, t.pos);
  }
  return node;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'the end of the expression';
    case 'string': return `the string ${JSON.stringify(t.text)}`;
    case 'number': return `the number ${t.text}`;
    case 'ident': return `'${t.text}'`;
    default: return `'${t.text}'`;
  }
}

function kw(t: Token): string | null {
  return t.kind === 'ident' && KEYWORDS.has(t.text.toLowerCase()) ? t.text.toLowerCase() : null;
}

class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly toks: Token[]) {}

  peek(): Token {
    return this.toks[this.i]!;
  }

  private next(): Token {
    const t = this.toks[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  fail(code: FilterErrorCode, msg: string, pos: number): never {
    throw new FilterSyntaxError(code, msg, this.src, pos);
  }

  private isOr(t: Token): boolean {
    return (t.kind === 'op' && t.text === '||') || kw(t) === 'or';
  }

  private isAnd(t: Token): boolean {
    return (t.kind === 'op' && t.text === '&&') || kw(t) === 'and';
  }

  expr(): Node {
    let a = this.and();
    while (this.isOr(this.peek())) {
      const op = this.next();
      a = { t: 'or', a, b: this.and(op) };
    }
    return a;
  }

  private and(after?: Token): Node {
    let a = this.unary(after);
    while (this.isAnd(this.peek())) {
      const op = this.next();
      a = { t: 'and', a, b: this.unary(op) };
    }
    return a;
  }

  private unary(after?: Token): Node {
    const t = this.peek();
    if ((t.kind === 'op' && t.text === '!') || kw(t) === 'not') {
      this.next();
      return { t: 'not', a: this.unary(t) };
    }
    return this.primary(after);
  }

  private primary(after?: Token): Node {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      const inner = this.expr();
      const c = this.peek();
      if (c.kind !== ')') {
        if (c.kind === 'eof') this.fail('unclosed-paren', `missing ')' to close the '(' at position ${t.pos + 1}`, c.pos);
        this.fail('unexpected-token', `expected ')' or an operator, found ${describe(c)}`, c.pos);
      }
      this.next();
      return inner;
    }
    if (t.kind === 'eof') {
      this.fail('unexpected-end', after ? `expected an expression after '${after.text}'` : 'expected an expression', t.pos);
    }
    if (t.kind !== 'ident' || kw(t) !== null) {
      const what = after ? ` after '${after.text}'` : '';
      this.fail('unexpected-token', `expected a field, a packet type or '('${what}, found ${describe(t)}`, t.pos);
    }
    if (t.bad) this.fail('bad-number', t.bad.reason, t.bad.at);
    this.next();
    return this.test(t);
  }

  private field(t: Token): FieldRef {
    const spec = lookupField(t.text);
    if (!spec) {
      const hint = wiresharkHint(t.text);
      const s = hint ? undefined : suggest(t.text);
      this.fail('unknown-field', `unknown field or packet type '${t.text}'${hint ? `: ${hint}` : s ? `; did you mean '${s}'?` : ''}`, t.pos);
    }
    return { spec, written: t.text, pos: t.pos };
  }

  private test(t: Token, sliced?: FieldRef): Node {
    const op = this.peek();
    const opKw = kw(op);
    const isCmp = (op.kind === 'op' && CMP_OPS.includes(op.text)) || (opKw !== null && opKw in CMP_WORDS);
    if (op.kind === '(' && FUNCTIONS.has(t.text.toLowerCase())) {
      this.fail('unexpected-token', `Wireshark's function ${t.text.toLowerCase()}() is not supported: compare the field itself${t.text.toLowerCase() === 'len' ? " (the length of a topic is mqtt.topic_len, of a packet's Remaining Length mqtt.len)" : ''}`, t.pos);
    }
    const isRel = isCmp || opKw === 'contains' || opKw === 'matches' || opKw === 'in';
    const type = typeByName(t.text);
    if (type !== undefined && lookupField(t.text) === undefined) {
      if (isRel) this.fail('unexpected-token', `'${t.text}' is a packet type, not a field; write 'type == ${t.text.toLowerCase()}' or just '${t.text.toLowerCase()}'`, op.pos);
      return { t: 'type', type, pos: t.pos };
    }
    const field = sliced ?? this.field(t);
    if (op.kind === 'slice' && !sliced) return this.sliced(t, field, op);
    if (field.spec.testOnly && (isRel || (opKw === 'not' && kw(this.toks[this.i + 1]!) === 'in'))) {
      this.fail('bad-operand', field.spec.testOnly, op.pos);
    }
    // Wireshark's `x not in {…}` is `!(x in {…})`: true also where x is absent.
    if (opKw === 'not' && kw(this.toks[this.i + 1]!) === 'in') {
      this.next();
      const inOp = this.next();
      const set = this.set(inOp, field);
      for (const v of set.values) this.checkValue(field, v);
      return { t: 'not', a: { t: 'in', field, ...set } };
    }
    if (!isRel) {
      // `and`/`or` after an existence test (`finding and publish`) end it, as `&&`/`||` do.
      if ((op.kind === 'ident' && opKw !== 'and' && opKw !== 'or') || op.kind === 'string' || op.kind === 'number') {
        const near = op.kind === 'ident' ? OPERATOR_WORDS[op.text.toLowerCase()] ?? suggest(op.text, ['contains', 'matches']) : undefined;
        this.fail('unexpected-token', `expected an operator (==, !=, <, <=, >, >=, contains, matches, in), '&&', '||' or the end after '${t.text}', found ${describe(op)}${near ? `; did you mean '${near}'?` : ''}`, op.pos);
      }
      return { t: 'exists', field };
    }
    this.next();
    if (opKw === 'in') {
      const set = this.set(op, field);
      for (const v of set.values) this.checkValue(field, v);
      return { t: 'in', field, ...set };
    }
    const value = this.literal(op, field);
    // Wireshark compares two fields (`tcp.srcport > tcp.dstport`); here the right side is a value,
    // and a field id there would be compared as its own name: never what was meant.
    if (value.kind === 'word' && /^(mqtt|tcp|ip|ipv6|frame)\./i.test(value.text) && lookupField(value.text)) {
      this.fail('bad-operand', `comparing two fields (${t.text} ${op.text} ${value.text}) is not supported: compare ${t.text} with a value (quote "${value.text}" to compare with that text)`, value.pos);
    }
    if (opKw !== 'contains' && opKw !== 'matches') this.checkValue(field, value);
    else if (field.spec.numeric) {
      this.fail('bad-operand', `'${opKw}' needs a text field; ${t.text} is a number: compare it with ==, <, … or 'in'`, op.pos);
    }
    if (opKw === 'matches') {
      if (value.kind === 'number') this.fail('bad-operand', "'matches' needs a topic filter in double quotes, e.g. \"home/+/temp\"", value.pos);
      // Wireshark's `matches` takes a regular expression; here it is an MQTT topic filter.
      // Regular-expression syntax no topic filter has: ^ at the start, .* .+ .?, a backslash,
      // (?i), alternation, a character class, $ at the end ($SYS/# starts with one).
      if (/^\^|\.[*+?]|\\|\(\?|\||\[[^\]]*\]|.\$$/.test(value.text)) {
        this.fail('bad-topic-filter', `'matches' takes an MQTT topic filter (+ one level, # the rest, e.g. "home/+/temp"), not a regular expression as in Wireshark; for a substring use 'contains'`, value.pos);
      }
      const prob = topicFilterProblem(value.text);
      if (prob) {
        const raw = this.src.slice(value.pos, this.toks[this.i - 1]!.end);
        const exact = value.kind === 'string' && raw.length === value.text.length + 2;
        this.fail('bad-topic-filter', prob.reason, value.pos + (exact ? 1 + prob.index : value.kind === 'word' ? prob.index : 0));
      }
      return { t: 'matches', field, value };
    }
    if (opKw === 'contains') return { t: 'contains', field, value };
    const cmp = op.kind === 'op' ? (op.text as CmpOp) : CMP_WORDS[opKw!]!;
    // Bytes (mqtt.msg, mqtt, a binary property) have no order here, as a slice has none:
    // Wireshark orders them by length first. Refused rather than silently matching nothing.
    if (field.spec.bytes && !field.slice && (cmp === '<' || cmp === '<=' || cmp === '>' || cmp === '>=')) {
      this.fail('bad-operand', `${t.text} is bytes: compare it with ==, !=, contains or in (Wireshark orders bytes by length first, which is rarely what '${op.text}' means)`, op.pos);
    }
    return { t: 'cmp', op: cmp, field, value };
  }

  /** `field[i:j] OP value`: a test on those bytes of the field (a text or bytes field only). */
  private sliced(t: Token, field: FieldRef, sl: Token): Node {
    if (field.spec.numeric || field.spec.testOnly || field.spec.values) {
      this.fail('bad-operand', `a slice takes the bytes of a text or bytes field (mqtt.msg, mqtt.topic, mqtt, …); ${t.text} is not one`, sl.pos);
    }
    this.next();
    const op = this.peek();
    const ord = op.kind === 'op' ? op.text : kw(op) !== null ? CMP_WORDS[kw(op)!] : undefined;
    if (ord === '<' || ord === '<=' || ord === '>' || ord === '>=') {
      this.fail('bad-operand', `a slice is bytes: compare it with ==, !=, contains or in (Wireshark orders bytes by length first, which is rarely what '${op.text}' means)`, op.pos);
    }
    const sub: FieldRef = { ...field, spec: { ...field.spec, bytes: true, numeric: false, coerce: undefined, labels: undefined }, slice: sl.slice! };
    return this.test({ ...t, kind: 'ident' }, sub);
  }

  /** A number a whole-number field of this width can have (`mqtt.msgid == 65536`, `== 1.5` never match). */
  private checkWidth(field: FieldRef, n: number, v: Literal): void {
    const max = field.spec.max;
    if (!Number.isInteger(n)) this.fail('bad-operand', `${field.written} is a whole number: '${v.text}' can never match it`, v.pos);
    if (max !== undefined && n > max) this.fail('bad-operand', `${field.written} is ${max === 0xff ? 'an 8' : 'a 16'}-bit number: '${v.text}' can never match it (0 to ${max})`, v.pos);
  }

  /** The Wireshark label of the field closest to a misspelt one (`Connection Acepted`), or undefined. */
  private labelSuggestion(spec: FieldRef['spec'], text: string): string | undefined {
    if (!spec.labels) return undefined;
    const low = suggest(text, spec.labels.names.map((n) => n.toLowerCase()));
    return low === undefined ? undefined : spec.labels.names.find((n) => n.toLowerCase() === low);
  }

  /** A word compared with a packet-type field must name a type: `type == publsh` would match nothing. */
  private checkValue(field: FieldRef, v: Literal): void {
    const spec = field.spec;
    // The packet type is 4 bits: 16 or 3.5 can never match (Wireshark refuses them too).
    if (v.kind === 'number' && spec.coerce && !(Number.isInteger(v.num) && v.num! >= 0 && v.num! <= 15)) {
      this.fail('bad-operand', `${field.written} is a 4-bit packet type: '${v.text}' can never match it (0-15, or a name such as publish)`, v.pos);
    }
    // Every number field holds whole numbers, and the 8- and 16-bit ids no more than their
    // width: `mqtt.msgid == 65536` or `== 1.5` would match nothing (tshark refuses both too).
    if (v.kind === 'number' && spec.numeric && !spec.coerce) this.checkWidth(field, v.num!, v);
    if (v.kind === 'number') return;
    // A subnet on an address field (`ip.addr == 10.0.0.0/8`) must be one of that family.
    if (spec.address && v.kind === 'word' && v.text.includes('/')) {
      const net = subnetMatcher(v.text, spec.address);
      if (typeof net === 'string') this.fail('bad-operand', net, v.pos);
      return;
    }
    // Wireshark's label of the value (`mqtt.conack.val == "Connection Accepted"`), as tshark takes it.
    if (spec.labels?.value(v.text) !== undefined) return;
    if (spec.coerce) {
      if (spec.coerce(v.text) !== undefined) return;
      if (v.kind === 'string' && /^\s*\d+\s*$/.test(v.text)) {
        if (Number(v.text) <= 15) return;
        this.fail('bad-operand', `${field.written} is a 4-bit packet type: '${v.text.trim()}' can never match it (0-15, or a name such as publish)`, v.pos);
      }
      const s = suggest(v.text, TYPE_NAMES) ?? this.labelSuggestion(spec, v.text);
      this.fail('bad-operand', `'${v.text}' is not a packet type${s ? `; did you mean '${s}'?` : ' (connect, connack, publish, puback, … auth, or a number 0-15)'}`, v.pos);
    }
    // A number field compared with text it can never equal (`retain == yes`, `mqtt.qos == high`).
    if (spec.numeric) {
      if (v.text.trim() !== '' && Number.isFinite(Number(v.text))) return this.checkWidth(field, Number(v.text), v);
      if (v.kind === 'word' && /^(true|false)$/i.test(v.text)) return;
      if (spec.labels) {
        const s = this.labelSuggestion(spec, v.text);
        if (s) this.fail('bad-operand', `${field.written} is a number: '${v.text}' is not one of its Wireshark labels; did you mean '${s}'? (or write a number such as 1 or 0x1a)`, v.pos);
      }
      this.fail('bad-operand', `${field.written} is a number: '${v.text}' can never match it (write a number such as 1 or 0x1a${/^(mqtt\.(retain|dupflag|conflag\.\w+|sub\.(nl|rap))|retain|dup)$/i.test(field.written) ? ', or true/false' : ''})`, v.pos);
    }
    // A field with a closed set of values (`dir`, `finding`, `severity`) compared with another.
    if (spec.values && !spec.values.includes(v.text)) {
      const low = v.text.toLowerCase();
      const s = suggest(v.text, spec.values) ?? spec.values.find((x) => low !== '' && (low.startsWith(x) || x.startsWith(low)));
      this.fail('bad-operand', `'${v.text}' is not a value of ${field.written}${s ? `; did you mean '${s}'?` : ''} (${spec.values.join(', ')})`, v.pos);
    }
  }

  private literal(op: Token, field: FieldRef): Literal {
    const v = this.peek();
    if (v.bad && field.spec.numeric) this.fail('bad-number', v.bad.reason, v.bad.at);
    const raw = this.src.slice(v.pos, v.end);
    if (v.kind === 'string') { this.next(); return { kind: 'string', text: v.text, pos: v.pos, ...(v.bytes ? { bytes: v.bytes } : {}) }; }
    if (v.kind === 'number') { this.next(); return { kind: 'number', text: v.text, num: v.num!, pos: v.pos, raw }; }
    if (v.kind === 'ident' && kw(v) === null) { this.next(); return { kind: 'word', text: v.text, pos: v.pos, raw }; }
    if (v.kind === 'eof') this.fail('unexpected-end', `expected a value after '${op.text}'`, v.pos);
    return this.fail('unexpected-token', `expected a value (a number, a "string" or a word) after '${op.text}', found ${describe(v)}`, v.pos);
  }

  /** `{ v1 v2, lo..hi }`: values and numeric ranges (both ends included), as in Wireshark. */
  private set(op: Token, field: FieldRef): { values: Literal[]; ranges: InRange[] } {
    const open = this.peek();
    if (open.kind !== '{') {
      if (open.kind === 'eof') this.fail('unexpected-end', "expected '{' after 'in'", open.pos);
      this.fail('unexpected-token', `expected '{' after 'in' (e.g. type in {publish puback}), found ${describe(open)}`, open.pos);
    }
    this.next();
    const values: Literal[] = [];
    const ranges: InRange[] = [];
    let last: Literal | null = null;
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        if (last === null) this.fail('unexpected-token', "a set needs at least one value: 'in {…}'", t.pos);
        this.next();
        return { values, ranges };
      }
      if (t.kind === ',' && last !== null) {
        this.next();
        const n = this.peek();
        if (n.kind === '}' || n.kind === ',') this.fail('unexpected-token', `expected a value after ',', found ${describe(n)}`, n.pos);
        continue;
      }
      if (t.kind === 'eof') this.fail('unclosed-paren', `missing '}' to close the '{' at position ${open.pos + 1}`, t.pos);
      const lo = this.literal(last === null ? op : { ...op, text: last.text }, field);
      last = lo;
      const dots = this.peek();
      if (dots.kind !== 'op' || dots.text !== '..') { values.push(lo); continue; }
      this.next();
      const hi = this.literal(dots, field);
      last = hi;
      if (lo.kind !== 'number' || hi.kind !== 'number') {
        this.fail('bad-operand', `a range in a set takes two numbers (e.g. {1..5}), found '${lo.kind === 'number' ? hi.text : lo.text}'`, lo.kind === 'number' ? hi.pos : lo.pos);
      }
      // A text field compares as text: a numeric range can never hold one of its values.
      if (field.spec.numeric !== true) {
        this.fail('bad-operand', `${field.written} is not a number field: a range such as ${lo.text}..${hi.text} can never match it (list the values instead)`, lo.pos);
      }
      if (lo.num! > hi.num!) this.fail('bad-operand', `the range ${lo.text}..${hi.text} is empty: write the smaller number first`, lo.pos);
      ranges.push({ lo: lo.num!, hi: hi.num! });
    }
  }
}
