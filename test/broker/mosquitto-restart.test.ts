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
      expect(info.log).toMatch(/mosquitto could not be started: .*mosquitto-wrapper is missing or not executable/);
    } finally {
      await m.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a mosquitto that ran for stableMs before dying is restarted again: maxRestarts counts crashes in a row', async () => {
    requireBinary('mosquitto');
    requireBinary('pgrep');
    const before = new Set(ourMosquittos());
    let gaveUp = false;
    let exits = 0;
    const m = await startMosquitto({ bin: requireBinary('mosquitto'), restart: true, maxRestarts: 1, stableMs: 300,
      onExit: () => { exits++; }, onGiveUp: () => { gaveUp = true; } });
    try {
      for (let i = 0; i < 3; i++) {
        // Wait for this round's mosquitto, let it run past stableMs, then kill it.
        let pid: number | undefined;
        const until = Date.now() + 5000;
        while (pid === undefined && Date.now() < until) {
          pid = ourMosquittos().find((p) => !before.has(p));
          if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
        }
        expect(pid).toBeDefined();
        await new Promise((r) => setTimeout(r, 500));
        before.add(pid!);
        process.kill(pid!, 'SIGKILL');
        const seen = exits;
        while (exits === seen && Date.now() < until + 5000) await new Promise((r) => setTimeout(r, 20));
      }
      expect(exits).toBe(3);
      expect(gaveUp).toBe(false);
    } finally {
      await m.close();
    }
  });
});
