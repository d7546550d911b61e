// Every option a command accepts is in its --help text, with its short form:
// an option the parser takes but the help leaves out is one nobody can find.
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

type Spec = Record<string, { type: string; short?: string }>;
const COMMANDS: Record<string, { usage: string; options: Spec }> = { acl, broker, cert, decode, lab, proxy, read, replay, up };

describe('--help lists every option the command parses', () => {
  for (const [name, cmd] of Object.entries(COMMANDS)) {
    it(name, () => {
      const missing: string[] = [];
      for (const [long, o] of Object.entries(cmd.options)) {
        if (!new RegExp(`--${long}\\b(?!-)`).test(cmd.usage)) missing.push(`--${long}`);
        // The short form next to its long one, as in "-w, --write".
        if (o.short !== undefined && !cmd.usage.includes(`-${o.short}, --${long}`)) missing.push(`-${o.short}, --${long}`);
      }
      expect(missing).toEqual([]);
      expect(cmd.usage).toMatch(/-h, --help/);
    });
  }
  it('replay: --suffix-client-ids (parsed by hand)', () => {
    expect(replay.usage).toContain('--suffix-client-ids[=S]');
  });
});
