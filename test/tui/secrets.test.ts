// The TUI's packet detail tree and hex pane mask what the other views mask, the
// way app.ts builds them: the tree model holds maskSecrets(tree) and the hex pane
// masks secretRanges() of that masked copy (no packet bytes needed).
import { describe, expect, it } from 'vitest';
import { dissect, maskSecrets, secretRanges } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { hexLines } from '../../src/views/tui/hex-model.js';
import { rowText, TreeModel } from '../../src/views/tui/tree-model.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** What the TUI draws for a packet: every tree row (all expanded) and every hex line. */
function panes(b: Uint8Array, version: ProtocolVersion, showSecrets: boolean): string {
  const t = dissect(b, { version });
  const tree = new TreeModel();
  tree.load(showSecrets ? t.fields : maskSecrets(t.fields), t.notes, b);
  tree.expandAll(true);
  const rows = tree.rows().map((r) => rowText(r, tree.bytes));
  const masked = showSecrets ? [] : secretRanges(tree.fields);
  // Strip blessed tags; keep the hex and ASCII columns.
  const lines = hexLines(b, { width: 80, masked }).map((l) => l.replace(/\{[^}]*\}/g, ''));
  return [...rows, ...lines].join('\n');
}

// MQTT 5 CONNECT: Authentication Method "SCRAM-SHA-1", Authentication Data "TOPSECRETNONCE".
const AUTH = '10 2f 00 04 4d 51 54 54 05 02 00 3c 1f 15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31 16 00 0e 54 4f 50 53 45 43 52 45 54 4e 4f 4e 43 45 00 03 63 69 64';
// The CONNECT of suricata-verify mqtt5-excessiveproplen: the password "pass" in an undecoded property block.
const EXCESSIVE = '102f00044d51545405c2003cff21001400136d79766f69636569736d7970617373706f7274000475736572000470617373';
// 3.1.1 CONNECT with Password Flag 0 and a password "hunter2pw" after the user name.
const STRAY = '10 20 00 04 4d 51 54 54 04 82 00 3c 00 03 63 69 64 00 04 75 73 65 72 00 09 68 75 6e 74 65 72 32 70 77';
// 3.1.1 CONNECT, user "user", password "hunter2pw".
const PASSWORD = '10 22 00 04 4d 51 54 54 04 c2 00 3c 00 03 63 69 64 00 04 75 73 65 72 00 09 68 75 6e 74 65 72 32 70 77';

describe('TUI packet detail and hex pane', () => {
  const cases: Array<[string, string, ProtocolVersion, string[]]> = [
    ['password', PASSWORD, 4, ['hunter2pw', '68 75 6e 74 65 72', 'hunter2']],
    ['Authentication Data', AUTH, 5, ['TOPSECRET', '54 4f 50 53 45', '544f505345']],
    ['password in an undecoded property block', EXCESSIVE, 5, ['70 61 73 73', '70617373', 'pass', 'myvoice']],
    ['password sent without its flag', STRAY, 4, ['hunter2', '68 75 6e 74 65 72', '68756e746572']],
  ];
  for (const [name, h, v, secrets] of cases) {
    it(`masks the ${name} unless --show-secrets`, () => {
      const b = hex(h);
      const masked = panes(b, v, false);
      // 'pass' would also match 'Password Flag': look at the hex lines and values only.
      const checked = masked.split('\n').filter((l) => !/Password Flag|Password Length/.test(l)).join('\n');
      for (const s of secrets) expect(checked, s).not.toContain(s);
      expect(masked).toContain('**');
      const shown = panes(b, v, true);
      expect(shown).not.toContain('**');
      expect(secrets.some((x) => shown.includes(x)), shown).toBe(true);
    });
  }

  it('the ranges from the masked copy are those of the tree', () => {
    for (const [h, v] of [[AUTH, 5], [EXCESSIVE, 5], [STRAY, 4], [PASSWORD, 4]] as const) {
      const b = hex(h);
      const t = dissect(b, { version: v });
      expect(secretRanges(maskSecrets(t.fields))).toEqual(secretRanges(t.fields, b));
    }
  });
});
