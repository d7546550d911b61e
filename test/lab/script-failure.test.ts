// A lab whose scenario cannot go on (a client refused or cut off) fails as one
// line (a CliError: exit 1, no stack trace), and still closes everything it started.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.js';
import { runLab, type Lab } from '../../src/lab/index.js';

const sink = (): Writable => new Writable({ write(_c, _e, cb) { cb(); } });

describe('a lab script that fails', () => {
  it('rejects with a one-line CliError naming the lab and the cause', async () => {
    const broken: Lab = {
      name: 'broken', title: 'fails', summary: 'fails', explanation: 'fails', expectFindings: [],
      security: { passwd: 'u:pw\n', allowAnonymous: false },
      async script(ctx) {
        await ctx.connect('ok-client', { username: 'u', password: 'pw' });
        // A client that is refused where the script expects a session.
        await ctx.connect('bad-client', { username: 'u', password: 'wrong' });
      },
    };
    const err = await runLab(broken, { fast: true, out: sink() }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/^lab broken: the scenario could not go on: bad-client: /);
    expect((err as Error).message).not.toContain('\n');
  }, 20_000);
});
