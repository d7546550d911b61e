// `mqttscope cert` names its files as a user would type them: relative below the
// working directory, absolute elsewhere (not ../../tmp/...), in its output and errors.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/peers.js';
import { cli, ROOT } from './cli-run.js';

describe('mqttscope cert: paths in its output', () => {
  it('an --out outside the working directory is printed absolute, ready to paste', async () => {
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certpath-'));
    const c = cli(['cert', '--out', dir], ROOT);
    expect(await c.exited).toBe(0);
    expect(c.out()).toContain(`CA certificate:     ${join(dir, 'ca.crt')}`);
    expect(c.out()).toContain(`--tls-cert ${join(dir, 'server.crt')} --tls-key ${join(dir, 'server.key')}`);
    expect(c.out()).not.toContain('../');
  });

  it('an --out below the working directory stays relative', async () => {
    requireBinary('openssl');
    const cwd = await mkdtemp(join(tmpdir(), 'mqttscope-certcwd-'));
    const c = cli(['cert', '--out', 'sub/certs'], cwd);
    expect(await c.exited).toBe(0);
    expect(c.out()).toContain('--cafile sub/certs/ca.crt');
  });

  it('an --out that is a file is named as given, not relative to the working directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certfile-'));
    const file = join(dir, 'plain');
    await writeFile(file, 'x');
    const c = cli(['cert', '--out', file], ROOT);
    expect(await c.exited).toBe(2);
    expect(c.err()).toContain(`--out ${file}: ${file} is a file, not a directory`);
  });
});
