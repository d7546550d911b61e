// docs/acl-silent-drops.md and docs/acl.md show `mqttscope acl explain` runs as
// "real output". Every `$ cat FILE` block there is written out, every
// `$ mqttscope acl explain ...` is run on those files, and its output must be
// what the page shows (a line ending in ' ...' is a shortened line: a prefix).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/acl.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = ['docs/acl-silent-drops.md', 'docs/acl.md'];

interface Run { page: string; args: string[]; expected: string[] }

/** The shell words of a command line (single quotes only, as the pages use). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

function collect(): { files: Map<string, string>; runs: Run[] } {
  const files = new Map<string, string>();
  const runs: Run[] = [];
  for (const page of PAGES) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    for (const block of text.matchAll(/^```\n([\s\S]*?)^```$/gm)) {
      const lines = block[1]!.split('\n');
      lines.pop(); // the empty string after the last newline
      for (let i = 0; i < lines.length; i++) {
        const cmd = lines[i]!;
        if (!cmd.startsWith('$ ')) continue;
        let j = i + 1;
        while (j < lines.length && !lines[j]!.startsWith('$ ')) j++;
        const body = lines.slice(i + 1, j);
        while (body.length > 0 && body[body.length - 1] === '') body.pop(); // the blank line between two runs
        const w = words(cmd.slice(2));
        if (w[0] === 'cat' && w.length === 2) files.set(w[1]!, body.map((l) => `${l}\n`).join(''));
        else if (w[0] === 'mqttscope' && w[1] === 'acl') runs.push({ page, args: w.slice(2), expected: body });
        i = j - 1;
      }
    }
  }
  return { files, runs };
}

const { files, runs } = collect();
let dir: string;
let cwd: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acl-docs-'));
  for (const [name, body] of files) await writeFile(join(dir, name), body);
  cwd = process.cwd();
  process.chdir(dir);
});

afterAll(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('acl explain runs shown in the docs', () => {
  it('the pages show the acl files and the runs', () => {
    expect([...files.keys()].sort()).toEqual(['acl-fixed.txt', 'acl.txt', 'dev.acl', 'passwd.txt']);
    expect(runs.length).toBeGreaterThanOrEqual(8);
  });

  for (const r of runs) {
    it(`${r.page}: mqttscope acl ${r.args.join(' ')}`, async () => {
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out += String(chunk);
        return true;
      });
      let code: number;
      try {
        code = await run(r.args);
      } finally {
        spy.mockRestore();
      }
      expect(code).toBe(0);
      const got = out.replace(/\n$/, '').split('\n');
      expect(got.length, out).toBe(r.expected.length);
      r.expected.forEach((line, k) => {
        if (line.endsWith(' ...')) expect(got[k]!.startsWith(line.slice(0, -3)), `line ${k + 1}: ${got[k]}`).toBe(true);
        else expect(got[k]).toBe(line);
      });
    });
  }
});

describe('counts the tutorial states', () => {
  const page = readFileSync(join(ROOT, 'docs/acl-silent-drops.md'), 'utf8');
  it('reading the pcap back gives as many findings as the 3.1.1 live run printed', () => {
    const live = /^-- \d+ packets, (\d+) findings/m.exec(page);
    const said = /reading it back gives the same (\w+) findings/.exec(page);
    expect(live && said).toBeTruthy();
    const numbers = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    expect(numbers.indexOf(said![1]!)).toBe(Number(live![1]));
  });
});

describe('the one-command setup of the tutorial', () => {
  it('mqttscope up listens where the clients of the page connect', () => {
    const page = readFileSync(join(ROOT, 'docs/acl-silent-drops.md'), 'utf8');
    const ups = [...page.matchAll(/`(mqttscope up [^`]*)`/g)].map((m) => m[1]!);
    expect(ups.length).toBeGreaterThan(0);
    const port = /mosquitto_pub -p (\d+)/.exec(page)![1]!;
    // `up` listens on 1883 unless told otherwise.
    for (const cmd of ups) expect(words(cmd)).toEqual(expect.arrayContaining(['--listen', port]));
  });
});
