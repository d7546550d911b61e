import { describe, it, expect } from 'vitest';
import { parseMosquittoConf, ConfigFileError } from '../../src/broker/index.js';
import { MOSQUITTO_DIRECTIVES } from '../../src/broker/mosquitto-directives.js';
import { mosquittoVerdict } from './mosquitto-verdict.js';

describe('mosquitto.conf subset', () => {
  it('reads listener, allow_anonymous, password_file and acl_file; warns on the rest', () => {
    const cfg = parseMosquittoConf('# conf\nlistener 1884 127.0.0.1\nallow_anonymous false\npassword_file /etc/mosquitto/passwd\nacl_file /etc/mosquitto/acl\npersistence true\n', 'm.conf');
    expect(cfg.listeners).toEqual([{ port: 1884, host: '127.0.0.1', line: 2 }]);
    expect(cfg).toMatchObject({ allowAnonymous: false, passwordFile: '/etc/mosquitto/passwd', aclFile: '/etc/mosquitto/acl' });
    expect(cfg.warnings).toEqual(["m.conf:6: 'persistence' is not supported by the bundled broker and is ignored"]);
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
  }, 60_000);

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
