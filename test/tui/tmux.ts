// Drive a real terminal: a private tmux server (own socket), one session per
// test. tmux missing is a failure, never a skip.
// The socket is a file in this test file's TMPDIR, not in /tmp/tmux-UID: tmux 3.3
// leaves its socket file behind when the server exits, even on kill-server, so
// one was left in /tmp/tmux-UID per test file and run. After the test file (and
// its own afterAll hooks), the server is killed and the socket removed.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const SOCKET = join(tmpdir(), `mqttscope-tui-${process.pid}.tmux`);

function tmux(args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

afterAll(() => {
  TmuxSession.killServer();
  rmSync(SOCKET, { force: true });
});

export function requireTmux(): void {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('tmux is not installed: apt-get install -y tmux (the TUI tests need a real terminal)');
  }
}

export class TmuxSession {
  private static n = 0;
  readonly name = `t${process.pid}-${TmuxSession.n++}`;

  constructor(command: string, readonly width = 80, readonly height = 24, cwd = process.cwd()) {
    requireTmux();
    tmux(['new-session', '-d', '-s', this.name, '-x', String(width), '-y', String(height), '-c', cwd,
      '-e', 'TERM=xterm-256color', command]);
    tmux(['set-option', '-t', this.name, 'remain-on-exit', 'on']);
  }

  /** Keys as tmux names them ('Down', 'Enter', 'Tab', 'C-c') or literal text with literal=true. */
  send(keys: string, literal = false): void {
    tmux(['send-keys', '-t', this.name, ...(literal ? ['-l'] : []), keys]);
  }

  /** Several keys in one send-keys call: the program may read them in one chunk. */
  sendTogether(...keys: string[]): void {
    tmux(['send-keys', '-t', this.name, ...keys]);
  }

  /**
   * Escape on its own: blessed reads ESC followed by a key in the same read as
   * Meta+key, so a key sent right after Escape could be swallowed (CI once saw
   * Escape+q become M-q and the TUI never quit). Waits until the terminal has
   * surely delivered the ESC before anything else is sent.
   */
  async sendEscape(): Promise<void> {
    this.send('Escape');
    await new Promise((r) => setTimeout(r, 250));
  }

  /** The screen as text (escapes=true keeps SGR attributes: `capture-pane -e`). */
  capture(escapes = false): string {
    return tmux(['capture-pane', '-p', '-t', this.name, ...(escapes ? ['-e'] : [])]);
  }

  /**
   * The screen and the scrollback above it. A short-lived command's output can end up in the
   * scrollback: tmux may scroll it off a detached session's screen (seen with a 400-column
   * session whose command exited within a second), so what it printed is checked here.
   */
  captureAll(): string {
    return tmux(['capture-pane', '-p', '-S', '-', '-t', this.name]);
  }

  resize(w: number, h: number): void {
    tmux(['resize-window', '-t', this.name, '-x', String(w), '-y', String(h)]);
  }

  /** Whether the pane's process has exited (remain-on-exit keeps the pane). */
  dead(): boolean {
    return tmux(['display-message', '-p', '-t', this.name, '#{pane_dead}']).trim() === '1';
  }

  async waitFor(pred: (screen: string) => boolean, what: string, timeoutMs = 15_000, escapes = false): Promise<string> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = this.capture(escapes);
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
  }

  /**
   * The screen once it shows `text` and has stopped changing: blessed may draw a
   * screen in more than one frame (the list first, the bars after), so the first
   * capture that shows `text` may lack what a test checks next. Waits at most a
   * second for two equal captures in a row (a live view may never settle).
   */
  async waitText(text: string, timeoutMs?: number): Promise<string> {
    let screen = await this.waitFor((s) => s.includes(text), JSON.stringify(text), timeoutMs);
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 60));
      const next = this.capture();
      if (next === screen) break;
      if (!next.includes(text)) break; // moved on (a transient state): keep the screen that showed it
      screen = next;
    }
    return screen;
  }

  kill(): void {
    try { tmux(['kill-session', '-t', this.name]); } catch { /* gone */ }
  }

  static killServer(): void {
    try { tmux(['kill-server']); } catch { /* not running */ }
  }
}
