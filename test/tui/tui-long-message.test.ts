// A message longer than the message line goes on over the key bar while it shows:
// after `w` on a capture whose broker port is not 1883, the tshark option that
// decodes it was cut to `tshark -d tcp.port==…` at 80 columns, the port lost.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-long-message');

describe('long messages (tmux 80×24)', () => {
  it('shows the whole tshark option after writing a pcap', async () => {
    const s = suite.open(80, 24, { file: join(ROOT, 'captures/will.pcap') });
    await s.waitText('FILE (end)');
    s.send('w');
    await s.waitText('Write pcap to:');
    s.send('C-u');
    s.send(join(suite.dir, 'will-out.pcap'), true);
    s.send('Enter');
    const screen = await s.waitText('wrote 10 packets');
    // The capture's broker listens on 34805.
    const bottom = screen.trimEnd().split('\n').slice(-2).join(' ');
    expect(bottom, screen).toMatch(/tshark -d\s+tcp\.port==34805,mqtt$/);
    // A path too long to leave the hint room gives way from its start (the test's temporary
    // directory is deep), down to the file name at most.
    expect(bottom, screen).toMatch(/wrote 10 packets to (…\S*)?will-out\.pcap;/);
    expect(bottom.replace(/to …\S*will-out/, ''), screen).not.toContain('…');
    // The key bar comes back once the message is gone (f replaces it with a short one).
    s.send('f');
    await s.waitText('? keys');
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
