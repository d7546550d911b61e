// The packet type is a 4-bit number: a value outside 0-15 can never match, so
// it is an error that says so, as a misspelt type name is (docs/filters.md).
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { syntaxError } from './errors.js';

describe('packet type values', () => {
  it.each([
    ['type == 16', 8],
    ['mqtt.msgtype in {3 16}', 19],
    ['type == 1.5', 8],
    ['type == "16"', 8],
  ])('%s is an error', (expr, pos) => {
    const e = syntaxError(expr);
    expect(e.code).toBe('bad-operand');
    expect(e.position).toBe(pos);
    expect(e.reason).toMatch(/4-bit packet type: '(16|1\.5)' can never match it/);
  });
  it('accepts 0-15, hex, numeric strings and names', () => {
    for (const expr of ['type == 0', 'type == 0xf', 'type == "3"', 'mqtt.msgtype == publish', 'type in {1..20}']) {
      expect(() => compileFilter(expr)).not.toThrow();
    }
  });
});
