// Ctrl-C (SIGINT) or SIGTERM during a lab in the line view stops it as q does in the
// TUI: the script stops, the summary line says so, exit 0, and the temporary
// password_file/acl_file the lab wrote are removed (before, the process died at once
// and left them in the temp directory).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function stopLabWith(sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'mqttscope-stop-test-'));
  dirs.push(tmp);
  // The lab at its real pace (about a second a step), so it is mid-script when stopped.
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'lab', 'acl', '--format', 'line'], {
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += String(d);
    // The lab's files exist from the start; the first packets mean the script is playing.
    if (!sent && /#1\s+watcher\s+→ CONNECT/.test(stdout)) { sent = true; child.kill(sig); }
  });
  return new Promise((res) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => { clearTimeout(guard); res({ code, signal, stdout, tmp }); });
  });
}

describe('lab stopped by a signal', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: the summary line says stopped, exit 0, no lab files left behind`, async () => {
      const r = await stopLabWith(sig);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^# lab acl stopped by ${sig}: \\d+ packets, findings: `, 'm'));
      expect(r.stdout).not.toContain('# lab acl finished');
      expect(readdirSync(r.tmp).filter((f) => f.startsWith('mqttscope-lab-'))).toEqual([]);
    }, 20_000);
  }
});
