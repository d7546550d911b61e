// A mistyped password id is a syntax error, and the error repeats the expression:
// `mqtt.password == "hunter2"` (Wireshark and this tool say mqtt.passwd) printed the
// password on stderr next to the suggestion. A literal compared with an id named like
// a credential is now masked as for mqtt.passwd. The reason's quoted ids stay readable:
// a short password no longer masks letters of the field names it quotes.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../src/filter/index.js';

function errorOf(expr: string): FilterSyntaxError {
  try { compileFilter(expr); } catch (e) { if (e instanceof FilterSyntaxError) return e; throw e; }
  throw new Error(`${expr} compiled`);
}

describe('ids named like a credential', () => {
  it.each([
    ['mqtt.password == "hunter2"', 'mqtt.password == "*******"'],
    ['password == "hunter2"', 'password == "*******"'],
    ['MQTT.PASS contains "hunter2"', 'MQTT.PASS contains "*******"'],
    ['mqtt.pwd == hunter2', 'mqtt.pwd == *******'],
    ['mqtt.auth_data == "tok"', 'mqtt.auth_data == "***"'],
    ['mqtt.password in {"a" "bc"}', 'mqtt.password in {"*" "**"}'],
  ])('%s', (expr, masked) => {
    expect(maskFilterSecrets(expr)).toBe(masked);
    const err = errorOf(expr);
    expect(err.message).not.toMatch(/hunter2|tok"|"bc"/);
  });

  it('keeps numbers and bare strings that only look alike', () => {
    for (const e of ['mqtt.passwd_len == 7', 'mqtt.conflag.passwd == 1', 'topic == bypass', 'user == passenger', 'mqtt.property.authentication_method == "SCRAM-SHA-1"']) {
      expect(maskFilterSecrets(e)).toBe(e);
    }
  });

  it('the suggestion and the quoted id stay readable with a short password', () => {
    const err = errorOf('mqtt.password == "pass"');
    expect(err.reason).toBe("unknown field or packet type 'mqtt.password'; did you mean 'mqtt.passwd'?");
    expect(err.message).toContain('  mqtt.password == "****"');
    const other = errorOf('mqtt.passwd == "s" && mqtt.qoss == 1');
    expect(other.reason).toContain("'mqtt.qoss'");
    // A bad token shown unmasked elsewhere in the expression is still masked where it is the password.
    const same = errorOf('topic == "12345x" && mqtt.passwd == 12345x');
    expect(same.reason).not.toContain('12345x');
  });
});
