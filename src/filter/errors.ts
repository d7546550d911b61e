// The one error the filter compiler throws. It carries a stable `code`, the
// 0-based `position` in the expression where parsing failed, and a message
// that repeats the expression with a caret under that character (a literal
// compared with a password is masked there: see secrets.ts).
import stringWidth from 'string-width';
import { maskFilterSecrets, maskSecretsInReason } from './secrets.js';

export type FilterErrorCode =
  | 'unexpected-char'
  | 'unterminated-string'
  | 'bad-escape'
  | 'bad-number'
  | 'unexpected-token'
  | 'unexpected-end'
  | 'unclosed-paren'
  | 'unknown-field'
  | 'bad-operand'
  | 'bad-topic-filter';

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  readonly code: FilterErrorCode;
  /** 0-based index of the character where parsing failed (expression length = at the end). */
  readonly position: number;
  readonly expression: string;
  /** The message without the caret lines (for a one-line UI). */
  readonly reason: string;

  constructor(code: FilterErrorCode, reason: string, expression: string, position: number) {
    const pos = Math.max(0, Math.min(position, expression.length));
    // A reason that quotes the bad token must not print a password compared in the expression.
    reason = maskSecretsInReason(reason, expression);
    super(`${reason} (at position ${pos + 1})\n${caretLines(expression, pos)}`);
    this.code = code;
    this.position = pos;
    this.expression = expression;
    this.reason = reason;
  }
}

/**
 * The expression on one line and a caret under character `pos`: tabs and newlines are shown
 * as spaces, other control characters as `·` (a pasted escape must not reach the terminal),
 * and the caret is placed by terminal columns, so it stays under the bad character after
 * wide text (`topic == "温度" &&`: each of 温度 takes two columns).
 */
export function caretLines(expression: string, pos: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = maskFilterSecrets(expression).replace(/[\t\r\n]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '·');
  return `  ${flat}\n  ${' '.repeat(stringWidth(flat.slice(0, pos)))}^`;
}
