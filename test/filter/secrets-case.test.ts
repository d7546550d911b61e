// Keywords and field ids are read case-insensitively, and lt/le/gt/ge are
// operators: a password compared in any of those spellings is masked too when
// the expression is echoed (the summary's filter line, the TUI status line).
import { describe, expect, it } from 'vitest';
import { compileFilter, maskFilterSecrets } from '../../src/filter/index.js';

describe('maskFilterSecrets in every spelling the parser accepts', () => {
  it.each([
    ['mqtt.passwd CONTAINS "hunter2"', 'mqtt.passwd CONTAINS "*******"'],
    ['mqtt.passwd Eq "hunter2"', 'mqtt.passwd Eq "*******"'],
    ['mqtt.passwd NE "hunter2"', 'mqtt.passwd NE "*******"'],
    ['mqtt.passwd gt "hunter2"', 'mqtt.passwd gt "*******"'],
    ['mqtt.passwd ge hunter2', 'mqtt.passwd ge *******'],
    ['mqtt.passwd lt "hunter2" || mqtt.passwd le "x"', 'mqtt.passwd lt "*******" || mqtt.passwd le "*"'],
    ['MQTT.PASSWD == "hunter2"', 'MQTT.PASSWD == "*******"'],
    ['mqtt.passwd IN {"hunter2" "x"}', 'mqtt.passwd IN {"*******" "*"}'],
    ['mqtt.passwd NOT IN {"hunter2"}', 'mqtt.passwd NOT IN {"*******"}'],
    ['Mqtt.Property.Authentication_Data.Value == "tok"', 'Mqtt.Property.Authentication_Data.Value == "***"'],
  ])('%s', (expr, masked) => {
    // The parser takes each spelling, so each is a filter a user can type.
    expect(() => compileFilter(expr)).not.toThrow();
    expect(maskFilterSecrets(expr)).toBe(masked);
  });
  it('leaves a word that only starts like an operator alone', () => {
    expect(maskFilterSecrets('topic == "MQTT.PASSWD == x"')).toBe('topic == "MQTT.PASSWD == x"');
  });
});
