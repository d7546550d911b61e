// The hex pane's title names the selected field with its parent: a Remaining Length
// byte was titled `byte 2` and a property's value `Value`, which do not say what
// they belong to when the tree row is scrolled away.
import { describe, expect, it } from 'vitest';
import { TreeModel } from '../../src/views/tui/tree-model.js';
import { conn, real } from '../filter/records.js';

function publish(payloadBytes: number): Uint8Array {
  const topic = Buffer.from('a/b');
  return Buffer.concat([
    Buffer.from([0x30]), // PUBLISH, DUP 0, QoS 0, RETAIN 0
    Buffer.from([0x85, 0x01]), // Remaining Length 133 in two bytes: 5 + 1 × 128
    Buffer.from([0x00, topic.length]), // Topic Name length
    topic, // Topic Name
    Buffer.alloc(payloadBytes, 0x41), // payload: 133 - 5 bytes of 'A'
  ]);
}

describe('hex pane title', () => {
  const rec = real(publish(128), { frame: 1, time: 0, conn: conn(50001) });
  const t = new TreeModel();
  t.load(rec.tree().fields, [], rec.bytes);

  it('names a Remaining Length byte with its field', () => {
    t.selectByte(2);
    expect(t.selectedTitle()).toBe('Remaining Length › byte 2');
  });

  it('names a top-level field alone', () => {
    t.selectByte(5);
    expect(t.selectedTitle()).toBe('Topic');
  });
});
