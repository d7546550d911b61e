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
  ])('%s', (expr, masked) => {
    expect(maskFilterSecrets(expr)).toBe(masked);
    expect(maskFilterSecrets(expr)).toHaveLength(expr.length);
  });

  it('leaves everything else as written', () => {
    for (const e of ['mqtt.username == "admin"', 'mqtt.passwd', 'mqtt.passwd_len > 4', 'topic == "mqtt.passwd == x"', 'mqtt.msg contains "pass"']) {
      expect(maskFilterSecrets(e)).toBe(e);
    }
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
    expect(r.stdout).toMatch(/Summary: [1-9]\d* packets/); // user1's CONNECTs passed
    const s = mqttscope(['read', CAP, '--filter', 'mqtt.passwd == "pass1"', '--summary', '--show-secrets']);
    expect(s.stdout).toContain('filter: mqtt.passwd == "pass1"');
  });
});
