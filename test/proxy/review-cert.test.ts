// `mqttscope cert` names its files as a user would type them: relative below the
// working directory, absolute elsewhere (not ../../tmp/...), in its output and errors.
// When openssl fails, it says why (openssl's own error line), and leaves no half set.
import { chmod, mkdir, mkdtemp, readdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCerts } from '../../src/proxy/cert.js';
import { requireBinary } from '../helpers/peers.js';
import { cli, ROOT } from './cli-run.js';

describe('mqttscope cert: paths in its output', () => {
  it('an --out outside the working directory is printed absolute, ready to paste', async () => {
    requireBinary('openssl');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certpath-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const c = cli(['cert', '--out', dir], ROOT);
    expect(await c.exited).toBe(0);
    expect(c.out()).toContain(`CA certificate:     ${join(dir, 'ca.crt')}`);
    expect(c.out()).toContain(`--tls-cert ${join(dir, 'server.crt')} --tls-key ${join(dir, 'server.key')}`);
    expect(c.out()).not.toContain('../');
  });

  it('an --out below the working directory stays relative', async () => {
    requireBinary('openssl');
    const cwd = await mkdtemp(join(tmpdir(), 'mqttscope-certcwd-'));
    onTestFinished(() => rm(cwd, { recursive: true, force: true }));
    const c = cli(['cert', '--out', 'sub/certs'], cwd);
    expect(await c.exited).toBe(0);
    expect(c.out()).toContain('--cafile sub/certs/ca.crt');
  });

  it('an --out that is a file is named as given, not relative to the working directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certfile-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'plain');
    await writeFile(file, 'x');
    const c = cli(['cert', '--out', file], ROOT);
    expect(await c.exited).toBe(2);
    expect(c.err()).toContain(`--out ${file}: ${file} is a file, not a directory`);
  });
});

describe('mqttscope cert: when openssl cannot make the certificates', () => {
  it('--days past the year 9999 is a usage error (openssl fails there without a message)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certdays-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const c = cli(['cert', '--out', join(dir, 'certs'), '--days', '3000000'], ROOT);
    expect(await c.exited).toBe(2);
    expect(c.err()).toMatch(/--days: 3000000 days ends after the year 9999, the last date a certificate can hold; at most \d+/);
  });

  it('an openssl error is given in its own words, and the files of the failed run are removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-certfail-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const bin = join(dir, 'bin');
    await mkdir(bin);
    // A stand-in openssl: writes the -keyout file, prints progress dots and an error line, exits 1.
    const fake = join(bin, 'openssl');
    await writeFile(fake, [
      '#!/bin/sh',
      'while [ $# -gt 0 ]; do if [ "$1" = "-keyout" ]; then : > "$2"; fi; shift; done',
      'echo "....+++++*" >&2',
      'echo "40A7:error:0300008F:bad things happened:../crypto/x.c:1:" >&2',
      'exit 1',
      '',
    ].join('\n'));
    await chmod(fake, 0o755);
    const out = join(dir, 'certs');
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path ?? ''}`;
    try {
      await expect(generateCerts(out)).rejects.toThrow(/^40A7:error:0300008F:bad things happened/);
    } finally {
      process.env['PATH'] = path;
    }
    expect(await readdir(out)).toEqual([]);
  });
});

