// The hex pane's title names the byte under the byte cursor when the hex pane has the
// focus: inside a long field (a topic, a payload) the title gave only the field's range,
// so a student stepping through `Room1/Light` could not read which byte the cursor was on,
// nor its value, without counting columns in the dump.
import { describe, expect, it } from 'vitest';
import { hexTitle } from '../../src/views/tui/hex-model.js';
import { smallPublishTree } from './fixture.js';
import { demoCaptureSuite, type DemoSuite } from './suite.js';
import type { TmuxSession } from './tmux.js';

/** The TUI on the demo capture with packet 7 (the seed PUBLISH) selected and the hex pane focused. */
async function hexPaneOnPacket7(suite: DemoSuite): Promise<TmuxSession> {
  const s = suite.open(80, 24);
  await s.waitText('FILE (end)');
  for (let i = 0; i < 6; i++) s.send('Down');
  await s.waitText('Packet 7 (frame');
  s.send('Tab');
  s.send('Tab');
  await s.waitFor((x) => /Bytes 0–0 of 22 \(1\): Header Flags/.test(x), 'Header Flags');
  return s;
}

describe('hex pane title with the byte under the cursor', () => {
  const { t } = smallPublishTree(50003);

  it('gives the cursor byte, its place in the field, hex, binary and character', () => {
    t.selectByte(5);
    expect(hexTitle(t.selectedField(), t.selectedTitle(), 8, { offset: 5, value: 0x2f }))
      .toBe("Bytes 4–6 of 8 (3): Topic — cursor 5 (2nd of 3) = 0x2f 0010 1111 '/'");
  });

  it('says nothing more for a one-byte field under the cursor, and ** for a secret', () => {
    t.selectByte(1);
    expect(hexTitle(t.selectedField(), t.selectedTitle(), 8, { offset: 1, value: 0x06 })).toBe('Bytes 1–1 of 8 (1): Remaining Length › byte 1');
    expect(hexTitle({ offset: 4, length: 3, label: 'Password' }, undefined, 8, { offset: 6, value: 0x62, masked: true }))
      .toBe('Bytes 4–6 of 8 (3): Password — cursor 6 (3rd of 3) = **');
  });

  it('drops the binary, then the parent name, before the ellipsis would cut the cursor', () => {
    const f = { offset: 10, length: 20, label: 'Value' };
    const full = hexTitle(f, 'Correlation Data › Value', 40, { offset: 12, value: 0x00 });
    expect(full).toBe('Bytes 10–29 of 40 (20): Correlation Data › Value — cursor 12 (3rd of 20) = 0x00 0000 0000');
    expect(hexTitle(f, 'Correlation Data › Value', 40, { offset: 12, value: 0x00 }, full.length - 1))
      .toBe('Bytes 10–29 of 40 (20): Correlation Data › Value — cursor 12 (3rd of 20) = 0x00');
    expect(hexTitle(f, 'Correlation Data › Value', 40, { offset: 12, value: 0x00 }, 60))
      .toBe('Bytes 10–29 of 40 (20): Value — cursor 12 (3rd of 20) = 0x00');
  });
});

describe('hex pane title in the real TUI (tmux)', () => {
  const suite = demoCaptureSuite('hex-title-cursor');

  it('shows the byte under the cursor while the hex pane has the focus', async () => {
    const s = await hexPaneOnPacket7(suite);
    for (let i = 0; i < 5; i++) s.send('Right');
    // `30 14 00 0b Room1/Light…`: byte 5 is the topic's second character.
    const screen = await s.waitText("Bytes 4–14 of 22 (11): Topic — cursor 5 (2nd of 11) = 0x6f 0110 1111 'o'");
    expect(screen).toContain('0000  30 14 00 0b');
    s.send('q');
  }, 30_000);
});

describe('hex cursor after a change of packet (tmux)', () => {
  const suite = demoCaptureSuite('hex-cursor-sync');

  it('Tab into the hex pane puts the cursor on the selected field, not on an offset of the previous packet', async () => {
    const s = await hexPaneOnPacket7(suite);
    for (let i = 0; i < 10; i++) s.send('Right');
    await s.waitText('Bytes 4–14 of 22 (11): Topic — cursor 10 (7th of 11)');
    await s.sendEscape();
    // Packet 10 is the PUBACK (4 bytes): no Topic, so the tree selects the Header Flags.
    for (let i = 0; i < 3; i++) s.send('Down');
    await s.waitText('Packet 10 (frame');
    s.send('Tab');
    s.send('Tab');
    const screen = await s.waitFor((x) => /Bytes 0–0 of 4 \(1\): Header Flags/.test(x) && x.includes('0000  40 02 00 07'), 'the PUBACK in the hex pane');
    expect(screen).not.toContain('cursor 3');
    s.send('Right');
    await s.waitText('Bytes 1–1 of 4 (1): Remaining Length');
    s.send('q');
  }, 30_000);
});
