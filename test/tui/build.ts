// The TUI runs as a real process inside tmux, so it needs compiled JS: compile
// the project once per test file into node_modules/.cache (packages resolve).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export function buildDist(tag: string): string {
  const out = join(ROOT, 'node_modules', '.cache', `mqttscope-test-${tag}-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the tests decide.
  }
  return out;
}

export function removeDist(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
