// Quitting the TUI while a lab's script is still playing ends the process
// promptly: the script stops, its clients, the proxy and the broker close.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, removeDist, ROOT } from './build.js';
import { requireTmux, TmuxSession } from './tmux.js';

let dist = '';
const sessions: TmuxSession[] = [];

beforeAll(() => {
  requireTmux();
  dist = buildDist('tui-lab-quit');
});

afterAll(() => {
  for (const s of sessions) s.kill();
  removeDist(dist);
});

function lab(name: string): TmuxSession {
  const script = `import(${JSON.stringify(join(dist, 'cli/main.js'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const s = new TmuxSession(`node --input-type=module -e '${script}' lab ${name}`, 80, 24, ROOT);
  sessions.push(s);
  return s;
}

describe('lab quit (tmux)', () => {
  for (const key of ['q', 'C-c']) {
    it(`${key} during the qos lab's script exits within 2 s`, async () => {
      const s = lab('qos');
      await s.waitText('Lab running', 20_000);
      await s.waitFor((x) => /CONNECT/.test(x), 'the first packets', 20_000);
      const t0 = Date.now();
      s.send(key);
      await s.waitFor(() => s.dead(), 'exit after quit', 10_000);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(s.capture()).not.toMatch(/error|lab stopped/i);
    }, 60_000);
  }
});
