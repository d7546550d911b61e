// The files startMosquitto generates: private to the user mosquitto reads them as,
// and still readable by it (a login and an ACL decision work).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { startTestMosquitto } from '../helpers/mosquitto.js';

function mosquittoUid(): number | null {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mosquitto:'));
  return line ? Number(line.split(':')[2]) : null;
}

function connectCode(port: number, username: string, password: string): Promise<number> {
  return new Promise((resolve) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, username, password, reconnectPeriod: 0, protocolVersion: 4 });
    c.once('connect', () => { c.end(true); resolve(0); });
    c.once('error', (e) => { c.end(true); resolve((e as { code?: number }).code ?? -1); });
  });
}

describe('startMosquitto generated files', () => {
  it('keeps the password hashes, ACL and config out of reach of other local users, and mosquitto still reads them', async () => {
    const src = mkdtempSync(join(tmpdir(), 'mqttscope-mosq-files-'));
    writeFileSync(join(src, 'passwd'), 'user1:pass1\n');
    writeFileSync(join(src, 'acl'), 'user user1\ntopic readwrite #\n');
    const m = await startTestMosquitto({ passwdFile: join(src, 'passwd'), aclFile: join(src, 'acl') });
    try {
      const dir = dirname(m.configPath);
      // No group or other bits on the directory or any file in it.
      expect(statSync(dir).mode & 0o077).toBe(0);
      for (const f of ['passwd', 'acl', 'mosquitto.conf']) expect(statSync(join(dir, f)).mode & 0o077).toBe(0);
      // As root, mosquitto drops to its own user before reading them: they are given to it.
      const uid = process.getuid?.() === 0 ? mosquittoUid() : null;
      if (uid !== null) {
        expect(statSync(dir).uid).toBe(uid);
        expect(statSync(join(dir, 'passwd')).uid).toBe(uid);
        expect(statSync(join(dir, 'acl')).uid).toBe(uid);
      }
      // mosquitto could read the password file: the right password logs in, a wrong one gets 5.
      expect(await connectCode(m.port, 'user1', 'pass1')).toBe(0);
      expect(await connectCode(m.port, 'user1', 'nope')).toBe(5);
      expect(m.log()).not.toMatch(/Unable to open|Error opening/i);
    } finally {
      await m.close();
      rmSync(src, { recursive: true, force: true });
    }
  });
});
