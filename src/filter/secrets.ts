// What a filter expression says about a secret: `mqtt.passwd == "hunter2"` filters
// on the real password (filtering is not display), but echoing the expression back
// (--summary's filter line, the TUI's status line, a syntax error) would print it.
// The literal compared with a secret field is masked, character for character, so
// a caret under the expression still points at the same place.

/**
 * An id named like a credential, known or not (`mqtt.password`, `password`, `mqtt.pass`,
 * `mqtt.auth_data`): a mistyped id is a syntax error, and the error repeats the expression,
 * so `mqtt.password == "hunter2"` printed the password next to `did you mean 'mqtt.passwd'?`.
 * Lengths (`mqtt.passwd_len`) and the CONNECT flag (`mqtt.conflag.passwd`) are numbers, not secrets.
 */
const CREDENTIAL_LIKE = String.raw`(?![\w.]*(?:[._]len(?:gth)?|conflags?\.passw(?:or)?d)(?![\w.]))[\w.]*(?:pass|pwd|secret|credential|auth_?data|authentication_data)[\w.]*`;

/**
 * Field ids whose values are secret or can hold a secret: the credentials (as
 * src/dissect/secrets.ts masks them in views), `mqtt` (the whole packet's bytes, which
 * hold a CONNECT's password: `mqtt contains "hunter2"` is how one looks for it, as in
 * Wireshark), and the undecoded bytes the views mask in packets that carry credentials
 * (an echo cannot tell which packet a literal was meant for). An id ends where no
 * `.` or word character follows: `mqtt.topic`, `mqtt.passwd_len` are not secret.
 */
const KNOWN_SECRET_FIELD = String.raw`(?<![\w.])(?:mqtt\.passwd(?:\.value)?|mqtt\.property\.authentication_data(?:\.value)?|mqtt|mqtt\.undecoded|mqtt\.trailing|mqtt\.property\.unknown|mqtt\.property\.undecoded)(?![\w.])`;
/** The above, or an id named like a credential: on the left of a comparison only (`topic == bypass` is a bare string on the right). */
const SECRET_FIELD = String.raw`(?:${KNOWN_SECRET_FIELD}|(?<![\w.])${CREDENTIAL_LIKE}(?![\w.]))`;
/** A secret field, a comparison, and the literal compared with it (a quoted string, or a bare token). */
// Case-insensitive, as the parser reads keywords (`CONTAINS`, `Eq`, `IN`) and ids (`MQTT.PASSWD`).
// Also a slice (`mqtt.passwd[0:3]`), and what the parser refuses but a syntax error echoes: a
// function call (`lower(mqtt.passwd)`) and `!~`; and `===`, `!==` (valid since Wireshark 4 parity).
const SECRET_OPERAND = String.raw`\b(?:${SECRET_FIELD})(?:\s*\[[^\]]*\]?)?(?:\s*\))?`;
// Any run of operator characters and any word but the connectives: a mistyped operator
// (`=`, `=>`, `<>`, `~=`, `is`, `contain`) is a syntax error that echoes the expression too.
// A run of symbols is taken whole: `== (x)` was read as `=` and the literal `=`.
const OPERATOR = String.raw`(?:[=!<>~]+(?![=!<>~])|\b(?!(?:and|or|not|in)\b)[A-Za-z_]+\b)`;
// The literal: a string, also as the parser refuses it but echoes it whole in a syntax error
// (Wireshark's raw string `r"pass word"`, a single-quoted 'pass word'; a bare-token match
// stopped at the space and left ` word"` on the screen), or a bare token with the bare words
// after it up to a connective (`mqtt.passwd == pass word`: the error quoted 'word').
const QUOTED = String.raw`r?"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?`;
const BARE = String.raw`[^\s()&|!]+(?:\s+(?!(?:and|or|not|in|xor)(?![^\s()&|!])|&&|\|\|)[^\s()&|!"]+)*`;
// A literal in parentheses (`mqtt.passwd == (x)`) is a syntax error that echoes it.
const COMPARED = new RegExp(String.raw`(${SECRET_OPERAND}\s*${OPERATOR}\s*(?:\(\s*)*)(${QUOTED}|${BARE})`, 'gi');

/** A literal compared with a secret field written on the right (`"hunter2" == mqtt.passwd`, a syntax error the parser echoes). */
const COMPARED_REVERSED = new RegExp(String.raw`(r?"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()&|!"'{}]+)(\s*${OPERATOR}\s*(?:\w+\s*\(\s*)?\b(?:${KNOWN_SECRET_FIELD})\b)`, 'gi');

