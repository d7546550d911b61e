// Past the 10,000 findings the TUI keeps, the title bar and the findings view went on
// saying 10000 findings however many more the analysis reported: the count is the total,
// with how many older ones are not kept.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { TuiApp } from '../../src/views/tui/app.js';
import { findingsTable } from '../../src/views/tui/side-views.js';

function finding(i: number): Finding {
  return { kind: 'finding', code: 'qos-flow-incomplete', severity: 'warn', time: i, conn: `c${i}`, clientId: `c${i}`, username: null, frames: [], topic: null, text: `f${i}`, extra: {} };
}

/** A terminal of 120x40 that swallows what blessed writes. */
function fakeTerminal(): { input: PassThrough; output: Writable } {
  const input = new PassThrough();
  const output = new Writable({ write: (_c, _e, cb) => cb() });
  Object.assign(output, { isTTY: true, columns: 120, rows: 40 });
  Object.assign(input, { isTTY: true, setRawMode: () => input });
  return { input, output };
}

describe('findings counted past the kept 10,000', () => {
  it('the findings view title gives the total and how many are not kept', () => {
    const fs = [finding(1), finding(2)];
    expect(findingsTable(fs, 120).title).toContain('Findings (2)');
    expect(findingsTable(fs, 120, 5).title).toContain('Findings (7, the 5 oldest not kept)');
  });

  it('the title bar counts every finding, not the 10,000 kept', () => {
    const { input, output } = fakeTerminal();
    const app = new TuiApp({ live: true, input, output });
    try {
      for (let i = 0; i < 10_005; i++) app.record(finding(i));
      (app as unknown as { renderNow(): void }).renderNow();
      const title = (app as unknown as { boxes: Record<string, { getContent(): string }> }).boxes.title!.getContent();
      expect(title).toContain('10005 findings (5 older not kept)');
    } finally {
      app.destroy();
    }
  });
});
