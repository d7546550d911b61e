// The lab hints are printed as they are: the line view puts them under `#`, the TUI
// reflows them in its overlay. Neither renders Markdown, so a backtick in a hint (the
// acl lab quoted `!!`) reached the student as a literal backtick.
import { describe, expect, it } from 'vitest';
import { LABS } from '../../src/lab/index.js';

describe('lab hints are plain text', () => {
  for (const lab of LABS) {
    it(`lab ${lab.name}: no Markdown backticks in the hints`, () => {
      expect(lab.lineHint ?? '').not.toContain('`');
      expect(lab.tuiHint ?? '').not.toContain('`');
    });
  }
  it('lab acl: the line hint says how the finding lines look', () => {
    const hint = LABS.find((l) => l.name === 'acl')!.lineHint!;
    expect(hint).toContain('marked !!');
  });
});
