// docs/user-guide.md says it documents every command with its options. Each
// command's section must name every option the command parses (with its short
// form), and every option the section names must exist: a user who types a
// documented option must not get "unknown option". The quick-reference filters
// of docs/filters.md must compile.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as acl from '../../src/cli/commands/acl.js';
import * as broker from '../../src/cli/commands/broker.js';
import * as cert from '../../src/cli/commands/cert.js';
import * as decode from '../../src/cli/commands/decode.js';
import * as lab from '../../src/cli/commands/lab.js';
import * as proxy from '../../src/cli/commands/proxy.js';
import * as read from '../../src/cli/commands/read.js';
import * as replay from '../../src/cli/commands/replay.js';
import * as up from '../../src/cli/commands/up.js';
import { compileFilter } from '../../src/filter/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GUIDE = readFileSync(join(ROOT, 'docs/user-guide.md'), 'utf8');

type Spec = Record<string, { type: string; short?: string }>;
// Section heading → the command's option spec (and options parsed by hand).
const COMMANDS: Array<[string, Spec, string[]]> = [
  ['up', up.options, []],
  ['proxy', proxy.options, []],
  ['broker', broker.options, []],
  ['read', read.options, []],
  ['decode', decode.options, []],
  ['replay', replay.options, ['suffix-client-ids']],
  ['acl explain', acl.options, []],
  ['lab', lab.options, []],
  ['cert', cert.options, []],
];

/** The text of `## \`mqttscope NAME\`` up to the next `## ` heading, without its output blocks' `$ ` lines of other tools. */
function section(name: string): string {
  const start = GUIDE.indexOf(`\n## \`mqttscope ${name}\`\n`);
  expect(start, `section for ${name}`).toBeGreaterThan(0);
  const end = GUIDE.indexOf('\n## ', start + 5);
  return GUIDE.slice(start, end < 0 ? undefined : end);
}

/** The options a section names: in its synopsis, its table and its `mqttscope …` command lines. */
function documented(text: string): Set<string> {
  const out = new Set<string>();
  const lines = text.split('\n').filter((l) => l.startsWith('|') || l.startsWith('mqttscope ') || l.startsWith('$ mqttscope '));
  for (const l of lines) for (const m of l.matchAll(/(?<![\w-])--([a-z][\w-]*)/g)) out.add(m[1]!);
  return out;
}

describe('docs/user-guide.md documents every option of every command', () => {
  for (const [name, spec, byHand] of COMMANDS) {
    it(name, () => {
      const text = section(name);
      const names = documented(text);
      const missing = [...Object.keys(spec), ...byHand].filter((o) => !names.has(o)).map((o) => `--${o}`);
      const shorts = Object.entries(spec)
        .filter(([, o]) => o.short !== undefined)
        .filter(([long, o]) => !text.includes(`-${o.short}, --${long}`) && !text.includes(`-${o.short}/--${long}`))
        .map(([long, o]) => `-${o.short}, --${long}`);
      const unknown = [...names].filter((o) => o !== 'help' && !(o in spec) && !byHand.includes(o)).map((o) => `--${o}`);
      expect({ missing, shorts, unknown }).toEqual({ missing: [], shorts: [], unknown: [] });
    });
  }
});

describe('docs/filters.md quick reference', () => {
  it('every expression in the table compiles', () => {
    const md = readFileSync(join(ROOT, 'docs/filters.md'), 'utf8');
    const quick = md.slice(md.indexOf('## Quick reference'), md.indexOf('## Grammar'));
    const exprs = quick.split('\n').filter((l) => l.startsWith('| `')).map((l) => /^\| `([^`]+)`/.exec(l)![1]!);
    expect(exprs.length).toBeGreaterThan(20);
    const bad = exprs.filter((e) => { try { compileFilter(e); return false; } catch { return true; } });
    expect(bad).toEqual([]);
  });
});
