// vitest setupFile: each test file gets its own TMPDIR below the run's root (see
// tmp-root.ts). After the file's own afterAll hooks ran, whatever is left there is a
// failure of that file, listing the leaked paths; the directory is removed either way.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { listTree, ROOT_ENV } from './tmp-root.js';

const root = process.env[ROOT_ENV];
if (root) {
  const dir = mkdtempSync(join(root, 'file-'));
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  // Registered before the test file's hooks, so it runs after them.
  afterAll(({}, suite) => {
    const left = listTree(dir);
    rmSync(dir, { recursive: true, force: true });
    process.env.TMPDIR = root;
    if (left.length > 0) {
      const name = 'filepath' in suite ? suite.name : 'this test file';
      throw new Error(`${name} left ${left.length === 50 ? '50 or more paths' : `${left.length} path(s)`} in its temporary directory (now removed); remove them in afterEach/afterAll:\n  ${left.join('\n  ')}`);
    }
  });
}
