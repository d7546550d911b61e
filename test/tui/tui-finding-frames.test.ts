// A finding that names a frame by number only (a session takeover names the older
// connection's CONNECT, shown long before) did not give that packet its `!`, and
// `n` skipped it, though the findings view lists the frame.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { TuiState } from '../../src/views/tui/state.js';
import { ROOT } from './build.js';
import { conn, real } from '../filter/records.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-finding-frames');

describe('packets named by a finding', () => {
  it('TuiState knows the frames the kept findings name', () => {
    const s = new TuiState(100, false);
    // PINGREQ: type 12, flags 0; Remaining Length 0.
    const ping = Uint8Array.from([0xc0, 0x00]);
    const a = real(ping, { frame: 4, time: 0, conn: conn(40001) });
    const b = real(ping, { frame: 9, time: 1, conn: conn(40002) });
    s.addPacket(a);
    s.addPacket(b);
    const f = { kind: 'finding', code: 'session-takeover', severity: 'warn', time: 2, conn: b.conn.id, clientId: 'twin',
      username: null, frames: [4, 9], topic: null, text: 't', extra: {} } as unknown as Finding;
    s.addFinding(f);
    expect(a.findings).toEqual([]);
    expect(s.inFinding(a)).toBe(true);
    expect(s.inFinding(b)).toBe(true);
  });

  it('marks the older CONNECT of a session takeover with ! (tmux)', async () => {
    const s = suite.open(80, 24, { file: join(ROOT, 'captures/takeover.pcap') });
    const screen = await s.waitText('FILE (end)');
    const connects = screen.split('\n').filter((l) => /twin\s+→ CONNECT/.test(l));
    expect(connects.length, screen).toBe(2);
    for (const l of connects) expect(l.trimEnd().endsWith('!'), screen).toBe(true);
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
