// docs/user-guide.md shows the TUI over captures/acl.pcap as tmux captured it. The TUI
// changed under it (the packet list numbers rows by capture frame, the key bar names the
// views by their digits, the findings list has a header and quotes the finding text):
// these checks compare the example with what the same code gives, without a terminal.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import { GLOBAL_KEYS } from '../../src/views/tui/keymap.js';
import { helpBar } from '../../src/views/tui/widgets/help-bar.js';
import { mqttscope } from '../read/run.js';

const ROOT = resolve(import.meta.dirname, '../..');
const guide = readFileSync(join(ROOT, 'docs', 'user-guide.md'), 'utf8');
const CMD = '$ mqttscope read captures/acl.pcap --acl captures/acl.acl --format tui\n';

/** The example: the two fenced blocks from the TUI command on. */
function example(): string[] {
  const at = guide.indexOf(CMD);
  expect(at).toBeGreaterThan(0);
  const blocks = [...guide.slice(at).matchAll(/([\s\S]*?)```\n/g)].map((m) => m[1]!);
  // blocks[0] is the first block's text, blocks[1] the text between them, blocks[2] the second.
  return [blocks[0]!, blocks[2]!];
}

interface Rec { kind: string; frame?: number; code?: string; text?: string; frames?: number[] }

function records(): Rec[] {
  const r = mqttscope(['read', 'captures/acl.pcap', '--acl', 'captures/acl.acl', '--format', 'json']);
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec);
}

describe('docs/user-guide.md: the TUI example over captures/acl.pcap', () => {
  it('shows the key bar the TUI draws at 110 columns', () => {
    const bar = blessed.stripTags(helpBar(GLOBAL_KEYS, 110));
    const shown = example().join('').split('\n').filter((l) => l.startsWith('? keys'));
    expect(shown).toEqual([bar, bar]);
  });

  it('numbers the packet list rows by capture frame, as the json view does', () => {
    const rows = example()[0]!.split('\n').filter((l) => /^ +\d+ +\d+\.\d{3} /.test(l));
    expect(rows.length).toBe(7);
    const frames = records().filter((r) => r.kind === 'packet').slice(0, 7).map((r) => r.frame);
    expect(rows.map((l) => Number(l.trim().split(/ +/)[0]))).toEqual(frames);
  });

  it('lists each finding with the start of its text', () => {
    const rows = example()[1]!.split('\n').filter((l) => /^(error|warn|info) {2}/.test(l));
    const found = records().filter((r) => r.kind === 'finding');
    expect(rows.length).toBe(found.length);
    rows.forEach((row, i) => {
      const [, code, , frames, text] = /^\S+ +(\S+) +(\S+) +(\S+) +(.*)…$/.exec(row)!;
      expect(code).toBe(found[i]!.code);
      expect(frames).toBe(found[i]!.frames!.join(','));
      expect(found[i]!.text!.startsWith(text!)).toBe(true);
    });
  });
});
