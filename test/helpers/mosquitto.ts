// Real mosquitto for tests, via the same startMosquitto the CLI uses.
// Throws (never skips) when mosquitto is not installed.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto, type MosquittoOptions, type RunningMosquitto } from '../../src/broker/mosquitto.js';
import { requireBinary } from './peers.js';

export type { RunningMosquitto };

export async function startTestMosquitto(opts: Omit<MosquittoOptions, 'bin'> = {}): Promise<RunningMosquitto> {
  const bin = requireBinary('mosquitto');
  return startMosquitto({ ...opts, bin });
}

/**
 * mosquitto, anonymous clients allowed, with `acl` as its acl_file (written world-readable
 * in its own temp dir: mosquitto started as root reads it as user mosquitto). close() also
 * removes the dir.
 */
export async function startAclMosquitto(acl: string): Promise<RunningMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-acl-'));
  await chmod(dir, 0o755);
  const aclPath = join(dir, 'acl');
  await writeFile(aclPath, acl, { mode: 0o644 });
  try {
    const m = await startTestMosquitto({ aclFile: aclPath, allowAnonymous: true });
    return { ...m, close: async () => { await m.close(); await rm(dir, { recursive: true, force: true }); } };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
