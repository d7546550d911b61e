import { describe, it, expect } from 'vitest';
import { parseMosquittoConf, ConfigFileError } from '../../src/broker/index.js';
import { MOSQUITTO_DIRECTIVES } from '../../src/broker/mosquitto-directives.js';
import { mosquittoVerdict, startConfMosquitto } from './mosquitto-verdict.js';
import { startBroker } from '../../src/broker/broker.js';
import { RawClient } from './raw-client.js';

describe('mosquitto.conf subset', () => {
  it('reads listener, allow_anonymous, password_file and acl_file; warns on the rest', () => {
    const cfg = parseMosquittoConf('# conf\nlistener 1884 127.0.0.1\nallow_anonymous false\npassword_file /etc/mosquitto/passwd\nacl_file /etc/mosquitto/acl\npersistence true\n', 'm.conf');
    expect(cfg.listeners).toEqual([{ port: 1884, host: '127.0.0.1', line: 2 }]);
    expect(cfg).toMatchObject({ allowAnonymous: false, passwordFile: '/etc/mosquitto/passwd', aclFile: '/etc/mosquitto/acl' });
    expect(cfg.warnings).toEqual(["m.conf:6: 'persistence' is ignored: mqttscope applies only listener, port, allow_anonymous, password_file, acl_file, per_listener_settings, max_queued_messages and max_inflight_messages, also with --broker mosquitto; for the rest, run mosquitto -c m.conf yourself with mqttscope proxy in front of it"]);
  });

  it.each([
    ['listener abc', "m.conf:2: listener port abc is 0"],
    ['listener', "m.conf:2: 'listener' needs a port"],
    ['allow_anonymous yes', "m.conf:2: allow_anonymous must be true or false, got 'yes'"],
    ['acl_file', "m.conf:2: 'acl_file' needs a value"],
  ])('rejects %j with file:line', (line, message) => {
    expect(() => parseMosquittoConf(`# x\n${line}\n`, 'm.conf')).toThrow(ConfigFileError);
    expect(() => parseMosquittoConf(`# x\n${line}\n`, 'm.conf')).toThrow(message);
  });
});

// Each line after `listener PORT 127.0.0.1`: [name, line, error substring | what it sets].
const CASES: Array<[string, string, string | { allowAnonymous?: boolean; aclFile?: string; listeners?: number }]> = [
  ['allow_anonymous 1', 'allow_anonymous 1', { allowAnonymous: true }],
  ['allow_anonymous 0', 'allow_anonymous 0', { allowAnonymous: false }],
  ['words after the value are ignored', 'allow_anonymous true extra', { allowAnonymous: true }],
  ['leading spaces', '   allow_anonymous false', { allowAnonymous: false }],
  ['tab after the name', 'allow_anonymous\ttrue', "a tab character in 'allow_anonymous\\ttrue'"],
  ['tab after the value', 'allow_anonymous true\t', "allow_anonymous must be true or false, got 'true\\t'"],
  ['upper-case value', 'allow_anonymous TRUE', "got 'TRUE'"],
  ['indented comment', '  # comment', "a comment must have '#' in the first column"],
  ['tab-indented comment', '\t# comment', "a comment must have '#' in the first column"],
  ['a line holding only a tab', '\t', "a tab character in '\\t'"],
  ['a line of spaces', '    ', {}],
  ['path with surrounding tabs', 'acl_file \tDIR/acl\t', { aclFile: 'DIR/acl' }],
  ['duplicate acl_file', 'acl_file DIR/acl\nacl_file DIR/acl', 'duplicate acl_file'],
  ['empty acl_file', 'acl_file \t', "'acl_file' needs a value"],
  ['unknown variable', 'allow_anonymus true', "unknown configuration variable 'allow_anonymus'"],
  ['wrong case', 'Allow_anonymous true', "unknown configuration variable 'Allow_anonymous'"],
  ['known but not implemented', 'log_type all', {}],
  ['second listener', 'listener PORT2 127.0.0.1', { listeners: 2 }],
  ['CRLF', 'allow_anonymous true\r', { allowAnonymous: true }],
];

