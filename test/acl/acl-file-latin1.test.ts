// An acl_file saved as Latin-1 (a Windows editor): mosquitto 2.0.11 compares bytes, and a
// client topic is UTF-8, so `topic readwrite caf<0xE9>/#` never grants café/x. The
// file loads (mosquitto starts with it too), and loadAclFile warns, naming the line and
// the byte. Judged on the wire by the MQTT 5 PUBACK (0x87 = denied). Fails (never skips)
// without mosquitto.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, loadAclFile } from '../../src/acl/index.js';
import { utf8Warnings } from '../../src/acl/acl-file.js';
import { startAclMosquitto, writeAllowed, type AclMosquitto } from '../helpers/mosquitto.js';

const LATIN1 = Buffer.concat([
  Buffer.from('# capteurs\n', 'latin1'),
  Buffer.from('topic readwrite caf\u00e9/#\n', 'latin1'), // 0xE9: Latin-1 e-acute, one byte
  Buffer.from('topic readwrite ok/#\n', 'latin1'),
]);

let path: string;
let broker: AclMosquitto;
beforeAll(async () => {
  broker = await startAclMosquitto(LATIN1);
  path = broker.aclPath;
}, 20000);
afterAll(async () => { await broker?.close(); });

describe('an acl_file that is not UTF-8', () => {
  it('mosquitto denies the UTF-8 topic the Latin-1 line looks like, and explain agrees', async () => {
    expect(await writeAllowed(broker, 'ok/1', { clientId: 'l1-4' })).toBe(true);
    expect(await writeAllowed(broker, 'caf\u00e9/x', { clientId: 'l1-6' })).toBe(false);
    const acl = await loadAclFile(path);
    expect(explain(acl, { username: null, clientId: 'c', access: 'write', topic: 'caf\u00e9/x' }).allowed).toBe(false);
  });

  it('loadAclFile warns, naming the line, the byte and the column', async () => {
    const acl = await loadAclFile(path);
    expect(acl.warnings).toEqual([
      `${path}:2: the line is not UTF-8 (byte 0xe9 at column 20; was the file saved as Latin-1 or Windows-1252?): mosquitto compares bytes and clients send UTF-8, so the topic 'caf\ufffd/#' never matches the text it looks like: save the file as UTF-8`,
    ]);
  });

  it('flags exactly the lines a strict UTF-8 decoder refuses', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const valid = (b: Uint8Array): boolean => { try { strict.decode(b); return true; } catch { return false; } };
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xed, 0xa0));
    fc.assert(fc.property(fc.array(byte, { maxLength: 8 }), (arr) => {
      const line = Uint8Array.from(arr.filter((b) => b !== 0x0a));
      expect(utf8Warnings(line, 'acl').length, Buffer.from(line).toString('hex')).toBe(valid(line) ? 0 : 1);
    }), { numRuns: 3000 });
  });

  it('a 65000-byte line with a bad byte at its end is found at once', () => {
    const line = Buffer.concat([Buffer.from(`topic read ${'x'.repeat(65000)}`), Buffer.from([0xe9, 0x0a])]);
    const t0 = Date.now();
    expect(utf8Warnings(line, 'acl')[0]).toContain('at column 65012;');
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('a UTF-8 file, with a multi-byte character, gives no warning', () => {
    expect(utf8Warnings(Buffer.from('topic readwrite caf\u00e9/#\nuser j\u00fcrgen\n', 'utf8'), 'acl')).toEqual([]);
    // A Latin-1 user line is named without a rule.
    expect(utf8Warnings(Buffer.from('user j\u00fcrgen\n', 'latin1'), 'acl')[0]).toContain('acl:1: the line is not UTF-8 (byte 0xfc at column 7;');
  });
});
