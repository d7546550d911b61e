// Runs every bench/*.bench.mjs in sequence (npm run bench). Arguments are passed on.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.mjs')).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, [join(dir, f), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`${f} exited with ${r.status ?? r.signal}`); }
}
process.exitCode = failed ? 1 : 0;
