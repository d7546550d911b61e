// max_inflight_messages in a mosquitto.conf: mqttscope broker keeps mosquitto's default
// window of 20 (src/broker/inflight.ts) with either engine, so -c warns for any other value
// (0, a negative value and 65535 are no limit to mosquitto), and reads it into
// maxInflightMessages; values mosquitto refuses are errors. Each value is held to what
// the real mosquitto 2.0.11 does (mosquitto missing = failure, never a skip).
import { describe, expect, it } from 'vitest';
import { parseMosquittoConf, ConfigFileError } from '../../src/broker/index.js';
import { startConfMosquitto } from './mosquitto-verdict.js';
import { RawClient } from './raw-client.js';
import { sleep } from './parity.js';

/** QoS 1 deliveries a subscriber that never acknowledges gets out of 30, on mosquitto with `line`. */
async function mosquittoSends(line: string): Promise<number> {
  const m = await startConfMosquitto(`listener PORT 127.0.0.1\nallow_anonymous true\n${line}\n`);
  expect(m, `mosquitto starts with '${line}'`).not.toBeNull();
  const clients: RawClient[] = [];
  try {
    const s = await RawClient.open(m!.port, { clientId: 's' });
    clients.push(s);
    expect(await s.connack()).toBe(0);
    expect(await s.subscribe(['f/#'], 1)).toEqual([1]);
    const p = await RawClient.open(m!.port, { clientId: 'p' });
    clients.push(p);
    expect(await p.connack()).toBe(0);
    for (let i = 0; i < 30; i++) await p.publish('f/n', `${i}`, 1);
    await sleep(400);
    return s.messages().length;
  } finally {
    for (const c of clients) c.destroy();
    await m!.close();
  }
}

describe('max_inflight_messages', () => {
  it.each([
    ['max_inflight_messages 5', 5, 5, 'a window of 5'],
    ['max_inflight_messages 20', 20, 20, null],
    ['max_inflight_messages 0', 30, 0, 'no limit'],
    ['max_inflight_messages -1', 30, 0, 'no limit'],
    ['max_inflight_messages 65535', 30, 0, 'no limit'],
  ])('%j: mosquitto sends %d of 30 unacknowledged; read as %d; warned: %s', async (line, sent, value, wants) => {
    expect(await mosquittoSends(line)).toBe(sent);
    const cfg = parseMosquittoConf(`listener 1884\n${line}\n`, 'm.conf');
    expect(cfg.maxInflightMessages).toBe(value);
    if (wants !== null) {
      expect(cfg.warnings).toHaveLength(1);
      expect(cfg.warnings[0]).toMatch(/^m\.conf:2: 'max_inflight_messages' is not applied: mqttscope broker keeps mosquitto's default of 20 .*where this file asks for .*mqttscope proxy in front of it$/);
      expect(cfg.warnings[0]).toContain(wants);
    } else {
      // The window both engines keep already.
      expect(cfg.warnings).toEqual([]);
    }
  });

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
