// Temporary directories for tests, removed after the test file: tempDir() registers
// nothing per call; one afterAll, registered when a test file imports this module,
// removes every directory made since. Imports run before the file's own hooks are
// registered and afterAll hooks run in reverse order, so the file's own afterAll
// (stopping mosquitto, tshark, a CLI child) runs before its directories go.
// Relies on vitest's default per-file isolation (this module is evaluated per file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir() named `${prefix}XXXXXX`, removed after this test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
