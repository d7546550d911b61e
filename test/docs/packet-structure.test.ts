// docs/packet-structure.md says every example is real `mqttscope decode` output.
// This holds it to that: each `$ mqttscope …` block must equal what the command
// prints now (regenerate with `node scripts/packet-structure.mjs`).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('docs/packet-structure.md', () => {
  it('every command block is the current output of its command', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/packet-structure.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^2\d command blocks in docs\/packet-structure\.md, 0 out of date/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 60_000);
});
