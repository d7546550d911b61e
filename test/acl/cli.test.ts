import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as aclCommand from '../../src/cli/commands/acl.js';
import { CliError } from '../../src/cli/errors.js';

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
  dir = mkdtempSync(join(tmpdir(), 'mqttscope-aclcli-'));
  writeFileSync(join(dir, 'acl.txt'), 'pattern readwrite +/+/+/%u\nuser admin\ntopic readwrite #\n');
  writeFileSync(join(dir, 'bad.txt'), 'user admin\ntopic readwrit #\n');
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
