// Starting the managed mosquitto: what the user sees in its log.
import { describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startTestMosquitto } from '../helpers/mosquitto.js';

describe('startMosquitto start-up', () => {
  it('is ready without a probe connection that mosquitto would log as a client', async () => {
    let log = '';
    const m = await startTestMosquitto({ onLog: (t) => { log += t; } });
    try {
      expect(log).toMatch(/mosquitto version \S+ running/);
      // A probe's lines would come a little after start-up returns.
      await new Promise((r) => setTimeout(r, 500));
      expect(log).not.toMatch(/New connection from|closed its connection/);
      // Ready means a client can connect at once.
      const code = await new Promise<number>((resolve) => {
        const c = mqtt.connect({ host: '127.0.0.1', port: m.port, reconnectPeriod: 0, protocolVersion: 4 });
        c.once('connect', () => { c.end(true); resolve(0); });
        c.once('error', () => { c.end(true); resolve(-1); });
      });
      expect(code).toBe(0);
    } finally {
      await m.close();
    }
  });
});
