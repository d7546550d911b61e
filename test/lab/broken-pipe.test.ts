// `mqttscope lab NAME | head`: when the reader goes away the lab stops quietly (exit 0,
// no EPIPE stack trace) and removes its temporary password/ACL files, as read and up
// stop on a closed pipe.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('lab into a pipe that closes', () => {
  it('lab acl | head -2: exit 0, nothing on stderr, no lab files left', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mqttscope-pipe-test-'));
    dirs.push(tmp);
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'lab', 'acl', '--fast'], {
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    // Like head: read the first chunk, then close the read end.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((res) => {
      const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (c) => { clearTimeout(guard); res(c); });
    });
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.startsWith('mqttscope-lab-'))).toEqual([]);
  }, 20_000);
});
