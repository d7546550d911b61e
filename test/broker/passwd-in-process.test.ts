// startMosquitto hashes plain-text password_file lines itself: no clear-text copy of
// the file is written to disk or handed to mosquitto_passwd, and the real mosquitto
// accepts the $7$ lines it writes.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { hashMosquittoPassword, startMosquitto } from '../../src/broker/mosquitto.js';
import { requireBinary } from '../helpers/peers.js';

function connectCode(port: number, username: string, password: string): Promise<number> {
  return new Promise((resolve) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, username, password, reconnectPeriod: 0, protocolVersion: 4 });
    c.once('connect', () => { c.end(true); resolve(0); });
    c.once('error', (e) => { c.end(true); resolve((e as { code?: number }).code ?? -1); });
  });
}

describe('startMosquitto password_file hashing', () => {
  it('writes $7$ lines in the format of mosquitto_passwd', () => {
    const secret = hashMosquittoPassword('pw');
    const parts = secret.split('$');
    // '', '7', iterations, salt, hash
    expect(parts).toHaveLength(5);
    expect(parts[1]).toBe('7');
    expect(parts[2]).toBe('101');
    expect(Buffer.from(parts[3]!, 'base64')).toHaveLength(12);
    expect(parts[3]).toHaveLength(16);
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(64);
    expect(parts[4]).toHaveLength(88);
    // A fresh salt each time.
    expect(hashMosquittoPassword('pw')).not.toBe(secret);
  });

  it('never writes the clear-text passwords or runs mosquitto_passwd, and mosquitto accepts the hashes', async () => {
    const bin = requireBinary('mosquitto');
    const work = mkdtempSync(join(tmpdir(), 'mqttscope-passwd-'));
    // A mosquitto_passwd first on PATH that records being called (and the file it was given).
    const fakeDir = join(work, 'bin');
    const calls = join(work, 'calls');
    mkdirSync(fakeDir);
    writeFileSync(join(fakeDir, 'mosquitto_passwd'), `#!/bin/sh\ncat "$2" >> '${calls}'\nexec /usr/bin/mosquitto_passwd "$@"\n`);
    chmodSync(join(fakeDir, 'mosquitto_passwd'), 0o755);
    const hashed = `kept:${hashMosquittoPassword('kept-pw')}`;
    writeFileSync(join(work, 'passwd'), `user1:pass1\n${hashed}\nuser2:clear-text-2\n`);
    const path = process.env.PATH;
    process.env.PATH = `${fakeDir}:${path ?? ''}`;
    let m;
    try {
      m = await startMosquitto({ bin, passwdFile: join(work, 'passwd') });
    } finally {
      process.env.PATH = path;
    }
    try {
      expect(existsSync(calls)).toBe(false);
      const written = readFileSync(join(m.configPath, '..', 'passwd'), 'utf8');
      expect(written).not.toContain('pass1');
      expect(written).not.toContain('clear-text-2');
      // The hashed line is kept as it was.
      expect(written.split('\n')).toContain(hashed);
      expect(written).toMatch(/^user1:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/m);
      // The real mosquitto reads the hashes: right passwords log in, a wrong one gets 5.
      expect(await connectCode(m.port, 'user1', 'pass1')).toBe(0);
      expect(await connectCode(m.port, 'user2', 'clear-text-2')).toBe(0);
      expect(await connectCode(m.port, 'kept', 'kept-pw')).toBe(0);
      expect(await connectCode(m.port, 'user1', 'pass2')).toBe(5);
      expect(m.log()).not.toMatch(/Unable to decode|removing entry/i);
    } finally {
      await m.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});

