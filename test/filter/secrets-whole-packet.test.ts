// `mqtt contains "…"` searches the packet's bytes, and a CONNECT's bytes hold its
// password: it is how one looks for a credential in traffic (Wireshark's habit), so
// the literal is as secret as one compared with mqtt.passwd. So are the undecoded
// bytes the views mask in packets that carry credentials. Every echo (the --summary
// filter line, the TUI status line and prompt, a syntax error) masks them unless
// --show-secrets; filtering uses the real value.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../src/filter/index.js';
import { mqttscope, ROOT } from '../read/run.js';

describe('a literal compared with the whole packet or undecoded bytes is masked', () => {
  it.each([
    ['mqtt contains "hunter2"', 'mqtt contains "*******"'],
    ['connect && MQTT CONTAINS "hunter2"', 'connect && MQTT CONTAINS "*******"'],
    ['mqtt contains 68:75:6e', 'mqtt contains ********'],
    ['mqtt matches "a/#"', 'mqtt matches "***"'],
    ['"hunter2" == mqtt', '"*******" == mqtt'],
    ['mqtt.undecoded contains "pw"', 'mqtt.undecoded contains "**"'],
    ['mqtt.trailing == 70:77', 'mqtt.trailing == *****'],
    ['mqtt.property.unknown contains "pw"', 'mqtt.property.unknown contains "**"'],
    ['mqtt.property.undecoded contains "pw"', 'mqtt.property.undecoded contains "**"'],
  ])('%s', (expr, masked) => {
    expect(maskFilterSecrets(expr)).toBe(masked);
    expect(maskFilterSecrets(expr)).toHaveLength(expr.length);
  });

  it('keeps the fields whose names start like a secret one, and mqtt as a bare test', () => {
    for (const e of [
      'mqtt.topic contains "hunter2"', 'mqtt && topic == "a"', 'mqtt.msg contains "x"', 'mqtt.passwd_len == 7',
      'mqtt.property.authentication_data.len == 3', 'mqtt.protoname == "MQTT"', 'topic == "mqtt contains x"',
    ]) {
      expect(maskFilterSecrets(e)).toBe(e);
    }
  });

  it('a syntax error repeats mqtt contains masked', () => {
    let err: unknown;
    try { compileFilter('mqtt contains "hunter2" &&'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FilterSyntaxError);
    expect((err as Error).message).not.toContain('hunter2');
    expect((err as Error).message).toContain('mqtt contains "*******" &&');
  });
});

describe('read --summary echoes mqtt contains masked unless --show-secrets', () => {
  const CAP = resolve(ROOT, 'captures/acl.pcap');
  it('masks the literal; the filter still finds the CONNECT that holds the password', () => {
    const r = mqttscope(['read', CAP, '--filter', 'mqtt contains "pass1"', '--summary']);
    expect(r.stdout).toContain('filter: mqtt contains "*****" (every section counts');
    expect(r.stdout).not.toContain('pass1');
    expect(r.stdout).toMatch(/Summary: [1-9]\d* packets?,/);
    const s = mqttscope(['read', CAP, '--filter', 'mqtt contains "pass1"', '--summary', '--show-secrets']);
    expect(s.stdout).toContain('filter: mqtt contains "pass1"');
  });
});
