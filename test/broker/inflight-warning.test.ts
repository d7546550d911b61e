// max_inflight_messages in a mosquitto.conf: `mqttscope broker -c FILE` applies it with
// either engine (the bundled broker's window, src/broker/inflight.ts; the managed
// mosquitto's generated config), reading 0, a negative value and 65535 as no limit, as
// mosquitto does; values mosquitto refuses are errors. Each value is held to what the
// real mosquitto 2.0.11 does (mosquitto missing = failure, never a skip).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMosquittoConf, ConfigFileError } from '../../src/broker/index.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { tempDir } from '../helpers/tmp.js';
import { ROOT } from '../read/run.js';
import { startConfMosquitto } from './mosquitto-verdict.js';
import { RawClient, subscriberAndPublisher } from './raw-client.js';
import { sleep } from './parity.js';

/** Resolves once something listens on `port` (a TCP connection opens; it is closed at once). */
async function listening(port: number, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
      c.once('error', () => r(false));
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}: ${log()}`);
}

/** QoS 1 deliveries, out of 30, that a subscriber which never acknowledges gets from a broker on `port`. */
async function sentOf30(port: number, log: () => string = () => ''): Promise<number> {
  await listening(port, log);
  const clients: RawClient[] = [];
  try {
    const { s, p } = await subscriberAndPublisher(port, 'f/#', clients);
    for (let i = 0; i < 30; i++) await p.publish('f/n', `${i}`, 1);
    await sleep(400);
    return s.messages().length;
  } finally {
    for (const c of clients) c.destroy();
  }
}

async function mosquittoSends(line: string): Promise<number> {
  const m = await startConfMosquitto(`listener PORT 127.0.0.1\nallow_anonymous true\n${line}\n`);
  expect(m, `mosquitto starts with '${line}'`).not.toBeNull();
  try {
    return await sentOf30(m!.port);
  } finally {
    await m!.close();
  }
}

/** The same through `mqttscope broker -c FILE` (engine: the bundled broker, or --broker mosquitto). */
async function cliSends(line: string, engine: 'aedes' | 'mosquitto'): Promise<{ sent: number; stderr: string }> {
  if (engine === 'mosquitto') requireBinary('mosquitto');
  const dir = tempDir('inflight-cli-');
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'm.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n${line}\n`);
  chmodSync(conf, 0o644);
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/mqttscope'), 'broker', '-c', conf, ...(engine === 'mosquitto' ? ['--broker', 'mosquitto'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  try {
    return { sent: await sentOf30(port, () => stderr), stderr };
  } finally {
    await new Promise<void>((r) => { if (child.exitCode !== null) { r(); return; } child.once('exit', () => r()); child.kill('SIGTERM'); });
  }
}

describe('max_inflight_messages', () => {
  it.each([
    ['max_inflight_messages 5', 5, 5],
    ['max_inflight_messages 20', 20, 20],
    ['max_inflight_messages 0', 30, 0],
    ['max_inflight_messages -1', 30, 0],
    ['max_inflight_messages 65535', 30, 0],
  ])('%j: mosquitto sends %d of 30 unacknowledged, and so does mqttscope broker -c (read as %d, no warning)', async (line, sent, value) => {
    expect(await mosquittoSends(line)).toBe(sent);
    const cfg = parseMosquittoConf(`listener 1884\n${line}\n`, 'm.conf');
    expect(cfg.maxInflightMessages).toBe(value);
    expect(cfg.warnings).toEqual([]);
    const bundled = await cliSends(line, 'aedes');
    expect(bundled.sent, bundled.stderr).toBe(sent);
    expect(bundled.stderr).not.toContain('max_inflight_messages');
  }, 30_000);

  it('--broker mosquitto -c passes it to the managed mosquitto', async () => {
    const r = await cliSends('max_inflight_messages 5', 'mosquitto');
    expect(r.sent, r.stderr).toBe(5);
  }, 30_000);

  it.each([
    ['max_inflight_messages', "m.conf:2: 'max_inflight_messages' needs a number"],
    ['max_inflight_messages 65536', 'm.conf:2: max_inflight_messages must be <= 65535'],
  ])('%j is an error naming the line, as mosquitto refuses to start', async (line, message) => {
    const exit = { text: '' };
    expect(await startConfMosquitto(`listener PORT 127.0.0.1\nallow_anonymous true\n${line}\n`, {}, exit)).toBeNull();
    expect(() => parseMosquittoConf(`listener 1884\n${line}\n`, 'm.conf')).toThrow(ConfigFileError);
    expect(() => parseMosquittoConf(`listener 1884\n${line}\n`, 'm.conf')).toThrow(message);
  });
});
