// A field-tree row in the TUI never carries a C1 control or a bidirectional
// formatting character from the packet: the dissector's display escapes C0
// controls only, so U+009B (a one-byte CSI) and U+202E reached the terminal.
import { describe, expect, it } from 'vitest';
import { dissect } from '../../src/dissect/index.js';
import { rowText, TreeModel } from '../../src/views/tui/tree-model.js';

describe('TUI field-tree rows and terminal controls', () => {
  it('replaces C1 and bidi characters of a topic', () => {
    const topic = Buffer.from('a\u009b2J/\u202enimda');
    const bytes = Buffer.concat([
      Buffer.from([0x30, 2 + topic.length + 1]), // PUBLISH QoS 0, Remaining Length
      Buffer.from([0x00, topic.length]), // Topic Name length
      topic, // Topic Name
      Buffer.from('x'), // payload
    ]);
    const tree = new TreeModel();
    const d = dissect(bytes, { version: 4 });
    tree.load(d.fields, d.notes, bytes);
    const rows = tree.rows().map((r) => rowText(r, bytes));
    const topicRow = rows.find((r) => r.includes('Topic:'));
    expect(topicRow).toBeDefined();
    expect(topicRow).not.toMatch(/[\u0080-\u009f\u202e]/);
    expect(topicRow).toContain('nimda');
  });
});
