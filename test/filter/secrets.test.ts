// Echoing a filter never prints a secret it compares: the literal compared with
// mqtt.passwd or the MQTT 5 Authentication Data is masked character for character
// (so a syntax error's caret still points at the same place); filtering itself
// uses the real value.
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../src/filter/index.js';
import { mqttscope } from '../read/run.js';
import { resolve } from 'node:path';
import { ROOT } from '../read/run.js';

describe('maskFilterSecrets', () => {
  it.each([
    ['mqtt.passwd == "hunter2"', 'mqtt.passwd == "*******"'],
    ['mqtt.passwd=="a\\"b" && publish', 'mqtt.passwd=="****" && publish'],
    ['connect && mqtt.passwd contains "cret"', 'connect && mqtt.passwd contains "****"'],
    ['mqtt.passwd == 70:61:73:73', 'mqtt.passwd == ***********'],
    ['(mqtt.property.authentication_data == 01:02:03)', '(mqtt.property.authentication_data == ********)'],
    ['mqtt.property.authentication_data.value != "tok"', 'mqtt.property.authentication_data.value != "***"'],
    ['mqtt.passwd == "unterminated', 'mqtt.passwd == "************'],
    ['mqtt.passwd in {"hunter2" "pw"}', 'mqtt.passwd in {"*******" "**"}'],
    ['mqtt.passwd not in {"a", "bc"} && publish', 'mqtt.passwd not in {"*", "**"} && publish'],
    ['mqtt.property.authentication_data in {01:02 "t"}', 'mqtt.property.authentication_data in {***** "*"}'],
  ])('%s', (expr, masked) => {
    expect(maskFilterSecrets(expr)).toBe(masked);
    expect(maskFilterSecrets(expr)).toHaveLength(expr.length);
  });

  it('leaves everything else as written', () => {
    for (const e of ['mqtt.username == "admin"', 'mqtt.passwd', 'mqtt.passwd_len > 4', 'topic == "mqtt.passwd == x"', 'mqtt.msg contains "pass"']) {
      expect(maskFilterSecrets(e)).toBe(e);
    }
  });

  it('an error whose reason quotes the bad token does not print it when it is compared with the password', () => {
    const reasonOf = (expr: string): string => {
      try { compileFilter(expr); } catch (e) { return (e as FilterSyntaxError).reason + '\n' + (e as Error).message; }
      throw new Error(`${expr} compiled`);
    };
    const r = reasonOf('mqtt.passwd == 12345x');
    expect(r).not.toContain('12345x');
    expect(r).toContain('******');
    // The token is masked only where the reason quotes it; a one-letter secret leaves the words alone.
    const one = reasonOf('mqtt.passwd == "a" && topic == 5x');
    expect(one).toContain('5x');
    expect(one).toMatch(/number/);
    // A token compared with any other field is shown as typed.
    expect(reasonOf('mqtt.qos == 12345x')).toContain('12345x');
  });

  it('a syntax error repeats the expression masked, the caret where it was', () => {
    let err: unknown;
    try { compileFilter('mqtt.passwd == "hunter2" &&'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FilterSyntaxError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('hunter2');
    expect(msg).toContain('  mqtt.passwd == "*******" &&\n' + ' '.repeat(2 + 27) + '^');
  });
});

describe('read echoes a filter masked unless --show-secrets', () => {
  const CAP = resolve(ROOT, 'captures/acl.pcap');
  it('--summary: the filter line; the filter still matches the real password', () => {
    const r = mqttscope(['read', CAP, '--filter', 'mqtt.passwd == "pass1"', '--summary']);
    expect(r.stdout).toContain('filter: mqtt.passwd == "*****" (every section counts');
    expect(r.stdout).not.toContain('pass1');
    expect(r.stdout).toMatch(/Summary: [1-9]\d* packets?,/); // user1's CONNECTs passed
    const s = mqttscope(['read', CAP, '--filter', 'mqtt.passwd == "pass1"', '--summary', '--show-secrets']);
    expect(s.stdout).toContain('filter: mqtt.passwd == "pass1"');
  });
});
