// `acl explain --subscribe ... --json`: the JSON must say what the granted
// subscription can deliver, as the text does; `allowed: true` alone reads as
// "this subscription works" for a filter on which nothing is ever delivered.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/acl.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('mqttscope-acljson-');
  writeFileSync(join(dir, 'acl.txt'), 'pattern readwrite +/+/+/%u\n\nuser admin\ntopic readwrite #\n');
  writeFileSync(join(dir, 'dev.txt'), 'user bob\ntopic deny dev/secret\ntopic read dev/#\npattern read c/%c/#\n');
});
afterEach(() => { vi.restoreAllMocks(); });

async function json(...args: string[]): Promise<Record<string, unknown>> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  expect(await run(['explain', ...args, '--json'])).toBe(0);
  return JSON.parse(out) as Record<string, unknown>;
}

describe('acl explain --json', () => {
  it('a granted subscription that can deliver nothing says so', async () => {
    const j = await json('--acl', join(dir, 'acl.txt'), '--user', 'user2', '--subscribe', 'colombia/cundinamarca/cajica/user1');
    expect(j['allowed']).toBe(true);
    expect(j['delivers']).toEqual({ filter: 'colombia/cundinamarca/cajica/user1', never: true, reader_lines: [], deny_lines: [], covering_deny_line: null, client_id_lines: [] });
    expect(j['verdict']).toContain('No rule lets user2 read a topic that matches colombia/cundinamarca/cajica/user1: nothing is ever delivered on this subscription, although the SUBACK grants it.');
  });

  it('names the lines that can deliver, the deny lines and the %c lines', async () => {
    const j = await json('--acl', join(dir, 'dev.txt'), '--user', 'bob', '--subscribe', '#');
    expect(j['delivers']).toEqual({ filter: '#', never: false, reader_lines: [3], deny_lines: [2], covering_deny_line: null, client_id_lines: [4] });
    const shared = await json('--acl', join(dir, 'dev.txt'), '--user', 'carl', '--subscribe', '$share/g/c/#');
    expect(shared['delivers']).toMatchObject({ filter: 'c/#', never: false, reader_lines: [], client_id_lines: [4] });
  });

  it('read and write carry the verdict sentence and no delivers', async () => {
    const j = await json('--acl', join(dir, 'acl.txt'), '--user', 'user1', '--write', 'panama/colon/user1');
    expect(j['delivers']).toBeNull();
    expect(j['verdict']).toMatch(/^DENIED\. No rule grants write access to panama\/colon\/user1\./);
  });
});
