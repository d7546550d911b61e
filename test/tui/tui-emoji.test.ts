// Emoji and combining accents in the packet list. blessed counted 😀 as one column
// (the terminal moves two) and cut a line after `width` UTF-16 code units, so a row
// holding an emoji or `café` (e + U+0301) ran one column too far or lost its last
// columns: the Len digits and the `!` marker of a packet with a problem.
import mqtt from 'mqtt-packet';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { cutToColumns, fit } from '../../src/views/tui/text.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-emoji');

/** Terminal columns as tmux counts them: CJK and emoji two, combining marks none. */
const cols = (l: string): number =>
  [...l].reduce((n, ch) => n + (/\p{Mn}/u.test(ch) ? 0 : /[\u2E80-\uFFEF]|\p{Emoji_Presentation}/u.test(ch) ? 2 : 1), 0);

describe('emoji in the TUI', () => {
  it('fit() counts an emoji as two columns and an accent as none', () => {
    expect(fit('😀', 4)).toBe('😀  ');
    expect(fit('✅x', 4)).toBe('✅x ');
    expect(fit('cafe\u0301', 5)).toBe('cafe\u0301 ');
    // A wide glyph that would straddle the edge is left out, not half drawn.
    expect(fit('ab😀cd', 4)).toBe('ab …');
  });

  it('cutToColumns() cuts by columns and keeps the escapes that close attributes', () => {
    expect(cutToColumns('\x1b[7mcafe\u0301😀\x03xyz\x1b[m', 7)).toBe('\x1b[7mcafe\u0301😀\x03x\x1b[m');
    expect(cutToColumns('ab😀\x03', 3)).toBe('ab');
    expect(cutToColumns('short', 80)).toBe('short');
  });

  it('keeps Len and the ! marker in place on rows with emoji and accents', async () => {
    const file = join(suite.dir, 'emoji.pcap');
    const c = new PcapConversationEncoder({ host: '127.0.0.1', port: 50020 }, { host: '127.0.0.1', port: 1883 });
    const gen = (p: object): Buffer => mqtt.generate(p as never);
    const t = 1_700_000_000_000_000;
    writeFileSync(file, Buffer.concat([
      pcapGlobalHeader(), c.open(t),
      c.data('c2s', gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'bot🤖' }), t + 10),
      c.data('c2s', gen({ cmd: 'publish', topic: 'cafe\u0301/😀/x', payload: Buffer.from('1'), qos: 0 }), t + 20),
      // A wildcard in a PUBLISH topic is a protocol error: the row gets its `!`.
      c.data('c2s', gen({ cmd: 'publish', topic: 'cafe\u0301/😀/#', payload: Buffer.from('1'), qos: 0 }), t + 30),
    ]));
    const s = suite.open(80, 24, { file });
    const screen = await s.waitText('FILE (end)');
    const lines = screen.split('\n');
    const head = lines.find((l) => l.includes('No.'))!;
    const lenEnd = cols(head.slice(0, head.indexOf('Len') + 3));
    const good = lines.find((l) => l.includes('😀/x'));
    const bad = lines.find((l) => l.includes('😀/#'));
    expect(good, screen).toBeDefined();
    expect(bad, screen).toBeDefined();
    // Topic length field 2, topic 13 (cafe 4, U+0301 2, / 1, 😀 4, /x 2), payload 1: Remaining Length 16.
    for (const row of [good!, bad!]) {
      const at = row.lastIndexOf('16');
      expect(at, screen).toBeGreaterThan(0);
      expect(cols(row.slice(0, at + 2)), screen).toBe(lenEnd);
    }
    expect(bad!.trimEnd().endsWith('16 !'), screen).toBe(true);
    const client = lines.find((l) => l.includes('CONNECT'))!;
    expect(cols(client.trimEnd()), screen).toBe(lenEnd);
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
