// docs/user-guide.md says every output block was produced by running the command shown,
// and README.md says each of its commands works in a checkout. The examples that need no
// broker (the sample captures, decode, acl explain, the help, the typo messages, the acl
// lab) are run here from the repository root and compared with the doc's own text, so
// a change in the output shows up as a stale doc instead of a surprised new user.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as acl from '../../src/cli/commands/acl.js';
import * as broker from '../../src/cli/commands/broker.js';
import * as decode from '../../src/cli/commands/decode.js';
import * as lab from '../../src/cli/commands/lab.js';
import * as proxy from '../../src/cli/commands/proxy.js';
import * as read from '../../src/cli/commands/read.js';
import * as replay from '../../src/cli/commands/replay.js';
import * as up from '../../src/cli/commands/up.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GUIDE = readFileSync(join(ROOT, 'docs/user-guide.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Run { code: number; stdout: string; stderr: string }

/** The built CLI, run from the repository root as the docs do. */
function cli(args: string[]): Run {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/mqttscope'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The words of a shell command line: single and double quotes, no escapes (as the docs write them). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The block of the guide that starts with `$ COMMAND`: the command's words, the lines shown, the exit status shown. */
function example(command: string): { args: string[]; shown: string[]; exit: number | undefined } {
  const start = GUIDE.indexOf(`\n$ ${command}\n`);
  expect(start, `docs/user-guide.md shows $ ${command}`).toBeGreaterThan(0);
  const body = GUIDE.slice(start + command.length + 4, GUIDE.indexOf('\n```', start));
  const shown = body.split('\n');
  const last = /^\(exit (\d+)\)$/.exec(shown.at(-1)!);
  if (last) shown.pop();
  return { args: words(command).slice(1), shown, exit: last ? Number(last[1]) : undefined };
}

describe('docs/user-guide.md examples that need no broker', () => {
  for (const command of [
    'mqttscope --help',
    'mqttscope decode 3014000b526f6f6d312f4c696768745475726e204f6e',
    `mqttscope read captures/acl.pcap --acl captures/acl.acl --filter 'finding == "undelivered-publish"'`,
    'mqttscope acl explain --acl captures/acl.acl --user user1 --write panama/colon/user1',
  ]) {
    it(command, () => {
      const { args, shown, exit } = example(command);
      const r = cli(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(exit ?? 0);
      expect(r.stdout.trimEnd().split('\n')).toEqual(shown);
    });
  }

  it('mqttscope lab acl --fast --format line, up to the times and the random packet id', () => {
    const { args, shown, exit } = example('mqttscope lab acl --fast --format line');
    const r = cli(args);
    expect(r.code).toBe(exit);
    // Each line starts with its wall-clock time; MQTT.js picks the SUBSCRIBE packet id at random.
    const same = (lines: string[]): string[] => lines.map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, 'HH:MM:SS.mmm ').replace(/id=\d+/g, 'id=N'));
    expect(same(r.stdout.trimEnd().split('\n'))).toEqual(same(shown));
  }, 30_000);

  it('each mistyped command gets the line the guide shows, exit 2', () => {
    const start = GUIDE.indexOf('\n$ mqttscope raed captures/acl.pcap\n');
    expect(start).toBeGreaterThan(0);
    const lines = GUIDE.slice(start + 1, GUIDE.indexOf('\n```', start)).split('\n');
    expect(lines.length).toBe(8);
    for (let i = 0; i < lines.length; i += 2) {
      const r = cli(words(lines[i]!.slice(2)).slice(1));
      expect(r.code, lines[i]).toBe(2);
      expect(r.stderr.split('\n')[0], lines[i]).toBe(lines[i + 1]);
    }
  });
});

describe('README.md commands', () => {
  const SPECS: Record<string, Record<string, unknown>> = {
    up: up.options, proxy: proxy.options, broker: broker.options, read: read.options, decode: decode.options,
    replay: replay.options, acl: acl.options, lab: lab.options,
  };
  const lines = README.split('\n').filter((l) => l.startsWith('./bin/mqttscope '));

  it('every option a README command gives is one its command takes', () => {
    expect(lines.length).toBeGreaterThan(8);
    const unknown: string[] = [];
    for (const l of lines) {
      const w = words(l.replace(/\s+#.*$/, '')).slice(1);
      const spec = SPECS[w[0]!];
      if (!spec) { unknown.push(`${w[0]} (command)`); continue; }
      for (const o of w.filter((x) => x.startsWith('--'))) if (!(o.slice(2) in spec)) unknown.push(`${w[0]} ${o}`);
    }
    expect(unknown).toEqual([]);
  });

  it('the README commands that read the shipped files run cleanly (exit 0)', () => {
    const offline = lines.map((l) => words(l.replace(/\s+#.*$/, '')).slice(1))
      .filter((w) => w[0] === 'decode' || w[0] === 'acl' || (w[0] === 'read' && w[1]!.startsWith('captures/')));
    expect(offline.length).toBeGreaterThanOrEqual(4);
    for (const w of offline) {
      const r = cli(w);
      expect({ cmd: w.join(' '), code: r.code, stderr: r.stderr }).toEqual({ cmd: w.join(' '), code: 0, stderr: '' });
    }
  });
});
