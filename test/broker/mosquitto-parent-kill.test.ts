// `mqttscope broker --broker mosquitto` killed with SIGKILL runs no code of its own on the
// way out: the managed mosquitto must still stop (its watcher sees the pipe from mqttscope
// close), freeing its port and removing its temp dir.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort, requireBinary } from '../helpers/peers.js';
import { alive, spawnManagedMosquitto } from '../helpers/mosquitto.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

describe('broker --broker mosquitto killed with SIGKILL', () => {
  it('takes its mosquitto with it: the pid is gone, the port is free and the temp dir removed', async () => {
    requireBinary('mosquitto');
    requireBinary('pgrep');
    const port = await freePort();
    const run = spawnManagedMosquitto(port);
    try {
      const { mosq, conf } = await run.started('mosquitto');
      expect(await accepts(port)).toBe(true);
      run.p.kill('SIGKILL');
      expect(await run.exited).toBe('null SIGKILL');
      const until = Date.now() + 5000;
      while ((alive(mosq) || existsSync(conf)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(alive(mosq)).toBe(false);
      expect(existsSync(conf)).toBe(false);
      expect(await accepts(port)).toBe(false);
    } finally {
      run.cleanup();
    }
  });
});
