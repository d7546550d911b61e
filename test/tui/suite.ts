// A TUI test suite over the demo capture: a private dist build, a temp dir with
// the capture, and tmux sessions that are killed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildDist, removeDist, ROOT } from './build.js';
import { buildDemoCapture } from './fixture.js';
import { requireTmux, TmuxSession } from './tmux.js';

export interface DemoSuite {
  /** The suite's temp directory (holds demo.pcap). */
  readonly dir: string;
  readonly pcap: string;
  /** The TUI on `file` (default the demo capture) in a w×h tmux window, with TERM set when given. */
  open(w?: number, h?: number, opts?: { term?: string; file?: string; showSecrets?: boolean }): TmuxSession;
}

export function demoCaptureSuite(name: string, opts: { killServer?: boolean } = {}): DemoSuite {
  let dist = '';
  let dir = '';
  const sessions: TmuxSession[] = [];
  beforeAll(() => {
    requireTmux();
    dist = buildDist(name);
    dir = mkdtempSync(join(tmpdir(), `mqttscope-${name}-`));
    buildDemoCapture(join(dir, 'demo.pcap'));
  });
  afterAll(() => {
    for (const s of sessions) s.kill();
    if (opts.killServer) TmuxSession.killServer();
    removeDist(dist);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() { return dir; },
    get pcap() { return join(dir, 'demo.pcap'); },
    open(w = 80, h = 24, o = {}) {
      const env = `${o.term ? `TERM=${o.term} ` : ''}${o.showSecrets ? 'SHOW_SECRETS=1 ' : ''}`;
      const cmd = `${env}node ${JSON.stringify(join(ROOT, 'test/tui/harness.mjs'))} ${JSON.stringify(dist)} --pcap ${JSON.stringify(o.file ?? join(dir, 'demo.pcap'))}`;
      const s = new TmuxSession(cmd, w, h, dir);
      sessions.push(s);
      return s;
    },
  };
}