/** A secret field tested for membership, and the set it is tested against (`in {"a" "b"}`, `not in {…}`). */
// The field may be sliced (`mqtt.passwd[0:3] in {"hun" "abc"}` is valid since slices compile).
// Without the braces (`mqtt.passwd in "x"`), a syntax error that quotes the value.
const IN_SET = new RegExp(String.raw`(\b(?:${SECRET_FIELD})(?:\s*\[[^\]]*\]?)?\s*(?:not\s+)?in\b\s*)(\{(?:"(?:[^"\\]|\\.)*"?|[^}"])*\}?|${QUOTED}|[^\s(){}&|!]+)`, 'gi');

/** Where string literals are: a field name inside one (`topic == "mqtt.passwd == x"`) is text. */
function stringMap(expr: string): boolean[] {
  const inString: boolean[] = [];
  for (let i = 0, q = false; i < expr.length; i++) {
    inString[i] = q;
    if (expr[i] === '\\' && q) { inString[++i] = true; continue; }
    if (expr[i] === '"') q = !q;
  }
  return inString;
}

/** The literals of a set, masked: every character but the braces, separators and quotes. */
function maskSet(set: string): string {
  return set.replace(/[^{}\s,"]/g, '*');
}

/** The expression with every literal compared with a secret field replaced by asterisks of the same length (quotes kept). */
export function maskFilterSecrets(expr: string): string {
  const inString = stringMap(expr);
  const masked = expr.replace(COMPARED, (m: string, head: string, lit: string, at: number) => {
    if (inString[at]) return m;
    const open = /^(?:r?"|')/.exec(lit)?.[0];
    if (open !== undefined) {
      const q = open[open.length - 1]!;
      const closed = lit.length > open.length && lit.endsWith(q);
      const inner = lit.length - open.length - (closed ? 1 : 0);
      return `${head}${open}${'*'.repeat(inner)}${closed ? q : ''}`;
    }
    return head + lit.replace(/\S/g, '*');
  });
  const sets = masked.replace(IN_SET, (m: string, head: string, set: string, at: number) => (inString[at] ? m : head + maskSet(set)));
  return sets.replace(COMPARED_REVERSED, (m: string, lit: string, tail: string, at: number) => {
    if (inString[at]) return m;
    const open = /^(?:r?"|')/.exec(lit)?.[0];
    return (open !== undefined ? `${open}${'*'.repeat(lit.length - open.length - 1)}${lit[lit.length - 1]}` : '*'.repeat(lit.length)) + tail;
  });
}

/**
 * An error's reason with the secret literals of `expr` masked where it quotes them
 * (`invalid number '12345x'` for `mqtt.passwd == 12345x`): the reason is shown on its
 * own line in the TUI and on stderr, without the masked expression next to it.
 */
export function maskSecretsInReason(reason: string, expr: string): string {
  const plain = maskFilterSecrets(expr);
  if (plain === expr) return reason;
  // The masked spans of the expression, as the literals (quotes and braces taken off) they hid.
  const secrets = new Set<string>();
  let i = 0;
  while (i < expr.length) {
    if (plain[i] === expr[i]) { i++; continue; }
    let j = i;
    while (j < expr.length && plain[j] !== expr[j]) j++;
    secrets.add(expr.slice(i, j));
    i = j;
  }
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  // Only inside what the reason quotes: a one-letter password must not mask the words around it.
  // Nor a quoted id the masked expression shows anyway, or a suggested id: `mqtt.password == "pass"`
  // said `unknown field 'mqtt.****word'; did you mean 'mqtt.****wd'?`.
  return reason.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, (quoted: string, at: number) => {
    const inner = quoted.slice(1, -1);
    // An id only: a bad number or string the masked expression shows elsewhere (a topic
    // literal equal to the password) must still be masked where the reason quotes it.
    if (/^[A-Za-z_$][\w.$]*$/.test(inner) && plain.includes(inner)) return quoted;
    if (/did you mean $/.test(reason.slice(0, at))) return quoted;
    // A piece of a literal (`unknown escape '\\q'` for "hunt\\qer") is masked whole.
    if (inner !== '' && ordered.some((lit) => lit.includes(inner))) return quoted[0] + '*'.repeat(inner.length) + quoted[0];
    let q = quoted;
    for (const lit of ordered) q = q.split(lit).join('*'.repeat(lit.length));
    return q;
  });
}
