// Closing the terminal a lab runs in sends SIGHUP (sometimes twice: to the job and
// from its shell). The lab then stops as on Ctrl-C: exit 0 and its temporary
// password_file/acl_file removed. Before, SIGHUP killed the process at once and
// left both files (with the lab's passwords) in the temp directory; and in the TUI,
// the write error of the closed terminal (EIO) was reported on that same closed
// terminal, which threw and again left the files behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';
import { requireTmux, TmuxSession } from '../tui/tmux.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function hangUp(times: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'mqttscope-hup-test-'));
  dirs.push(tmp);
  // The lab at its real pace, so it is mid-script when the terminal goes.
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'lab', 'acl', '--format', 'line'], {
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let sent = false;
  let again = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += String(d);
    // Also while it cleans up after its summary line.
    if (times === 2 && !again && /stopped by SIGHUP/.test(stdout)) { again = true; child.kill('SIGHUP'); }
    if (!sent && /#1\s+watcher\s+→ CONNECT/.test(stdout)) {
      sent = true;
      child.kill('SIGHUP');
      // Another a moment later, while the lab is stopping (not merged with the first).
      if (times === 2) setTimeout(() => child.kill('SIGHUP'), 1);
    }
  });
  return new Promise((res) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => { clearTimeout(guard); res({ code, signal, stdout, tmp }); });
  });
}

describe('lab stopped by SIGHUP (the terminal closed)', () => {
  for (const times of [1, 2] as const) {
    it(`${times === 1 ? 'one SIGHUP' : 'SIGHUP again while stopping'}: stopped cleanly, exit 0, no lab files left behind`, async () => {
      const r = await hangUp(times);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^# lab acl stopped by SIGHUP: \d+ packets, findings: /m);
      expect(readdirSync(r.tmp).filter((f) => f.startsWith('mqttscope-lab-'))).toEqual([]);
    }, 20_000);
  }
});

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('lab in the TUI, its terminal closed (tmux)', () => {
  it('the tmux session is killed mid-script: the lab exits and no lab files are left behind', async () => {
    requireTmux();
    const tmp = mkdtempSync(join(tmpdir(), 'mqttscope-hup-tui-'));
    dirs.push(tmp);
    const pidFile = join(tmp, 'pid');
    const bin = resolve(ROOT, 'bin/mqttscope');
    // exec: the pane's process is the lab itself, as when a user types the command.
    const s = new TmuxSession(`sh -c 'echo $$ > ${pidFile}; TMPDIR=${tmp} exec ${process.execPath} ${bin} lab acl'`, 100, 30, ROOT);
    try {
      await s.waitFor((x) => /CONNECT/.test(x), 'the first packets', 20_000);
      expect(readdirSync(tmp).filter((f) => f.startsWith('mqttscope-lab-'))).toHaveLength(1);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      s.kill();
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
      expect(alive(pid)).toBe(false);
      expect(readdirSync(tmp).filter((f) => f.startsWith('mqttscope-lab-'))).toEqual([]);
    } finally {
      s.kill();
    }
  }, 40_000);
});
