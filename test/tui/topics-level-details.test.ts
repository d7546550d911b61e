// The topics view starts on its first row, which is often a level (`Room1/`) rather than
// a topic: its Details area was blank, and Enter opened an empty overlay. A level now
// says what is published under it.
import { describe, expect, it } from 'vitest';
import type { SideData } from '../../src/views/tui/side-model.js';
import { topicsTable } from '../../src/views/tui/side-views.js';

const data: SideData = {
  clients: [],
  flows: [],
  topics: [
    { topic: 'Room1/Light', messages: 2, retained: 'on', lastPayload: 'on' },
    { topic: 'Room1/Temp', messages: 3, retained: null, lastPayload: '21.5' },
    { topic: 'Room2/Light', messages: 1, retained: null, lastPayload: 'off' },
  ],
};

describe('topics view: details of a topic level', () => {
  it('a level row counts the topics, messages and retained values under it', () => {
    const t = topicsTable(data, 100);
    expect(t.rows[0]).toMatch(/^Room1\//);
    expect(t.detail(0, 100)).toEqual(['topic level "Room1/"   2 topics under it, 5 messages published, 1 retained']);
    const room2 = t.rows.findIndex((r) => r.startsWith('Room2/'));
    expect(t.detail(room2, 100)).toEqual(['topic level "Room2/"   1 topic under it, 1 message published, 0 retained']);
  });

  it('a topic row keeps its own details', () => {
    const t = topicsTable(data, 100);
    expect(t.detail(1, 100)[0]).toBe('topic "Room1/Light"   messages published 2');
  });
});
