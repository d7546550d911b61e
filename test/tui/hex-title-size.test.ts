// The hex pane's title places the selected field in the packet: its first and last
// byte offsets and the packet's size (`Bytes 5–7 of 8 (3): Topic`). Without the size
// the user could not tell from the title where a field sits in a long packet.
import { describe, expect, it } from 'vitest';
import { hexTitle } from '../../src/views/tui/hex-model.js';
import { smallPublishTree } from './fixture.js';

describe('hex pane title with offsets and packet size', () => {
  const { rec, t } = smallPublishTree(50002);

  it('gives the first and last byte of the field and the packet size', () => {
    t.selectByte(5);
    expect(hexTitle(t.selectedField(), t.selectedTitle(), rec.bytes.length)).toBe('Bytes 4–6 of 8 (3): Topic');
  });

  it('gives the size for a one-byte sub-field too', () => {
    t.selectByte(1);
    expect(hexTitle(t.selectedField(), t.selectedTitle(), rec.bytes.length)).toBe('Bytes 1–1 of 8 (1): Remaining Length › byte 1');
  });

  it('says where an empty field is, and the size when nothing is selected', () => {
    expect(hexTitle({ offset: 8, length: 0, label: 'Payload' }, undefined, 8)).toBe('Bytes: Payload is empty (0 bytes at offset 8 of 8)');
    expect(hexTitle(undefined, undefined, 8)).toBe('Bytes (8)');
    expect(hexTitle(undefined, undefined, 0)).toBe('Bytes');
  });
});
