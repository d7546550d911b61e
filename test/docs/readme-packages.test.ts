// README.md tells a new user which Debian packages the tests need. A test that needs a
// binary fails (never skips) when it is missing, so a package left out of that line is a
// red suite on a fresh machine (openssl and procps are not in a minimal Debian). Every
// binary a test asks for must come from a package the README line installs.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every .ts file under test/. */
function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testSources(p);
    return e.name.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

describe('README.md: the Debian packages the tests use', () => {
  it('the apt-get line installs the package of every binary a test requires', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    // The README line: `apt-get install -y PKG...`
    const line = /The Debian packages the tests use: `apt-get install -y ([a-z0-9 -]+)`/.exec(readme)!;
    const listed = new Set(line[1]!.trim().split(/\s+/));
    // Binary → package, as test/helpers/peers.ts names them in its "not installed" message.
    const peers = readFileSync(join(ROOT, 'test/helpers/peers.ts'), 'utf8');
    const table = /const PACKAGES[^{]*\{([^}]*)\}/.exec(peers)![1]!;
    const pkg = new Map([...table.matchAll(/(\w+): '([a-z0-9-]+)'/g)].map((m) => [m[1]!, m[2]!]));
    pkg.set('pgrep', 'procps');
    pkg.set('tmux', 'tmux'); // test/tui/tmux.ts runs it directly
    const essential = new Set(['head', 'mkfifo']); // coreutils: on every Debian system
    const src = testSources(join(ROOT, 'test')).join('\n');
    const used = new Set([...src.matchAll(/requireBinary\('([\w-]+)'\)/g)].map((m) => m[1]!));
    used.add('tmux');
    const missing = [...used].filter((b) => !essential.has(b)).map((b) => `${b} (${pkg.get(b) ?? '?'})`)
      .filter((s) => !listed.has(/\((.*)\)/.exec(s)![1]!));
    expect(missing).toEqual([]);
    // The quick start names the same packages next to npm test.
    const quick = /npm test +# the test suite \(needs ([^)]+)\)/.exec(readme)![1]!;
    expect(quick.split(/, | and /).sort()).toEqual([...listed].sort());
  });

  it('.ci/run installs every package of that line (CI=true makes a missing one a failure, not a skip)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const listed = /The Debian packages the tests use: `apt-get install -y ([a-z0-9 -]+)`/.exec(readme)![1]!.trim().split(/\s+/);
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const installs = /for pkg in ([a-z0-9 -]+); do/.exec(ci)![1]!.trim().split(/\s+/);
    expect(listed.filter((p) => !installs.includes(p))).toEqual([]);
  });
});
