// `--format tui` into a pipe or a file: a usage error for every command, as `read`
// already had it. up, proxy and lab used to draw escape sequences into the file and
// wait for a 'q' that could never come.
import { describe, expect, it } from 'vitest';
import { requireTerminalForTui } from '../../src/cli/commands/proxy.js';
import { UsageError } from '../../src/cli/errors.js';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from '../read/run.js';

/** The CLI with stdout a pipe; killed after 20 s (a TUI that starts would wait for 'q' forever). */
function mqttscope(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/mqttscope'), ...args], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MSG = /--format tui needs a terminal on stdout; use --format line/;

describe('--format tui needs a terminal on stdout', () => {
  // Port 1 upstream and port 0 listen: nothing would be reached even if it started.
  for (const args of [['up', '--listen', '0'], ['proxy', '--listen', '0', '--upstream', '127.0.0.1:1'], ['lab', 'acl', '--fast']]) {
    it(`${args[0]}: exit 2, nothing on stdout, one line saying what to use`, { timeout: 30_000 }, () => {
      const r = mqttscope([...args, '--format', 'tui']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(MSG);
    });
  }
  it('on a terminal, or without --format tui, nothing is refused; a bad --filter is reported by the live session first', () => {
    expect(() => requireTerminalForTui('tui', undefined, true)).not.toThrow();
    expect(() => requireTerminalForTui(undefined, undefined, false)).not.toThrow();
    expect(() => requireTerminalForTui('line', undefined, false)).not.toThrow();
    expect(() => requireTerminalForTui('tui', 'publish &&& qos', false)).not.toThrow();
    expect(() => requireTerminalForTui('tui', 'publish', false)).toThrow(UsageError);
  });
});