describe('mosquitto.conf whitespace, comments and names (as mosquitto 2.0.11 reads them)', () => {
  const text = (line: string): string => `listener PORT 127.0.0.1\n${line}\n`;

  it.each(CASES)('%s', (_name, line, expected) => {
    const conf = text(line).replaceAll('PORT2', '1999').replaceAll('PORT', '1998');
    if (typeof expected === 'string') {
      expect(() => parseMosquittoConf(conf, 'm.conf')).toThrow(ConfigFileError);
      expect(() => parseMosquittoConf(conf, 'm.conf')).toThrow(/^m\.conf:\d+: /);
      expect(() => parseMosquittoConf(conf, 'm.conf')).toThrow(expected);
    } else {
      const cfg = parseMosquittoConf(conf, 'm.conf');
      if ('allowAnonymous' in expected) expect(cfg.allowAnonymous).toBe(expected.allowAnonymous);
      if (expected.aclFile) expect(cfg.aclFile).toBe(expected.aclFile);
      expect(cfg.listeners).toHaveLength(expected.listeners ?? 1);
    }
  });

  it('reads the port as C atoi does: a tab after it ends the number and there is no host', () => {
    expect(parseMosquittoConf('listener 1884\t127.0.0.1\n', 'm').listeners).toEqual([{ port: 1884, host: undefined, line: 1 }]);
    expect(parseMosquittoConf('port 1884abc\n', 'm').listeners[0]!.port).toBe(1884);
    expect(() => parseMosquittoConf('port 0\n', 'm')).toThrow("m:1: invalid port '0'");
  });

  it('a BOM on the first line is named', () => {
    expect(() => parseMosquittoConf('\ufeff# conf\nlistener 1884\n', 'm')).toThrow('m:1: the file starts with a UTF-8 byte order mark');
  });

  it('the real mosquitto starts exactly with the files the parser accepts', async () => {
    const disagreements: string[] = [];
    for (const [name, line, expected] of CASES) {
      const conf = text(line.replaceAll('PORT2', String(1024 + Math.floor(Math.random() * 30000))));
      const v = await mosquittoVerdict(conf, { acl: 'topic a\n' });
      if (v.started !== (typeof expected !== 'string')) disagreements.push(`${name}: mosquitto ${v.started ? 'started' : `refused (${v.errors})`}`);
    }
    expect(disagreements).toEqual([]);
  }, 180_000);

  it('every variable the parser knows is known to the real mosquitto, and a typo is not', async () => {
    const unknown: string[] = [];
    for (const name of [...MOSQUITTO_DIRECTIVES, 'auth_opt_x']) {
      // With no value every known variable fails with its own message, never "Unknown configuration variable".
      const v = await mosquittoVerdict(`listener PORT 127.0.0.1\n${name}\n`);
      if (v.errors.includes('Unknown configuration variable')) unknown.push(name);
    }
    expect(unknown).toEqual([]);
    expect((await mosquittoVerdict('acl_fil DIR/x\n')).errors).toContain('Unknown configuration variable "acl_fil"');
  }, 120_000);
});

// per_listener_settings true: allow_anonymous, password_file and acl_file belong to the
// listener they follow; the ones before the first `listener` line go to mosquitto's
// default listener (`port`, or local only mode), not to the listener declared after them.
const PER_LISTENER: Array<[string, string, { allowAnonymous: boolean | undefined; warns: boolean }]> = [
  ['anonymous allowed before the listener: not for it', 'per_listener_settings true\nallow_anonymous true\nlistener PORT 127.0.0.1\n', { allowAnonymous: undefined, warns: true }],
  ['anonymous allowed after the listener', 'per_listener_settings true\nlistener PORT 127.0.0.1\nallow_anonymous true\n', { allowAnonymous: true, warns: false }],
  ['per_listener_settings after the listener line, before the setting', 'listener PORT 127.0.0.1\nper_listener_settings true\nallow_anonymous true\n', { allowAnonymous: true, warns: false }],
  ['without per_listener_settings, a setting before the listener is global', 'allow_anonymous true\nlistener PORT 127.0.0.1\n', { allowAnonymous: true, warns: false }],
  ['per_listener_settings false', 'per_listener_settings false\nallow_anonymous true\nlistener PORT 127.0.0.1\n', { allowAnonymous: true, warns: false }],
];

describe('per_listener_settings (as mosquitto 2.0.11 reads it)', () => {
  it.each(PER_LISTENER)('%s', (_name, conf, expected) => {
    const cfg = parseMosquittoConf(conf.replaceAll('PORT', '1998'), 'm.conf');
    expect(cfg.allowAnonymous).toBe(expected.allowAnonymous);
    expect(cfg.warnings.some((w) => w.includes('per_listener_settings is true'))).toBe(expected.warns);
  });

  it('names the lines whose settings do not reach the listener used', () => {
    const cfg = parseMosquittoConf('per_listener_settings true\nallow_anonymous true\nacl_file /a\nlistener 1998\nacl_file /a\n', 'm.conf');
    expect(cfg).toMatchObject({ perListenerSettings: true, allowAnonymous: undefined, aclFile: '/a' });
    expect(cfg.warnings).toEqual(['m.conf:2: per_listener_settings is true, so the allow_anonymous, acl_file before the first listener line (lines 2, 3) do not apply to the listener used (line 4)']);
  });

  it('after a security setting it is an error naming the line, as mosquitto refuses to start', async () => {
    for (const first of ['allow_anonymous true', 'acl_file /a', 'password_file /p', 'auto_id_prefix x']) {
      const conf = `${first}\nper_listener_settings true\nlistener PORT 127.0.0.1\n`;
      expect(() => parseMosquittoConf(conf, 'm.conf')).toThrow('m.conf:2: per_listener_settings must be set before any other security settings');
      expect((await mosquittoVerdict(conf)).errors).toContain('per_listener_settings must be set before any other security settings');
    }
    expect(() => parseMosquittoConf('per_listener_settings yes\n', 'm.conf')).toThrow("m.conf:1: per_listener_settings must be true or false, got 'yes'");
  }, 30_000);

  it('an anonymous client gets the same CONNACK from the bundled broker as from the real mosquitto', async () => {
    for (const [name, conf] of PER_LISTENER) {
      const m = await startConfMosquitto(conf);
      expect(m, `${name}: mosquitto started`).not.toBeNull();
      let fromMosquitto: number | 'closed';
      try {
        const c = await RawClient.open(m!.port, { clientId: 'anon' });
        fromMosquitto = await c.connack();
        c.destroy();
      } finally {
        await m!.close();
      }
      const cfg = parseMosquittoConf(conf.replaceAll('PORT', '1998'), 'm.conf');
      const b = await startBroker({ port: 0, allowAnonymous: cfg.allowAnonymous ?? cfg.listeners.length === 0 });
      try {
        const c = await RawClient.open(b.port, { clientId: 'anon' });
        expect(await c.connack(), name).toBe(fromMosquitto);
        c.destroy();
      } finally {
        await b.close();
      }
    }
  }, 30_000);
});
