import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as aclCommand from '../../src/cli/commands/acl.js';
import { CliError } from '../../src/cli/errors.js';
import { tempDir } from '../helpers/tmp.js';

// Mirrors src/cli/main.ts (whose variable dynamic import vitest cannot load).
async function main(args: string[]): Promise<number> {
  const rest = args.slice(1);
  if (rest.includes('--help')) { process.stdout.write(aclCommand.usage + '\n'); return 0; }
  try {
    return await aclCommand.run(rest);
  } catch (e) {
    if (e instanceof CliError) { process.stderr.write(`mqttscope acl: ${e.message}\n`); return e.exitCode; }
    throw e;
  }
}

let dir: string;
let out: string;
let err: string;

beforeAll(() => {
  dir = tempDir('mqttscope-aclcli-');
  writeFileSync(join(dir, 'acl.txt'), 'pattern readwrite +/+/+/%u\nuser admin\ntopic readwrite #\n');
  writeFileSync(join(dir, 'bad.txt'), 'user admin\ntopic readwrit #\n');
  writeFileSync(join(dir, 'dev.txt'), 'topic readwrite anon/#\npattern readwrite dev/%c/#\n');
  writeFileSync(join(dir, 'tab.txt'), 'topic read\tfoo\n');
});

async function cli(...args: string[]): Promise<number> {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  return main(args);
}

afterEach(() => { vi.restoreAllMocks(); });

describe('mqttscope acl explain', () => {
  it('explains the denied tutorial publish and exits 0', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'acl.txt'), '--user', 'user1', '--write', 'panama/colon/user1')).toBe(0);
    expect(out).toContain('Can user1 write panama/colon/user1?');
    expect(out).toContain('pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3');
    expect(out).toContain("topic readwrite # in section 'user admin' does not apply to user1");
    expect(out).toContain('Verdict: DENIED.');
  });

  it('explains an allowed one, with --json', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'acl.txt'), '--user', 'admin', '--read', 'a/b', '--json')).toBe(0);
    const j = JSON.parse(out);
    expect(j).toMatchObject({ allowed: true, deciding_rule: { line: 3, text: 'topic readwrite #' } });
  });

  it('reports acl file errors as FILE:LINE with exit 1', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'bad.txt'), '--user', 'u', '--read', 'x')).toBe(1);
    expect(err, err).toContain(`${join(dir, "bad.txt")}:2: invalid access 'readwrit'`);
  });

  it("--user '' is an anonymous client, as in mosquitto", async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'dev.txt'), '--user', '', '--client-id', 'c', '--write', 'anon/1')).toBe(0);
    expect(out).toContain('Can an anonymous client (empty username) (client id c) write anon/1?');
    expect(out).toContain('Verdict: ALLOWED. Allowed by line 1.');
    expect(await cli('acl', 'explain', '--acl', join(dir, 'dev.txt'), '--user', '', '--client-id', 'c', '--write', 'anon/1', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ allowed: true, username: null });
  });

  it('without --client-id a %c pattern makes the verdict depend on the client id (text and JSON)', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'dev.txt'), '--user', 'bob', '--write', 'dev/x/1')).toBe(0);
    expect(out).toContain('Verdict: DEPENDS ON THE CLIENT ID.');
    expect(out).toContain("with client id 'x' it is ALLOWED by line 2 (pattern readwrite dev/%c/#)");
    expect(await cli('acl', 'explain', '--acl', join(dir, 'dev.txt'), '--user', 'bob', '--write', 'dev/x/1', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      allowed: false, depends_on_client_id: true, client_id_skipped_lines: [2],
      client_id_examples: [{ client_id: 'x', allowed: true, deciding_line: 2 }, { client_id: 'x/1', allowed: true, deciding_line: 2 }],
    });
  });

  it('an invalid SUBSCRIBE filter is explained as a closed connection', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'acl.txt'), '--user', 'u', '--subscribe', 'a/#/b')).toBe(0);
    expect(out).toContain("a/#/b is not a valid topic filter: '#' must be a whole level and the last one");
    expect(out).toContain('Verdict: DENIED. A SUBSCRIBE with an invalid filter is a protocol violation');
  });

  it('warns about a tab inside a topic (mosquitto reads it as part of the topic)', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'tab.txt'), '--read', 'foo')).toBe(0);
    expect(err).toContain("tab.txt:1: the topic 'read\\tfoo' contains a tab character");
    expect(out).toContain('Verdict: DENIED.');
  });

  it('a control character in the topic or username is shown as an escape and explained as a closed connection', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'acl.txt'), '--user', 'x\u001b[2J', '--read', 'a\u0007')).toBe(0);
    expect(out).toContain('Can x\\x1b[2J read a\\x07?');
    expect(out).toContain('a client with this username never logs in');
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('usage errors exit 2', async () => {
    expect(await cli('acl', 'explain', '--acl', join(dir, 'acl.txt'), '--read', 'a', '--write', 'b')).toBe(2);
    expect(await cli('acl', 'explain', '--user', 'u', '--read', 'a')).toBe(2);
    expect(await cli('acl', 'explain', '--acl', join(dir, 'acl.txt'), '--write', 'a/#')).toBe(2);
    expect(await cli('acl', 'frobnicate')).toBe(2);
  });

  it('--help has the tutorial example', async () => {
    expect(await cli('acl', '--help')).toBe(0);
    expect(out).toContain('pattern readwrite +/+/+/%u');
    expect(out).toContain('topic readwrite #');
  });
});
