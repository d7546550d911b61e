// A syntax error repeats the expression with a caret under the bad character. The
// caret was placed by string index: after CJK text (two terminal columns a character)
// it stood left of the bad token, one column per wide character. And a control
// character in the expression (a pasted escape) was printed to the terminal as is.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError } from '../../src/filter/index.js';

function caret(expr: string): string[] {
  try { compileFilter(expr); } catch (e) {
    if (e instanceof FilterSyntaxError) return e.message.split('\n').slice(1);
    throw e;
  }
  throw new Error(`${expr} compiled`);
}

describe('filter error caret', () => {
  it('stands under the bad token after wide (CJK) characters', () => {
    const [line, mark] = caret('topic == "温度" && )');
    expect(line).toBe('  topic == "温度" && )');
    // 2 columns of indent, 10 for `topic == "`, 4 for 温度, 5 for `" && `: the `)` is at column 21.
    expect(mark).toBe(' '.repeat(21) + '^');
  });

  it('stands under the bad token after an emoji', () => {
    const [, mark] = caret('topic == "a😀" && )');
    // 2 indent, 11 for `topic == "a`, 2 for the emoji, 5 for `" && `.
    expect(mark).toBe(' '.repeat(20) + '^');
  });

  it('shows a control character as a dot, not as the raw byte', () => {
    const [line, mark] = caret('topic == "\x1b[2J" && )');
    expect(line).toBe('  topic == "·[2J" && )');
    expect(line).not.toContain('\x1b');
    expect(mark).toBe(' '.repeat(2 + 10 + 4 + 5) + '^');
  });
});
