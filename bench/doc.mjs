// docs/benchmarks.md is written by the benchmarks themselves (--write-doc):
// each owns one `## ` section, replaced in place (or added at the end).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Put `section` (its first line is its `## ` heading) into docs/benchmarks.md; returns the file's path. */
export function writeDocSection(section) {
  const url = new URL('../docs/benchmarks.md', import.meta.url);
  const heading = section.slice(0, section.indexOf('\n'));
  const body = section.trimEnd() + '\n';
  let doc = existsSync(url) ? readFileSync(url, 'utf8') : '# Benchmarks\n\n';
  const start = doc.indexOf(heading + '\n');
  if (start < 0) {
    doc = doc.trimEnd() + '\n\n' + body;
  } else {
    const next = doc.indexOf('\n## ', start + heading.length);
    doc = doc.slice(0, start) + body + (next < 0 ? '' : doc.slice(next));
  }
  writeFileSync(url, doc.trimEnd() + '\n');
  return fileURLToPath(url);
}
