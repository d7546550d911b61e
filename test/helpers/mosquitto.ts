// Real mosquitto for tests, via the same startMosquitto the CLI uses.
// Throws (never skips) when mosquitto is not installed.
import mqtt, { type IClientOptions } from 'mqtt';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto, type MosquittoOptions, type RunningMosquitto } from '../../src/broker/mosquitto.js';
import { requireBinary } from './peers.js';

export type { RunningMosquitto };
/** A mosquitto from startAclMosquitto, with the path of its acl_file. */
export type AclMosquitto = RunningMosquitto & { aclPath: string };

export async function startTestMosquitto(opts: Omit<MosquittoOptions, 'bin'> = {}): Promise<RunningMosquitto> {
  const bin = requireBinary('mosquitto');
  return startMosquitto({ ...opts, bin });
}

/**
 * mosquitto, anonymous clients allowed, with `acl` as its acl_file (written world-readable
 * in its own temp dir, at aclPath: mosquitto started as root reads it as user mosquitto).
 * close() also removes the dir.
 */
export async function startAclMosquitto(acl: string | Uint8Array): Promise<AclMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-acl-'));
  await chmod(dir, 0o755);
  const aclPath = join(dir, 'acl');
  await writeFile(aclPath, acl, { mode: 0o644 });
  try {
    const m = await startTestMosquitto({ aclFile: aclPath, allowAnonymous: true });
    return { ...m, aclPath, close: async () => { await m.close(); await rm(dir, { recursive: true, force: true }); } };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Whether `broker` lets a fresh MQTT 5 client (with `opts`: clientId, username…) publish
 * to `topic`: true on a QoS 1 PUBACK, false on 0x87 (not authorized); anything else throws.
 */
export async function writeAllowed(broker: { host: string; port: number }, topic: string, opts: IClientOptions = {}): Promise<boolean> {
  const c = await mqtt.connectAsync({ host: broker.host, port: broker.port, protocolVersion: 5, reconnectPeriod: 0, ...opts });
  try {
    await c.publishAsync(topic, 'x', { qos: 1 });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 0x87) return false;
    throw err;
  } finally {
    await c.endAsync();
  }
}
