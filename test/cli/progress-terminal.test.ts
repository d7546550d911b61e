// `read FILE` with stdout and stderr on the same terminal: the progress line (stderr)
// is erased before the line view (stdout) is written. Before, the first packet line
// was printed right after the progress line, on the same row:
// `acl.pcap: 5.49 KiB/5.49 KiB (100%) · 4,000 pkt/s · 00:00 left19:38:17.958 #1 …`.
// The same for the one stderr warning a filter on `finding` may give while the progress
// line is drawn: it was written after the progress text on its row, and the erasing of the
// progress line then took it off the screen.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket } from '../capture/builders.js';
import { ROOT } from '../read/run.js';
import { TmuxSession } from '../tui/tmux.js';

afterAll(() => TmuxSession.killServer());

describe('read on a terminal: the progress line and the line view', () => {
  it('no packet line starts on the row of the progress line', async () => {
    const file = resolve(ROOT, 'captures/acl.pcap');
    const t = new TmuxSession(`${process.execPath} ${resolve(ROOT, 'bin/mqttscope')} read ${file} --format line --no-color`, 300, 60, ROOT);
    try {
      await t.waitFor(() => t.dead(), 'the read to end');
      const rows = t.captureAll().split('\n').filter((r) => r.trim() !== '');
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

describe('read on a terminal: the progress line and stderr warnings', () => {
  it('the hold-back warning of a finding filter starts on a row of its own', async () => {
    // 6 PUBLISHes of 12 MiB within a millisecond each: more than the 64 MiB a filter on
    // `finding` holds back, so the warning comes while the progress line is drawn.
    const dir = mkdtempSync(join(tmpdir(), 'progress-hold-'));
    try {
      const file = join(dir, 'big.pcap');
      const chunks: { dir: 'c2s' | 's2c'; bytes: Buffer }[] = [
        { dir: 'c2s', bytes: connectPacket('big') },
        { dir: 's2c', bytes: CONNACK },
      ];
      for (let i = 0; i < 6; i++) {
        const pub = publishPacket('big/t', Buffer.alloc(12 << 20, 0x61 + i));
        // One TCP segment per 60,000 bytes (an IPv4 packet holds at most 65,535).
        for (let o = 0; o < pub.length; o += 60_000) chunks.push({ dir: 'c2s', bytes: pub.subarray(o, o + 60_000) });
      }
      writeFileSync(file, pcapFile(conversation(chunks)));
      const t = new TmuxSession(`${process.execPath} ${resolve(ROOT, 'bin/mqttscope')} read ${file} --filter finding > /dev/null`, 400, 30, ROOT);
      try {
        await t.waitFor(() => t.dead(), 'the read to end', 30_000);
        const rows = t.captureAll().split('\n').filter((r) => r.includes('mqttscope read: warning:'));
        expect(rows.length).toBe(1);
        expect(rows[0]).toMatch(/^mqttscope read: warning: the filter uses `finding`/);
      } finally {
        t.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
