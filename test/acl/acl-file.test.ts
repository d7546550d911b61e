import { describe, it, expect } from 'vitest';
import { parseAclFile, AclFileError } from '../../src/acl/index.js';
import { mosquittoVerdict } from '../broker/mosquitto-verdict.js';

describe('acl_file parser', () => {
  it('parses the tutorial file with line numbers and sections', () => {
    const acl = parseAclFile('# tutorial\npattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n', 'tut.acl');
    expect(acl.patterns).toHaveLength(1);
    expect(acl.patterns[0]).toMatchObject({ kind: 'pattern', access: 'readwrite', topic: '+/+/+/%u', line: 2, user: null });
    expect(acl.users.get('admin')).toEqual([
      expect.objectContaining({ kind: 'topic', access: 'readwrite', topic: '#', line: 5, user: 'admin', file: 'tut.acl' }),
    ]);
    expect(acl.anonymous).toHaveLength(0);
    expect(acl.rules.map((r) => r.line)).toEqual([2, 5]);
  });

  it('defaults to readwrite, keeps anonymous rules, patterns are global', () => {
    const acl = parseAclFile('topic public/#\ntopic read  sensors/+/temp\nuser bob\npattern deny %c/secret\ntopic deny a b\n', 'x');
    expect(acl.anonymous.map((r) => [r.access, r.topic])).toEqual([['readwrite', 'public/#'], ['read', 'sensors/+/temp']]);
    expect(acl.patterns[0]).toMatchObject({ access: 'deny', topic: '%c/secret', user: null, line: 4 });
    expect(acl.users.get('bob')![0]).toMatchObject({ access: 'deny', topic: 'a b', line: 5 });
  });

  it('warns like mosquitto about a pattern without %u or %c', () => {
    expect(parseAclFile('pattern deny deny/x\n', 'a').warnings[0]).toContain("a:1: ACL pattern 'deny/x' does not contain '%c' or '%u'");
  });

  it.each([
    ['topic', "acl:3: 'topic' needs a topic"],
    ['topic readonly foo', "acl:3: invalid access 'readonly'"],
    ['topic read foo/#/bar', "acl:3: invalid ACL topic 'foo/#/bar'"],
    ['pattern write a+/b', "acl:3: invalid ACL topic 'a+/b'"],
    ['user', "acl:3: 'user' needs a username"],
    ['toppic read foo', "acl:3: unknown keyword 'toppic'"],
  ])('rejects %j naming file and line', (line, message) => {
    let err: unknown;
    try { parseAclFile(`# ok\ntopic a\n${line}\n`, 'acl'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AclFileError);
    expect(err).toMatchObject({ code: 'acl-file-error', file: 'acl', line: 3 });
    expect((err as Error).message).toContain(message);
  });
});

// Lines as mosquitto 2.0.11 reads them: only a space separates fields, '#' is a
// comment only in the first column, trailing whitespace is dropped. Each case is
// also given to the real mosquitto, which must start exactly when we parse it.
const WHITESPACE_CASES: Array<[string, string, string | Array<[string, string, string | null]>]> = [
  ['tab between access and topic', 'topic read\tfoo\n', [['readwrite', 'read\tfoo', null]]],
  ['tab after the keyword', 'topic\tread foo\n', "a tab character in 'topic\\tread'"],
  ['tab before the keyword', '\ttopic read foo\n', "a tab character in '\\ttopic'"],
  ['leading spaces', '  topic read foo\n', [['read', 'foo', null]]],
  ['indented comment', 'topic a\n  # note\n', "a comment must have '#' in the first column"],
  ['tab-indented comment', 'topic a\n\t# note\n', "a comment must have '#' in the first column"],
  ['UTF-8 BOM before a rule', '\ufefftopic read foo\n', 'UTF-8 byte order mark'],
  ['UTF-8 BOM before a comment', '\ufeff# acl\ntopic read foo\n', 'UTF-8 byte order mark'],
  ['trailing tab', 'topic read foo\t\n', [['read', 'foo', null]]],
  ['space then tab before the topic', 'topic read \tfoo\n', [['read', 'foo', null]]],
  ['tab glued to the access word', 'topic read\t foo\n', "invalid access 'read\\t': a tab character follows it"],
  ['a line holding only a tab', '\t\ntopic a\n', [['readwrite', 'a', null]]],
  ['tab inside the user line', 'user\tbob\ntopic a\n', "a tab character in 'user\\tbob'"],
  ['user name with surrounding tabs', 'user \tbob\t\ntopic a\n', [['readwrite', 'a', 'bob']]],
  ['no-break space between access and topic', 'topic read\u00a0foo\n', [['readwrite', 'read\u00a0foo', null]]],
  ['no-break space after the keyword', 'topic\u00a0read foo\n', 'a no-break space (U+00A0)'],
  ['CRLF line ends', 'topic read foo\r\nuser u\r\ntopic write bar\r\n', [['read', 'foo', null], ['write', 'bar', 'u']]],
  ['one word after topic is the topic', 'topic read\t\n', [['readwrite', 'read', null]]],
  ['several spaces', 'topic  read   foo bar\n', [['read', 'foo bar', null]]],
  ['comment after a rule', 'topic read a/b # readers\n', "invalid ACL topic 'a/b # readers': '#' must be a whole level and the last one (mosquitto has no comments after a rule"],
  ['comment after a user name', 'user bob # admins\ntopic a\n', [['readwrite', 'a', 'bob # admins']]],
];

describe('acl_file whitespace and comments (as mosquitto 2.0.11 reads them)', () => {
  it.each(WHITESPACE_CASES)('%s', (_name, text, expected) => {
    if (typeof expected === 'string') {
      let err: unknown;
      try { parseAclFile(text, 'acl'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(AclFileError);
      expect((err as Error).message).toMatch(/^acl:\d+: /);
      expect((err as Error).message).toContain(expected);
    } else {
      const acl = parseAclFile(text, 'acl');
      expect(acl.rules.map((r) => [r.access, r.topic, r.user])).toEqual(expected);
    }
  });

  it('warns when a topic holds a tab or a no-break space', () => {
    expect(parseAclFile('topic read\tfoo\n', 'acl').warnings).toEqual([
      "acl:1: the topic 'read\\tfoo' contains a tab character; mosquitto separates fields with spaces only, so this line gives readwrite on that exact topic, which no client can send: mosquitto closes the connection of a client that puts the control character U+0009 in a topic",
    ]);
    // Any other control character: the line can never apply, and the warning does not print it raw.
    expect(parseAclFile('topic read a\u0001b\n', 'acl').warnings).toEqual([
      "acl:1: the topic 'a\\u{1}b' contains the control character U+0001, so the line never applies: no client can send such a topic (mosquitto closes the connection of a client that does)",
    ]);
    expect(parseAclFile('topic read\u00a0foo\n', 'acl').warnings[0]).toContain('no-break space (U+00A0)');
    expect(parseAclFile('topic read foo\n', 'acl').warnings).toEqual([]);
  });

  it('warns when a user name holds what looks like a comment', () => {
    expect(parseAclFile('user bob # admins\ntopic a\n', 'acl').warnings).toEqual([
      "acl:1: the username 'bob # admins' contains ' #': mosquitto has no comments after a rule, '#' starts one only in the first column, so this section is for that exact username",
    ]);
  });

  it('names the line of the error', () => {
    expect(() => parseAclFile('# ok\ntopic a\n\n  # indented\n', 'x.acl')).toThrow(/^x\.acl:4: a comment must have/);
  });

  it('the real mosquitto starts exactly with the files the parser accepts', async () => {
    const disagreements: string[] = [];
    for (const [name, text, expected] of WHITESPACE_CASES) {
      const v = await mosquittoVerdict('listener PORT 127.0.0.1\nallow_anonymous true\nacl_file DIR/acl\n', { acl: text });
      if (v.started !== (typeof expected !== 'string')) disagreements.push(`${name}: mosquitto ${v.started ? 'started' : `refused (${v.errors})`}`);
    }
    expect(disagreements).toEqual([]);
  }, 180_000);
});
