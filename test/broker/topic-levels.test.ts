// Deep topics: mosquitto 2.0.11 takes up to 201 levels in a topic or filter and closes
// the connection beyond; aedes closes it from 101 levels on (a documented difference),
// and the bundled broker must then say why instead of dropping the client silently.
// The parity cases run against the bundled broker AND a real mosquitto (missing = failure).
import { describe, it, expect } from 'vitest';
import { startBroker, type SecurityEvent } from '../../src/broker/index.js';
import { RawClient } from './raw-client.js';
import { BROKERS, online, withBroker } from './parity.js';

const deep = (n: number): string => Array.from({ length: n }, (_, i) => `l${i}`).join('/');

describe.each(BROKERS)('%s: topic depth', (_name, start) => {
  it('100 levels are delivered; 202 levels close the connection (PUBLISH and SUBSCRIBE)', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const sub = await online(open, { clientId: 'sub' });
      expect(await sub.subscribe([deep(100)], 1)).toEqual([1]);
      const pub = await online(open, { clientId: 'pub' });
      await pub.publish(deep(100), 'x', 1);
      await sub.waitFor(() => (sub.messages().length === 1 ? true : undefined), 'the 100-level message');
      await expect(pub.publish(deep(202), 'x', 1)).rejects.toThrow(/connection closed/);
      expect(await sub.subscribe([deep(202)])).toBe('closed');
    });
  });
});

describe('bundled broker: a topic deeper than aedes takes', () => {
  it('closes the connection and logs why, naming the limits of both brokers', async () => {
    const events: SecurityEvent[] = [];
    const broker = await startBroker({ port: 0, onEvent: (e) => events.push(e) });
    try {
      const pub = await RawClient.open(broker.port, { clientId: 'deep-pub' });
      expect(await pub.connack()).toBe(0);
      await expect(pub.publish(deep(150), 'x', 1)).rejects.toThrow(/connection closed/);
      const sub = await RawClient.open(broker.port, { clientId: 'deep-sub' });
      expect(await sub.connack()).toBe(0);
      expect(await sub.subscribe([`${deep(250)}/#`])).toBe('closed');
      const uns = await RawClient.open(broker.port, { clientId: 'deep-uns' });
      expect(await uns.connack()).toBe(0);
      expect(await uns.unsubscribeOrClose([deep(101)])).toBe('closed');
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await broker.close();
    }
    expect(events).toEqual([
      {
        kind: 'connection-closed', clientId: 'deep-pub', username: null,
        reason: "PUBLISH topic 'l0/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l1...' has 150 levels; the bundled broker (aedes) takes at most 100 (mosquitto 2.0.11 takes up to 201: use --broker mosquitto)",
      },
      {
        kind: 'connection-closed', clientId: 'deep-sub', username: null,
        reason: "SUBSCRIBE filter 'l0/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l1...' has 251 levels; mosquitto takes at most 201",
      },
      {
        kind: 'connection-closed', clientId: 'deep-uns', username: null,
        reason: "UNSUBSCRIBE filter 'l0/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l1...' has 101 levels; the bundled broker (aedes) takes at most 100 (mosquitto 2.0.11 takes up to 201: use --broker mosquitto)",
      },
    ]);
  });
});
