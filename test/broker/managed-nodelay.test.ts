// A mosquitto that mqttscope starts gets set_tcp_nodelay true: with mosquitto's default
// (false) a packet written right after another waits ~40 ms for the peer's delayed ACK,
// which `replay --speed max` and the proxy's timings then show (test/replay/ack-latency.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startMosquitto } from '../../src/broker/index.js';
import { freePort, requireBinary } from '../helpers/peers.js';

describe('the managed mosquitto config', () => {
  it('sets set_tcp_nodelay true', async () => {
    requireBinary('mosquitto');
    const m = await startMosquitto({ port: await freePort() });
    try {
      const lines = readFileSync(m.configPath, 'utf8').split('\n');
      expect(lines).toContain('set_tcp_nodelay true');
    } finally {
      await m.close();
    }
  });
});
