// `up` says where clients connect before anything else: the TUI joins the start-up
// lines on one status line, and at 80 columns its end is cut off.
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, until, type LiveChild } from './live-child.js';

let live: LiveChild | null = null;
afterEach(async () => {
  if (live) { live.child.kill('SIGKILL'); await live.exited; live = null; }
});

describe('up: start-up lines', () => {
  it('the proxy address comes first, then the private broker, the client hint and Ctrl-C', async () => {
    live = await startLive('up', ['--format', 'line']);
    await until(() => live!.err().includes('Ctrl-C to stop'), 'the last start-up line');
    const lines = live.err().split('\n').filter((l) => l.startsWith('mqttscope: '));
    expect(lines[0]).toBe(`mqttscope: proxy listening on 127.0.0.1:${live.port}`);
    expect(lines[1]).toMatch(/^mqttscope: aedes broker on 127\.0\.0\.1:\d+ \(private; connect through the proxy\)$/);
    expect(lines[2]).toMatch(/^mqttscope: try: mosquitto_pub -p \d+ /);
    expect(lines[3]).toBe('mqttscope: Ctrl-C to stop');
  });
});
