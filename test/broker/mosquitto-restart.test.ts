// Supervision of the managed mosquitto: a restart that cannot even be spawned.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../../src/broker/mosquitto.js';
import { requireBinary } from '../helpers/peers.js';

/** PIDs of the mosquitto children of this process (never anyone else's). */
function ourMosquittos(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', 'mosquitto'], { encoding: 'utf8' })
      .split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when none match
  }
}

describe('startMosquitto supervision', () => {
  it('a restart whose binary is gone gives up through onGiveUp instead of crashing the process', async () => {
    const real = requireBinary('mosquitto');
    requireBinary('pgrep');
    const dir = mkdtempSync(join(tmpdir(), 'mqttscope-mosq-restart-'));
    // A wrapper that becomes mosquitto (exec), so the child is mosquitto itself.
    const bin = join(dir, 'mosquitto-wrapper');
    writeFileSync(bin, `#!/bin/sh\nexec ${real} "$@"\n`);
    chmodSync(bin, 0o755);
    const before = new Set(ourMosquittos());
    let giveUp!: (i: { restarts: number; log: string }) => void;
    const gaveUp = new Promise<{ restarts: number; log: string }>((resolve) => { giveUp = resolve; });
    const m = await startMosquitto({ bin, restart: true, maxRestarts: 2, onGiveUp: giveUp });
    try {
      const started = ourMosquittos().filter((p) => !before.has(p));
      expect(started).toHaveLength(1);
      rmSync(bin); // the binary goes away (an uninstall), then mosquitto dies
      process.kill(started[0]!, 'SIGKILL');
      const info = await gaveUp;
      expect(info.restarts).toBe(2);
      expect(info.log).toMatch(/mosquitto could not be started: spawn .*mosquitto-wrapper ENOENT/);
    } finally {
      await m.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
