// A syntax error echoes the expression (stderr, the TUI status line) and always
// masks a literal compared with the password or the Authentication Data. These are
// the Wireshark habits the parser refuses, so each one is an error that used to
// echo the password: the literal on the left, a slice, a function call, !~.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../src/filter/index.js';

function errorOf(expr: string): FilterSyntaxError {
  try { compileFilter(expr); } catch (e) { if (e instanceof FilterSyntaxError) return e; throw e; }
  throw new Error(`${expr} compiled`);
}

describe('filter errors mask the password in Wireshark-style forms the parser refuses', () => {
  it.each([
    ['"SECRET-XYZ" == mqtt.passwd', '"**********" == mqtt.passwd'],
    ['SECRET-XYZ eq mqtt.passwd', '********** eq mqtt.passwd'],
    ['"SECRET-XYZ" == lower(mqtt.passwd)', '"**********" == lower(mqtt.passwd)'],
    ['mqtt.passwd[0:6] == "SECRET" )', 'mqtt.passwd[0:6] == "******" )'],
    ['lower(mqtt.passwd) == "secret-xyz"', 'lower(mqtt.passwd) == "**********"'],
    ['mqtt.passwd !~ "SECRET"', 'mqtt.passwd !~ "******"'],
    ['mqtt.passwd.value == "SECRET-XYZ"', 'mqtt.passwd.value == "**********"'],
    ['"SECRET-XYZ" == mqtt.property.authentication_data', '"**********" == mqtt.property.authentication_data'],
  ])('%s', (expr, masked) => {
    expect(maskFilterSecrets(expr)).toBe(masked);
    const err = errorOf(expr);
    expect(err.message).not.toMatch(/SECRET|secret-xyz/);
    expect(err.reason).not.toMatch(/SECRET|secret-xyz/);
  });

  it('masks the literal of === and !== (Wireshark 4 operators, now supported) in the echo', () => {
    for (const op of ['===', '!==', 'all_eq', 'any_ne']) {
      compileFilter(`mqtt.passwd ${op} "SECRET-XYZ"`);
      expect(maskFilterSecrets(`mqtt.passwd ${op} "SECRET-XYZ"`)).toBe(`mqtt.passwd ${op} "**********"`);
    }
  });

  it('keeps what is not compared with a secret', () => {
    for (const e of ['"admin" == mqtt.username', 'mqtt.passwd_len == 10', '"x" == mqtt.passwd_len', 'topic == "\\"a\\" == mqtt.passwd"']) {
      expect(maskFilterSecrets(e)).toBe(e);
    }
  });
});
