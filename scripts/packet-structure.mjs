// Keeps docs/packet-structure.md honest: every fenced block that starts with
// `$ mqttscope ...` holds exactly what that command prints today.
//   node scripts/packet-structure.mjs           rewrite the outputs in place
//   node scripts/packet-structure.mjs --check   exit 1 and name every block that differs
// Needs `npx tsc -p .` first (it runs bin/mqttscope).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs/packet-structure.md');
const BIN = join(ROOT, 'bin/mqttscope');
const check = process.argv.includes('--check');

/** Words of a command line; the doc only uses plain words (no quoting). */
function words(line) {
  return line.trim().split(/\s+/);
}

function run(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  if (r.error) throw r.error;
  // A decode with protocol notes exits non-zero on purpose; what it printed is the output.
  return (r.stdout + (r.stderr ? r.stderr : '')).replace(/\s+$/, '');
}

const doc = readFileSync(DOC, 'utf8');
const fence = /^```\n(\$ mqttscope [^\n]*)\n([\s\S]*?)^```$/gm;
let blocks = 0;
const stale = [];
const out = doc.replace(fence, (whole, cmdLine, body) => {
  blocks++;
  const args = words(cmdLine.slice(2)).slice(1);
  const now = run(args);
  if (now !== body.replace(/\s+$/, '')) stale.push(cmdLine.length > 90 ? `${cmdLine.slice(0, 90)}…` : cmdLine);
  return '```\n' + cmdLine + '\n' + now + '\n```';
});

if (check) {
  console.log(`${blocks} command blocks in docs/packet-structure.md, ${stale.length} out of date`);
  for (const s of stale) console.log(`  out of date: ${s}`);
  process.exitCode = stale.length > 0 || blocks === 0 ? 1 : 0;
} else {
  writeFileSync(DOC, out);
  console.log(`${blocks} command blocks in docs/packet-structure.md, ${stale.length} rewritten`);
}
