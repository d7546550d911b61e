// A NUL byte in an acl_file: mosquitto 2.0.11's line reader measures the line with strlen(),
// sees no '\n' and reads on to the end of the file, so the rest of the file is lost (and,
// when the file ends with '\n', the NUL line too). The parser must read the same rules,
// and refuse (with a clear reason) what mosquitto refuses, such as a UTF-16 file.
// Writes are judged on the wire by the MQTT 5 PUBACK (0x87 = denied), as anonymous clients.
// Fails (never skips) when mosquitto is missing.
import { describe, expect, it } from 'vitest';
import { AclFileError, explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, writeAllowed } from '../helpers/mosquitto.js';
import { mosquittoVerdict } from '../broker/mosquitto-verdict.js';

const CONF = 'listener PORT 127.0.0.1\nallow_anonymous true\nacl_file DIR/acl\n';

// [name, acl_file text, topics anonymous clients may write, topics they may not]
const STARTS: Array<[string, string, string[], string[]]> = [
  ['a NUL mid-line, file ends with a newline: that line and the rest are lost',
    'topic readwrite a\u0000b\ntopic readwrite c\nuser x\ntopic d\n', [], ['a', 'c']],
  ['a NUL mid-line, no newline at the end: the text before the NUL is read, the rest is lost',
    'topic readwrite a\u0000b\ntopic readwrite c', ['a'], ['c']],
  ['a line holding only a NUL after a rule',
    'topic readwrite c\n\u0000\ntopic readwrite e\n', ['c'], ['e']],
  ['a NUL hides a line mosquitto would refuse',
    'topic readwrite c\ntopic readwrite a\u0000b\nbogus line\n', ['c'], ['a']],
];

describe('acl_file with a NUL byte (as mosquitto 2.0.11 reads it)', () => {
  it.each(STARTS)('%s', async (_name, text, allowed, denied) => {
    const acl = parseAclFile(text, 'acl');
    const broker = await startAclMosquitto(text);
    try {
      for (const [topic, want] of [...allowed.map((t) => [t, true] as const), ...denied.map((t) => [t, false] as const)]) {
        expect(await writeAllowed(broker, topic), `mosquitto, write ${topic}`).toBe(want);
        expect(explain(acl, { username: null, clientId: 'c', access: 'write', topic }).allowed, `explain, write ${topic}`).toBe(want);
      }
    } finally {
      await broker.close();
    }
  }, 20_000);

  it('warns, naming the line and how much mosquitto ignores', () => {
    expect(parseAclFile(STARTS[0]![1], 'acl').warnings).toEqual([
      'acl:1: the line holds a NUL byte (U+0000): mosquitto stops reading the file there, so this line and the 3 lines after it are ignored.',
      'acl: the file has no rules (no topic or pattern line before the NUL byte), so mosquitto denies every client every read and write: an empty acl_file is not the same as none',
    ]);
    expect(parseAclFile(STARTS[1]![1], 'acl').warnings).toEqual([
      'acl:1: the line holds a NUL byte (U+0000): mosquitto stops reading the file there, so only the text before the NUL is read and the 1 line after it are ignored.',
    ]);
  });

  it('a UTF-16 file is refused, as mosquitto refuses it, and the error says it is UTF-16', async () => {
    // UTF-16LE without a byte order mark: every ASCII byte followed by a NUL.
    const utf16 = Array.from('topic readwrite foo\n', (ch) => `${ch}\u0000`).join('');
    const v = await mosquittoVerdict(CONF, { acl: utf16 });
    expect(v.started).toBe(false);
    let err: unknown;
    try { parseAclFile(utf16, 'acl'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AclFileError);
    expect((err as Error).message).toBe("acl:1: unknown keyword 't' (expected topic, pattern or user). The file looks like UTF-16 (as Windows PowerShell writes with > or Out-File): save it as UTF-8.");
  });
});
