// vitest globalSetup: the whole run gets its own temporary root, so that nothing a test
// writes with os.tmpdir() (or a child it starts: mqttscope, mosquitto, tshark) lands in
// the machine's /tmp. At teardown, anything still in the root is a failure that names the
// leaked paths; the root is removed either way.
import { chmodSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment variable holding the run's temporary root (read by tmp-per-file.ts). */
export const ROOT_ENV = 'MQTTSCOPE_TEST_TMP_ROOT';

/** Paths under `dir`, depth-first, at most `limit` of them (directories end with '/'). */
export function listTree(dir: string, limit = 50): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit) return;
      const p = join(d, e.name);
      out.push(e.isDirectory() ? `${p}/` : p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

export default function setup(): () => void {
  const parent = tmpdir();
  const root = mkdtempSync(join(parent, 'mqttscope-test-'));
  // mosquitto started as root drops to user mosquitto, which must traverse this
  // directory to reach a conf or acl file written below it.
  chmodSync(root, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env[ROOT_ENV] = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env[ROOT_ENV];
    // A test file that failed to load never ran its check (tmp-per-file.ts); its
    // directory, if still empty, is no leak, and that file already failed.
    for (const e of readdirSync(root)) {
      if (!e.startsWith('file-')) continue;
      try { rmdirSync(join(root, e)); } catch { /* not empty: listed below */ }
    }
    const left = listTree(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest prints an error thrown here but would still exit 0.
      process.exitCode = 1;
      throw new Error(`the test run left ${left.length === 50 ? '50 or more paths' : `${left.length} path(s)`} in its temporary root (now removed):\n  ${left.join('\n  ')}`);
    }
  };
}
