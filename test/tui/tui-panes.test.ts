// The real TUI in tmux over the demo capture: colours, side-view headers,
// hex paging, focus and small terminals.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { demoCaptureSuite } from './suite.js';
import type { TmuxSession } from './tmux.js';

const suite = demoCaptureSuite('tui-panes');
const open = (w = 80, h = 24, term = 'xterm-256color', file?: string): TmuxSession => suite.open(w, h, { term, ...(file ? { file } : {}) });

/**
 * The foreground SGR in force where `text` starts in a `capture-pane -e` dump
 * (tmux writes only changes, so the state carries across lines); '' for default.
 */
function fgAt(esc: string, text: string): string | undefined {
  let fg = '';
  const re = /\x1b\[([0-9;]*)m/g;
  let last = 0;
  for (let m = re.exec(esc); ; m = re.exec(esc)) {
    const chunk = esc.slice(last, m ? m.index : esc.length);
    if (chunk.includes(text)) return fg;
    if (!m) return undefined;
    last = re.lastIndex;
    const p = m[1]!.split(';');
    for (let i = 0; i < p.length; i++) {
      const n = Number(p[i] || 0);
      if (n === 0 || n === 39) fg = '';
      else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) fg = String(n);
      else if (n === 38) { fg = p.slice(i, i + 3).join(';'); i += 2; }
      else if (n === 48) i += 2;
    }
  }
}

describe('TUI panes (tmux)', () => {
  for (const term of ['xterm', 'screen-256color', 'tmux-256color']) {
    it(`bit-field rows are not drawn black (TERM=${term})`, async () => {
      const s = open(80, 40, term);
      await s.waitText('FILE (end)');
      for (let i = 0; i < 6; i++) s.send('Down');
      await s.waitText('Packet 7 (frame');
      s.send('Tab');
      s.send('*', true);
      await s.waitText('= Message Type');
      const esc = s.capture(true);
      const fg = fgAt(esc, '= DUP:');
      expect(fg, esc).not.toBeUndefined();
      // 30 is black, 90 bright black, 38;5;0/8/232-243 dark greys: unreadable on a dark background
      expect(fg).not.toMatch(/^(?:30|90|38;5;(?:0|8|23[2-9]|24[0-3]))$/);
      s.send('q');
    }, 30_000);
  }

  it('side views show their column headers; a finding jump says where the * marks are', async () => {
    const s = open();
    await s.waitText('FILE (end)');
    s.send('2');
    let screen = await s.waitText('Client id');
    expect(screen).toMatch(/Client id\s+MQTT\s+User\s+KA/);
    s.send('4');
    screen = await s.waitText('Latency');
    s.send('5');
    screen = await s.waitText('Sev');
    expect(screen).toMatch(/Sev\s+Code\s+Client\s+Frames\s+Text/);
    // A filter that hides the finding's packets: the jump clears it and says both things.
    s.send('/');
    s.send('pingreq', true);
    s.send('Enter');
    await s.waitText('filter: pingreq');
    s.send('5');
    await s.waitText('connect-refused');
    s.send('Enter');
    screen = await s.waitText('marked *');
    expect(screen).toContain('filter cleared');
    const marked = screen.split('\n').filter((l) => /intruder\s+[→←] CONNECT/.test(l));
    expect(marked.length).toBeGreaterThan(0);
    for (const l of marked) expect(l.trimEnd().endsWith('*'), l).toBe(true);
    s.send('q');
  }, 30_000);

  it('PgDn/PgUp move the hex cursor by a page; Esc gives the focus back to the list', async () => {
    const s = open();
    await s.waitText('FILE (end)');
    for (let i = 0; i < 10; i++) s.send('Down');
    await s.waitText('Packet 11 (frame');
    s.send('Tab');
    s.send('Tab');
    await s.waitFor((x) => /Bytes 0–0 of \d+ \(1\): Header Flags/.test(x), 'Header Flags');
    s.send('PageDown');
    let screen = await s.waitFor((x) => /Bytes \d+–42 of 43 \(\d+\): Password/.test(x), 'the cursor on the last byte');
    s.send('PageUp');
    screen = await s.waitFor((x) => /Bytes 0–0 of \d+ \(1\): Header Flags/.test(x), 'Header Flags');
    await s.sendEscape();
    s.send('Down');
    screen = await s.waitText('Packet 12 (frame');
    expect(screen).toContain('CONNACK');
    s.send('q');
  }, 30_000);

  it('shows wide (CJK) topic characters and keeps the columns aligned', async () => {
    const file = join(suite.dir, 'cjk.pcap');
    const c = new PcapConversationEncoder({ host: '127.0.0.1', port: 50010 }, { host: '127.0.0.1', port: 1883 });
    const gen = (p: object): Buffer => mqtt.generate(p as never);
    const t = 1_700_000_000_000_000;
    writeFileSync(file, Buffer.concat([
      pcapGlobalHeader(), c.open(t),
      c.data('c2s', gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'k1' }), t + 10),
      c.data('c2s', gen({ cmd: 'publish', topic: 'Zimmer/Küche/温度', payload: Buffer.from('21'), qos: 0 }), t + 20),
    ]));
    const s = open(80, 24, 'xterm-256color', file);
    const screen = await s.waitText('FILE (end)');
    const head = screen.split('\n').find((l) => l.includes('No.'))!;
    const row = screen.split('\n').find((l) => l.includes('Zimmer'));
    expect(row, screen).toContain('Zimmer/Küche/温度');
    // The Len column ends where its header does (a wide glyph is two columns).
    const cols = (l: string): number => [...l].reduce((n, ch) => n + (/[\u2E80-\uFFEF]/.test(ch) ? 2 : 1), 0);
    const lenEnd = cols(head.slice(0, head.indexOf('Len') + 3));
    const m = /\s(\d+)\s*$/.exec(row!.replace(/\s+$/, ''));
    expect(m).not.toBeNull();
    expect(cols(row!.slice(0, row!.lastIndexOf(m![1]!) + m![1]!.length))).toBe(lenEnd);
    s.send('q');
  }, 30_000);
});
