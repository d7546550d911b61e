// vitest setupFile: each test file gets its own TMPDIR below the run's root (see
// tmp-root.ts). After the file's own afterAll hooks ran:
// - a child process of this worker still running (a mosquitto, tshark or mqttscope
//   the file started and did not stop) is a failure naming its command line; it is
//   killed first, so that it does not write into a removed directory or hold a port;
// - whatever is left in the directory is a failure listing the leaked paths.
// The directory is removed either way.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { listTree, ROOT_ENV } from './tmp-root.js';

/** Running (not zombie) child processes of this process: pid and command line. */
function runningChildren(): Array<{ pid: number; cmd: string }> {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const pid of pids) {
    try {
      if (/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') });
    } catch { /* gone meanwhile */ }
  }
  // pgrep itself has exited by now; nothing else of ours is expected.
  return out;
}

const root = process.env[ROOT_ENV];
if (root) {
  const dir = mkdtempSync(join(root, 'file-'));
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  // Registered before the test file's hooks, so it runs after them.
  afterAll(async ({}, suite) => {
    const name = 'filepath' in suite ? suite.name : 'this test file';
    const problems: string[] = [];
    // A child being stopped may need a moment to exit.
    let children = runningChildren();
    for (let i = 0; i < 50 && children.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      children = runningChildren();
    }
    if (children.length > 0) {
      for (const c of children) {
        try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
      }
      await new Promise((r) => setTimeout(r, 200));
      problems.push(`${name} left ${children.length} child process(es) running (now killed); stop them in afterEach/afterAll:\n  ${children.map((c) => `${c.pid} ${c.cmd}`).join('\n  ')}`);
    }
    const left = listTree(dir);
    rmSync(dir, { recursive: true, force: true });
    process.env.TMPDIR = root;
    if (left.length > 0) {
      problems.push(`${name} left ${left.length === 50 ? '50 or more paths' : `${left.length} path(s)`} in its temporary directory (now removed); remove them in afterEach/afterAll:\n  ${left.join('\n  ')}`);
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }, 30_000);
}
