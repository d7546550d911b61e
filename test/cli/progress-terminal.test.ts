// `read FILE` with stdout and stderr on the same terminal: the progress line (stderr)
// is erased before the line view (stdout) is written. Before, the first packet line
// was printed right after the progress line, on the same row:
// `acl.pcap: 5.49 KiB/5.49 KiB (100%) · 4,000 pkt/s · 00:00 left19:38:17.958 #1 …`.
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';
import { TmuxSession } from '../tui/tmux.js';

afterAll(() => TmuxSession.killServer());

describe('read on a terminal: the progress line and the line view', () => {
  it('no packet line starts on the row of the progress line', async () => {
    const file = resolve(ROOT, 'captures/acl.pcap');
    const t = new TmuxSession(`${process.execPath} ${resolve(ROOT, 'bin/mqttscope')} read ${file} --format line --no-color`, 300, 60, ROOT);
    try {
      await t.waitFor(() => t.dead(), 'the read to end');
      const rows = t.capture().split('\n').filter((r) => r.trim() !== '');
      // The packet lines are all there, each at the start of its own row.
      const packets = rows.filter((r) => /\d\d:\d\d:\d\d\.\d{3} #\d+ /.test(r));
      expect(packets.length).toBeGreaterThan(5);
      for (const r of packets) expect(r).toMatch(/^\d\d:\d\d:\d\d\.\d{3} #\d+/);
      // Nothing of the progress line is left on the screen.
      expect(rows.filter((r) => r.includes('pkt/s'))).toEqual([]);
    } finally {
      t.kill();
    }
  }, 20_000);
});
