import { describe, it, expect } from 'vitest';
import { parseAclFile, AclFileError } from '../../src/acl/index.js';

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
