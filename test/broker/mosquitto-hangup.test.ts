// Closing the terminal of `mqttscope broker --broker mosquitto`: SIGHUP reaches the whole
// process group, mosquitto only reloads on it, so mqttscope must not leave it behind. It
// stops as on SIGTERM (exit 0).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { freePort, requireBinary } from '../helpers/peers.js';
import { alive, spawnManagedMosquitto } from '../helpers/mosquitto.js';

describe('broker --broker mosquitto and SIGHUP', () => {
  it('a hangup of the process group leaves no mosquitto child and no temp dir', async () => {
    requireBinary('mosquitto');
    requireBinary('pgrep');
    const port = await freePort();
    // detached: its own process group, as a terminal session would be.
    const run = spawnManagedMosquitto(port, { detached: true });
    try {
      const { mosq, conf } = await run.started();
      process.kill(-run.p.pid!, 'SIGHUP');
      expect(await run.exited).toBe('0 null');
      const until = Date.now() + 5000;
      while (alive(mosq) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(alive(mosq)).toBe(false);
      expect(existsSync(conf)).toBe(false);
    } finally {
      run.cleanup();
    }
  });
});
