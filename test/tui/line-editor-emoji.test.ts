// The filter and path prompt with characters past U+FFFF (an emoji topic is two
// UTF-16 units): the cursor steps over the whole character and Backspace / Delete
// remove all of it. Before, one Backspace left half an emoji (a lone surrogate) in
// the filter and the prompt drew the cursor around half of it.
import { describe, expect, it } from 'vitest';
import { LineEditor } from '../../src/views/tui/widgets/line-editor.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('line-editor-emoji');

const k = (name: string) => ({ name });

describe('line editor and emoji', () => {
  it('Backspace removes a whole emoji', () => {
    const e = new LineEditor('filter', 'a😀');
    e.key(undefined, k('backspace'));
    expect(e.value).toBe('a');
    expect(e.cursor).toBe(1);
  });

  it('Left and Right step over an emoji; Delete removes it whole', () => {
    const e = new LineEditor('filter', '😀b');
    e.key(undefined, k('left'));
    expect(e.cursor).toBe(2);
    e.key(undefined, k('left'));
    expect(e.cursor).toBe(0);
    e.key(undefined, k('right'));
    expect(e.cursor).toBe(2);
    e.key(undefined, k('home'));
    e.key(undefined, k('delete'));
    expect(e.value).toBe('b');
  });

  it('keeps plain text editing as it was', () => {
    const e = new LineEditor('filter', 'abc');
    e.key(undefined, k('left'));
    e.key(undefined, k('backspace'));
    expect(e.value).toBe('ac');
    expect(e.cursor).toBe(1);
    e.key('X', { name: 'x' });
    expect(e.value).toBe('aXc');
  });

  it('draws the cursor on a whole emoji in the prompt (tmux)', async () => {
    const s = suite.open(80, 24);
    await s.waitText('FILE (end)');
    s.send('/');
    await s.waitText('Filter:');
    s.send('C-u');
    s.send('topic == "😀x"', true);
    await s.waitText('Filter: topic == "😀x"');
    s.send('Left');
    s.send('Left');
    s.send('Left');
    // The cursor (reverse video) is on the emoji, drawn whole.
    await s.waitFor(() => /\x1b\[7m😀/.test(s.capture(true)), 'cursor on the emoji', 5000);
    s.send('Right');
    s.send('BSpace');
    await s.waitText('Filter: topic == "x"');
    await s.sendEscape();
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
