// Wireshark 4's raw string (r"…") is not read here; the error says so, where it said
// "expected '&&', '||' or the end of the expression, found the string …" after a word `r`.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { syntaxError } from './errors.js';

describe('raw strings', () => {
  it('r"…" and R"…" are an error that names them, at the r', () => {
    for (const f of ['mqtt.topic == r"Room1/Light"', 'mqtt.topic == R"Room1/Light"', 'mqtt.topic in {r"a", "b"}']) {
      const e = syntaxError(f);
      expect(e.code).toBe('unexpected-token');
      expect(e.reason).toBe('Wireshark\'s raw strings (r"…") are not supported: write the string in plain double quotes, with each backslash doubled');
      expect(f[e.position]!.toLowerCase()).toBe('r');
    }
  });

  it('the password in one is still masked in the echo', () => {
    const e = syntaxError('mqtt.passwd == r"hunt zq9x"');
    expect(e.message).not.toMatch(/hunt|zq9x/);
    expect(e.reason).not.toMatch(/hunt|zq9x/);
  });

  it('a word r, and the string "r", are as before', () => {
    expect(() => compileFilter('mqtt.topic == "r"')).not.toThrow();
    expect(() => compileFilter('topic == r')).not.toThrow();
  });
});
