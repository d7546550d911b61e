// The overlays' text: the lab explanations are written with hard line breaks at
// about 90 columns; the TUI reflows them into paragraphs and wraps them to the
// overlay's width (76 inside the border on an 80-column terminal), so no word is
// cut off at the border, list items keep their hanging indent and tables stay.
import { describe, expect, it } from 'vitest';
import { LABS } from '../../src/lab/index.js';
import { reflow, wrapLine } from '../../src/views/tui/widgets/help-bar.js';

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

describe('lab explanation in the h overlay', () => {
  for (const lab of LABS) {
    it(`${lab.name}: every word, in order, within 76 columns`, () => {
      const text = lab.tuiHint ? `${lab.explanation}\n\n${lab.tuiHint}` : lab.explanation;
      const lines = reflow(text).flatMap((l) => wrapLine(l.text, 76, l.indent));
      for (const l of lines) expect(Array.from(l).length, l).toBeLessThanOrEqual(76);
      expect(words(lines.join('\n'))).toEqual(words(text));
    });
  }

  it('joins hard-wrapped prose and list continuations, keeps tables and blank lines', () => {
    const text = [
      'A first sentence that goes on',
      'and on.',
      '',
      '1. an item',
      '   continued under its text.',
      '2. another',
      '',
      'Table:',
      '    a  → 1',
      '    bb → 2',
    ].join('\n');
    expect(reflow(text)).toEqual([
      { text: 'A first sentence that goes on and on.', indent: 0 },
      { text: '', indent: 0 },
      { text: '1. an item continued under its text.', indent: 3 },
      { text: '2. another', indent: 3 },
      { text: '', indent: 0 },
      { text: 'Table:', indent: 0 },
      { text: '    a  → 1', indent: 4 },
      { text: '    bb → 2', indent: 4 },
    ]);
  });

  it('wraps at spaces with a hanging indent, and cuts a word longer than the line', () => {
    expect(wrapLine('1. one two three four', 10, 3)).toEqual(['1. one two', '   three', '   four']);
    expect(wrapLine('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrapLine('', 5)).toEqual(['']);
  });
});
