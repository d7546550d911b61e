// What a filter expression says about a secret: `mqtt.passwd == "hunter2"` filters
// on the real password (filtering is not display), but echoing the expression back
// (--summary's filter line, the TUI's status line, a syntax error) would print it.
// The literal compared with a secret field is masked, character for character, so
// a caret under the expression still points at the same place.

/** Field ids whose values are secret (as src/dissect/secrets.ts masks them in views). */
const SECRET_FIELD = String.raw`mqtt\.passwd|mqtt\.property\.authentication_data(?:\.value)?`;
/** A secret field, a comparison, and the literal compared with it (a quoted string, or a bare token). */
const COMPARED = new RegExp(String.raw`(\b(?:${SECRET_FIELD})\s*(?:==|!=|>=|<=|>|<|\beq\b|\bne\b|\bcontains\b|\bmatches\b|~)\s*)("(?:[^"\\]|\\.)*"?|[^\s()&|!]+)`, 'g');

/** The expression with every literal compared with a secret field replaced by asterisks of the same length (quotes kept). */
export function maskFilterSecrets(expr: string): string {
  // Where string literals are: a field name inside one ("topic == \"mqtt.passwd == x\"") is text.
  const inString: boolean[] = [];
  for (let i = 0, q = false; i < expr.length; i++) {
    inString[i] = q;
    if (expr[i] === '\\' && q) { inString[++i] = true; continue; }
    if (expr[i] === '"') q = !q;
  }
  return expr.replace(COMPARED, (m: string, head: string, lit: string, at: number) => {
    if (inString[at]) return m;
    if (lit.startsWith('"')) {
      const closed = lit.length > 1 && lit.endsWith('"');
      const inner = lit.length - (closed ? 2 : 1);
      return `${head}"${'*'.repeat(inner)}${closed ? '"' : ''}`;
    }
    return head + '*'.repeat(lit.length);
  });
}
