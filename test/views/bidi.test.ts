// Bidirectional formatting characters from the network (U+202E RIGHT-TO-LEFT
// OVERRIDE and kin) are escaped like control characters: in a terminal that lays
// out bidirectional text they would show the rest of a line reversed.
import { describe, expect, it } from 'vitest';
import { payloadPreview, printable } from '../../src/views/format.js';
import { formatPacketLine } from '../../src/views/line.js';
import { printable as tuiPrintable } from '../../src/views/tui/text.js';
import { gen } from '../filter/records.js';

const BIDI = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

describe('bidirectional formatting characters', () => {
  it('printable escapes each as \\uHHHH and keeps other text', () => {
    for (const c of BIDI) expect(printable(`a${c}b`)).toBe(`a\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}b`);
    expect(printable('a/\u202enimda')).toBe('a/\\u202enimda');
    // Letters of right-to-left scripts are not formatting characters.
    expect(printable('بيت/שלום')).toBe('بيت/שלום');
    expect(printable('a\u001bb')).toBe('a\\x1bb');
  });
  it('the line view escapes them in the topic and client id and never quotes them in a payload', () => {
    const rec = gen({ cmd: 'publish', topic: 'a/\u202enimda', payload: Buffer.from('x\u2066y'), qos: 0 }, { clientId: 'c\u200f' });
    const line = formatPacketLine(rec, { utc: true });
    expect(line).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(line).toContain('a/\\u202enimda');
    expect(line).toContain('c\\u200f');
    expect(payloadPreview(Buffer.from('x\u2066y'))).toBe('0x78e281a679');
  });
  it('the TUI replaces them as it does control characters', () => {
    expect(tuiPrintable('a/\u202enimda\u2069')).toBe('a/·nimda·');
  });
});
