// Secrets audit of the code paths added on 2026-11-25: what user-controlled text they
// print, and whether a password (CONNECT Password, Authentication Data, a password_file
// line) can reach the terminal without --show-secrets.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../src/filter/index.js';

/** The message and the one-line reason of the error compiling `expr` throws. */
function errorText(expr: string): string {
  try {
    compileFilter(expr);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterSyntaxError);
    return `${(e as FilterSyntaxError).message}\n${(e as FilterSyntaxError).reason}`;
  }
  throw new Error(`${expr} compiled`);
}

describe('filter echoes: forms the slice and literal work made reachable', () => {
  it('masks the set a sliced password is tested against (a valid filter, echoed on the summary and status lines)', () => {
    expect(() => compileFilter('mqtt.passwd[0:3] in {"hun" "abc"}')).not.toThrow();
    expect(maskFilterSecrets('mqtt.passwd[0:3] in {"hun" "abc"}')).toBe('mqtt.passwd[0:3] in {"***" "***"}');
    expect(maskFilterSecrets('mqtt.property.authentication_data[1:] not in {"ROOF"}'))
      .toBe('mqtt.property.authentication_data[1:] not in {"****"}');
  });

  it('masks a raw string r"..." whole: the syntax error quoted the password between its quotes', () => {
    const text = errorText('mqtt.passwd == r"hunt zq9x"');
    expect(text).not.toContain('hunt');
    expect(text).not.toContain('zq9x');
    expect(maskFilterSecrets('mqtt.passwd == r"hunt zq9x"')).toBe('mqtt.passwd == r"*********"');
  });

  it('masks a single-quoted password with a space in it, and the reversed form', () => {
    expect(errorText("mqtt.passwd == 'hunt zq9x'")).not.toMatch(/hunt|zq9x/);
    expect(maskFilterSecrets("mqtt.passwd == 'hunt zq9x'")).toBe("mqtt.passwd == '*********'");
    expect(maskFilterSecrets("'hunt zq9x' == mqtt.passwd")).toBe("'*********' == mqtt.passwd");
  });

  it('masks every bare word of an unquoted password with a space (the error quoted the second word)', () => {
    const text = errorText('mqtt.passwd == hunt zq9x');
    expect(text).not.toMatch(/hunt|zq9x/);
    expect(maskFilterSecrets('mqtt.passwd == hunt zq9x and topic == a')).toBe('mqtt.passwd == **** **** and topic == a');
    expect(maskFilterSecrets('mqtt.passwd == hunt || topic == a')).toBe('mqtt.passwd == **** || topic == a');
  });

  it('masks the value of an in without braces (the error quoted it: found the string "...")', () => {
    expect(errorText('mqtt.passwd in "hunt"')).not.toContain('hunt');
    expect(errorText('mqtt.passwd in hunt')).not.toContain('hunt');
    expect(maskFilterSecrets('mqtt.passwd in "hunt"')).toBe('mqtt.passwd in "****"');
  });

  it('masks a password in parentheses, and keeps the operator whole in the error', () => {
    const text = errorText('mqtt.passwd == (hunt)');
    expect(text).not.toContain('hunt');
    // The reason names the operator as typed: it said after '**' when '=' was read as the literal.
    expect(text).toContain("after '=='");
    expect(maskFilterSecrets('mqtt.passwd == ("hunt")')).toBe('mqtt.passwd == ("****")');
  });
});
