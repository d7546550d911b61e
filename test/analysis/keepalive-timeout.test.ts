import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('keepalive-timeout', () => {
  it('fires on a tick once 1.5 × keep-alive passed without a client packet', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 10 });
    const last = c.pingreq();
    c.pingresp();
    sc.wait(15_000).tick();
    expect(sc.findings).toEqual([]);
    sc.wait(1).tick();
    const [f] = sc.findings;
    expect(f).toMatchObject({ code: 'keepalive-timeout', severity: 'warn', frames: [last.frame], extra: { keep_alive: 10, spec: 'MQTT-3.1.2-24' } });
    expect(f!.text).toContain("No packet from c for 15.0 s, more than 1.5 × its keep-alive of 10 s");
    expect(last.findings).toEqual(['keepalive-timeout']);
    sc.wait(60_000).tick();
    expect(sc.findings).toHaveLength(1);
  });

  it('broker packets do not count as client activity; a packet past the limit triggers it', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 2 });
    sc.wait(2000);
    c.deliver({ topic: 't', payload: 'x' });
    sc.wait(1500);
    c.pingreq();
    expect(sc.codes()).toEqual(['keepalive-timeout']);
  });

  it('at close, and at the end only if the capture time really passed', () => {
    const sc = new Scenario();
    const a = sc.client('a').login({ keepAlive: 4 });
    sc.client('b').login({ keepAlive: 60 });
    sc.wait(7000);
    a.close();
    expect(sc.findings.map((f) => f.clientId)).toEqual(['a']);
    const sc2 = new Scenario();
    sc2.client('c').login({ keepAlive: 60 });
    expect(sc2.end(1000)).toEqual([]);
  });

  it('keep-alive 0 disables it; server_keep_alive overrides the client value', () => {
    const sc = new Scenario();
    sc.client('a').login({ keepAlive: 0 });
    const b = sc.client('b', { version: 5 });
    b.connect({ keepAlive: 600 });
    b.connack(0, { properties: { server_keep_alive: 10 } });
    sc.wait(16_000).tick();
    expect(sc.findings.map((f) => f.clientId)).toEqual(['b']);
  });

  it('after a DISCONNECT (client or broker) whose close is not seen, the silence is not a timeout', () => {
    // A capture exported with the display filter "mqtt" has no FIN or RST: the connection
    // seems to stay open after its DISCONNECT, and the client rightly sends nothing more.
    const sc = new Scenario();
    const c = sc.client('c').login({ keepAlive: 2 });
    sc.wait(1000);
    c.disconnect();
    const d = sc.client('d', { version: 5 }).login({ keepAlive: 2 });
    sc.wait(1000);
    d.disconnect(0x8b, 's2c'); // Server shutting down
    sc.wait(60_000).tick();
    expect(sc.end()).toEqual([]);
  });

  it('a silence past the limit before the DISCONNECT still counts (the DISCONNECT ends it)', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login({ keepAlive: 2 });
    sc.wait(3500);
    c.disconnect(0x8d, 's2c'); // Keep Alive timeout, from the broker
    sc.wait(60_000);
    c.close();
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['keepalive-timeout']);
    expect(f[0]!.extra['silent_us']).toBe(3_500_000);
  });
});
