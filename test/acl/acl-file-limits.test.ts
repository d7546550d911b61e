// acl_file topics at mosquitto_sub_topic_check()'s limits, and lines longer than a
// fixed fgets() buffer: the parser must refuse exactly the files the real mosquitto
// 2.0.11 refuses to start with. Fails (never skips) when mosquitto is missing.
import { describe, expect, it } from 'vitest';
import { AclFileError, parseAclFile } from '../../src/acl/index.js';
import { mosquittoVerdict } from '../broker/mosquitto-verdict.js';

const CONF = 'listener PORT 127.0.0.1\nallow_anonymous true\nacl_file DIR/acl\n';

// [name, acl_file text, null = accepted, or a part of the error message]
const CASES: Array<[string, string, string | null]> = [
  ['200 slashes in a topic', `topic read ${'a/'.repeat(200)}b\n`, null],
  ['201 slashes in a topic', `topic read ${'a/'.repeat(201)}b\n`, "it has 202 levels (201 '/'), and mosquitto takes at most 201 (200 '/')"],
  ['201 slashes in a pattern, counted before %u is substituted', `pattern read %u/${'a/'.repeat(200)}b\n`, "it has 202 levels (201 '/')"],
  ['a topic of 65535 bytes', `topic read ${'x'.repeat(65535)}\n`, null],
  ['a topic of 65536 bytes', `topic read ${'x'.repeat(65536)}\n`, 'it is 65536 bytes long, and mosquitto takes at most 65535'],
  ['a topic of 32768 two-byte characters (65536 bytes)', `topic read ${'\u00e9'.repeat(32768)}\n`, 'it is 65536 bytes long'],
  ['a line of 5000 characters and a username of 3000', `topic read ${'x'.repeat(5000)}\nuser ${'u'.repeat(3000)}\ntopic a\n`, null],
];

describe('acl_file topic size limits (mosquitto_sub_topic_check)', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    if (expected === null) {
      expect(() => parseAclFile(text, 'acl')).not.toThrow();
      return;
    }
    let err: unknown;
    try { parseAclFile(text, 'acl'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AclFileError);
    expect(err).toMatchObject({ file: 'acl', line: 1 });
    expect((err as Error).message).toContain(expected);
    // The message quotes the start of the topic, not 65536 characters of it.
    expect((err as Error).message.length).toBeLessThan(200);
  });

  it('a long user line keeps the whole username (no fixed line buffer)', () => {
    const acl = parseAclFile(`user ${'u'.repeat(3000)}\ntopic a\n`, 'acl');
    expect([...acl.users.keys()]).toEqual(['u'.repeat(3000)]);
  });

  it('the real mosquitto starts exactly with the files the parser accepts', async () => {
    const disagreements: string[] = [];
    for (const [name, text] of CASES) {
      let parsed = true;
      try { parseAclFile(text, 'acl'); } catch { parsed = false; }
      const v = await mosquittoVerdict(CONF, { acl: text });
      if (v.started !== parsed) {
        disagreements.push(`${name}: parser ${parsed ? 'accepts' : 'refuses'}, mosquitto ${v.started ? 'started' : `refused (${v.errors.slice(0, 80)})`}`);
      }
    }
    expect(disagreements).toEqual([]);
  }, 120_000);
});
