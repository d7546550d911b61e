// What a lab tells the student must be visible in the view they have. The line view
// (no terminal, or --format line) prints the explanation and the lineHint; it has no
// tree to open, no keys and no ".1r" Flags column: it writes flags as "d0 q1 r1".
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LABS, runLab } from '../../src/lab/index.js';

/** Words that only make sense in the TUI: its keys, its tree, its dqr (Flags) column and notation. */
const TUI_ONLY = /\bdqr\b|\bTab\b|\b[Ss]elect (it|a|each|the)\b|\b[Pp]ress \d|[Ff]lags column|(^|\s)\.[012][.r](\s|\)|$)|\b[Oo]pen (its|Header|Connect|"Remaining)|→ Connect Flags/m;

describe('lab explanations fit the view they are shown in', () => {
  for (const lab of LABS) {
    it(`lab ${lab.name}: the line view text names no TUI key, tree node or TUI flags notation`, () => {
      const line = `${lab.explanation}\n\n${lab.lineHint ?? ''}`;
      expect(line).not.toMatch(TUI_ONLY);
    });
  }
  it('the TUI hints keep what was moved out of the shared explanation', () => {
    const hint = (n: string): string => LABS.find((l) => l.name === n)!.tuiHint ?? '';
    expect(hint('qos')).toMatch(/open Header Flags/);
    expect(hint('retained')).toMatch(/\.1r/);
    expect(hint('remaining-length')).toMatch(/Tab to the tree/);
  });
});

function collect(): { out: Writable; text: () => string } {
  let s = '';
  const out = new Writable({ write(chunk, _e, cb) { s += String(chunk); cb(); } });
  return { out, text: () => s };
}

describe('lab retained: what it says about RETAIN matches the wire', () => {
  it('the store delivers with RETAIN=1, the live delivery of the empty publish has RETAIN=0 [MQTT-3.3.1-9]', async () => {
    const lab = LABS.find((l) => l.name === 'retained')!;
    const c = collect();
    await runLab(lab, { fast: true, out: c.out });
    const text = c.text();
    expect(lab.explanation).toMatch(/RETAIN=0[\s\S]*\[MQTT-3\.3\.1-9\]/);
    expect(text).toMatch(/late-app\s+← PUBLISH\s+d0 q1 r1\s.*"open"/);
    expect(text).toMatch(/late-app\s+← PUBLISH\s+d0 q1 r0\s.*payload=0/);
    expect(text).toContain('d0 q1 r1'); // the notation the lineHint quotes
  }, 30_000);
});
