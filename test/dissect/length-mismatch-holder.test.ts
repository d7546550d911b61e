// A Remaining Length larger than the bytes given is noted on the Remaining
// Length, the field the note is about, and not on whatever field comes first
// after the fixed header (it used to sit under "Protocol Name Length" or
// "Packet Identifier"). One comment per field.
import { describe, expect, it } from 'vitest';
import { dissect } from '../../src/dissect/index.js';
import { renderTree } from '../../src/views/tree.js';
import { decodeBoth, hex, holder } from './helpers.js';

describe('remaining-length-mismatch sits on the Remaining Length', () => {
  it('SUBSCRIBE one byte short: on the length byte, not the Packet Identifier', () => {
    const { f, notes } = decodeBoth(`
      82 07        # SUBSCRIBE, Remaining Length 7 (only 6 follow)
      00 01        # packet identifier 1
      00 01 61     # topic filter "a"
      01           # requested QoS 1
    `, 4);
    expect(notes.map((n) => `${n.code} ${n.offset}`)).toEqual(['remaining-length-mismatch 1']);
    expect(holder(f, 'remaining-length-mismatch')?.id).toBe('mqtt.len.byte');
  });

  it('the tree prints it under the Remaining Length, with the rest of the packet decoded', () => {
    const b = hex(`
      10 10        # CONNECT, Remaining Length 16 (only 13 follow)
      00 04 4d 51 54 54  # protocol name "MQTT"
      04           # protocol level 4
      02           # connect flags: Clean Session
      00 3c        # keep alive 60 s
      00 01 63     # client id "c"
    `);
    const lines = renderTree(b, dissect(b, { version: 4 })).split('\n');
    const at = lines.findIndex((l) => l.includes('remaining-length-mismatch'));
    expect(lines[at - 1]).toContain('byte 1: 0x10');
    expect(lines.find((l) => l.includes('Protocol Name Length'))).toBeDefined();
    expect(lines[at + 1]).toContain('Protocol Name Length: 4');
  });
});
