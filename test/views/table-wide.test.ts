// A long user name, will topic, reason string, client id or frame list is cut in
// the table view (marked with an ellipsis): a column is as wide as its widest cell,
// so one such value used to widen every row of the batch.
import { describe, expect, it } from 'vitest';
import { renderFindingTable, renderPacketTable } from '../../src/views/index.js';
import { ellipsis } from '../../src/views/format.js';
import { finding, gen } from '../filter/records.js';

const widest = (t: string): number => Math.max(...t.split('\n').map((l) => [...l].length));

describe('table view with very long values', () => {
  it('cuts a long user name and will topic in Details', () => {
    const connect = gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'w',
      username: 'U'.repeat(3000), password: Buffer.from('pw'), will: { topic: 'W'.repeat(4000), payload: Buffer.from('x'), qos: 0, retain: false },
    });
    const pub = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('v'), qos: 0 });
    const t = renderPacketTable([connect, pub], { utc: true });
    expect(widest(t)).toBeLessThan(250);
    expect(t).toContain('user=UUUU');
    expect(t).toMatch(/U…/);
  });
  it('cuts a long MQTT 5 reason string', () => {
    const ack = gen({ cmd: 'puback', messageId: 1, reasonCode: 0x87, properties: { reasonString: 'r'.repeat(5000) } }, { version: 5, dir: 's2c' });
    const t = renderPacketTable([ack], { utc: true });
    expect(widest(t)).toBeLessThan(250);
    expect(t).toMatch(/rc=0x87 Not authorized \("r+…/);
  });
  it('cuts a long client id and lists at most 8 frames of a finding', () => {
    const f = finding({ code: 'qos-flow-incomplete', clientId: 'C'.repeat(2000), frames: Array.from({ length: 500 }, (_, i) => i + 1), text: 'incomplete' });
    const t = renderFindingTable([f], { utc: true });
    expect(widest(t)).toBeLessThan(200);
    expect(t).toContain('#1 #2 #3 #4 #5 #6 #7 #8 …');
    expect(t).not.toContain('#9 ');
    expect(t).toMatch(/C…/);
  });
  it('ellipsis never splits a surrogate pair', () => {
    expect(ellipsis('ab😀cd', 4)).toBe('ab…');
    expect(ellipsis('abc😀de', 6)).toBe('abc😀…');
  });
});
