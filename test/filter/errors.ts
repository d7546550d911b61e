// The filter compiler's error for an expression, for tests that look at its code, position and text.
import { expect } from 'vitest';
import { compileFilter, FilterSyntaxError } from '../../src/filter/index.js';

/** The FilterSyntaxError compiling `expr` throws (fails the test if it compiles or throws something else). */
export function syntaxError(expr: string): FilterSyntaxError {
  try {
    compileFilter(expr);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterSyntaxError);
    return e as FilterSyntaxError;
  }
  throw new Error(`expected a FilterSyntaxError for ${JSON.stringify(expr)}`);
}
