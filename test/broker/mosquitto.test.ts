import { afterAll, describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import mqtt from 'mqtt';
import { MosquittoError } from '../../src/broker/index.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { requireBinary } from '../helpers/peers.js';

function connectCode(port: number, username: string, password: string): Promise<number> {
  return new Promise((resolve) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, username, password, reconnectPeriod: 0, protocolVersion: 4 });
    c.once('connect', () => { c.end(true); resolve(0); });
    c.once('error', (e) => { c.end(true); resolve((e as { code?: number }).code ?? -1); });
  });
}

/** The source files' directories, removed when the file's tests end. */
const dirs: string[] = [];
const sourceDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'mqttscope-mosq-')); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('startMosquitto', () => {
  it('accepts a password file mixing $7$ hashes and plain text (hashed with mosquitto_passwd -U)', async () => {
    const dir = sourceDir();
    const file = join(dir, 'passwd');
    execFileSync(requireBinary('mosquitto_passwd'), ['-c', '-b', file, 'hashed', 'h-pass']);
    writeFileSync(file, readFileSync(file, 'utf8') + 'plain:p-pass\n');
    const m = await startTestMosquitto({ passwdFile: file });
    try {
      expect(await connectCode(m.port, 'hashed', 'h-pass')).toBe(0);
      expect(await connectCode(m.port, 'plain', 'p-pass')).toBe(0);
      expect(await connectCode(m.port, 'plain', 'nope')).toBe(5);
      const generated = readFileSync(join(dirname(m.configPath), 'passwd'), 'utf8');
      expect(generated).toMatch(/^plain:\$7\$/m);
    } finally {
      await m.close();
    }
    expect(existsSync(m.configPath)).toBe(false);
  });

  it("reports mosquitto's own error when it cannot start", async () => {
    const dir = sourceDir();
    const acl = join(dir, 'acl');
    writeFileSync(acl, 'toppic read x\n');
    const err = await startTestMosquitto({ aclFile: acl }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(MosquittoError);
    expect((err as Error).message).toContain('Invalid line in acl_file');
  });
});
