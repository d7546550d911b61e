// `proxy --format tui` in tmux: where clients connect shows on screen, and the
// proxy's diagnostics (an upstream that refuses) reach the message line while
// the TUI is open, and stderr after it closes.
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, removeDist, ROOT } from './build.js';
import { requireTmux, TmuxSession } from './tmux.js';

let dist = '';
const sessions: TmuxSession[] = [];

beforeAll(() => {
  requireTmux();
  dist = buildDist('tui-proxy');
});

afterAll(() => {
  for (const s of sessions) s.kill();
  removeDist(dist);
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('proxy TUI (tmux)', () => {
  it('shows where to connect and an upstream refusal while open; prints it after q', async () => {
    const [listen, upstream] = [await freePort(), await freePort()];
    const script = `import(${JSON.stringify(join(dist, 'cli/main.js'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
    const s = new TmuxSession(`node --input-type=module -e '${script}' proxy --listen 127.0.0.1:${listen} --upstream 127.0.0.1:${upstream} --format tui; echo EXITED; sleep 30`, 100, 24, ROOT);
    sessions.push(s);
    let screen = await s.waitText('LIVE', 20_000);
    expect(screen).toContain(`127.0.0.1:${listen}`);
    const sock = connect(listen, '127.0.0.1');
    sock.on('error', () => undefined);
    screen = await s.waitText('refused the connection', 10_000);
    expect(screen).toContain('LIVE');
    sock.destroy();
    s.send('q');
    screen = await s.waitText('EXITED', 10_000);
    expect(screen).toMatch(/mqttscope: .*refused the connection/);
  }, 60_000);
});
