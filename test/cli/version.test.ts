// `mqttscope --version` prints the package version; before, it was taken as an
// option of the default command and failed with "mqttscope up: unknown option --version".
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mqttscope, ROOT } from '../read/run.js';

describe('mqttscope --version', () => {
  it('prints mqttscope and the package.json version, exit 0', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = mqttscope(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`mqttscope ${pkg.version}\n`);
    expect(r.stderr).toBe('');
  });
  it('the top --help says where the version is', () => {
    expect(mqttscope(['--help']).stdout).toContain("'mqttscope --version'");
  });
});
