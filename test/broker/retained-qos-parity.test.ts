// The QoS of retained messages sent for a SUBSCRIBE, when the client has other
// subscriptions that match the same topics at a higher QoS. Run against the bundled
// broker AND a real mosquitto 2.0.11 with the same expectations (missing = failure).
import { describe, it, expect } from 'vitest';
import { str } from './raw-client.js';
import { BROKERS, online, sleep, withBroker } from './parity.js';

/** "topic payload qN" of each PUBLISH the client got, in order. */
const got = (packets: Array<{ cmd: string }>): string[] => packets.filter((p) => p.cmd === 'publish').map((p) => {
  const pub = p as unknown as { topic: string; payload: Buffer; qos: number };
  return `${pub.topic} ${pub.payload.toString()} q${pub.qos}`;
});

describe.each(BROKERS)('%s: retained messages at the QoS granted to the filter that asked for them', (_name, start) => {
  it('re-subscribing r/# at QoS 0 next to r/+ at QoS 1 sends the retained message at QoS 0 [MQTT-3.8.4-7]', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const pub = await online(open, { clientId: 'pub' });
      await pub.publish('r/1', 'one', 1, true);
      const sub = await online(open, { clientId: 'sub' });
      expect(await sub.subscribe(['r/#', 'r/+'], 1)).toEqual([1, 1]);
      await sub.waitFor(() => (got(sub.packets).length === 2 ? true : undefined), 'two retained copies');
      expect(await sub.subscribe(['r/#'], 0)).toEqual([0]);
      await sub.waitFor(() => (got(sub.packets).length === 3 ? true : undefined), 'the retained copy for the new r/#');
      sub.ackAll();
      await sleep(200);
      expect(got(sub.packets)).toEqual(['r/1 one q1', 'r/1 one q1', 'r/1 one q0']);
    });
  });

  it('one SUBSCRIBE with r/# at QoS 0 and r/+ at QoS 2: each filter gets its copy at its own QoS', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const pub = await online(open, { clientId: 'pub' });
      await pub.publish('r/1', 'one', 2, true);
      const sub = await online(open, { clientId: 'sub' });
      const body = Buffer.concat([
        Buffer.from([0, 1]), // packet identifier 1
        str('r/#'), Buffer.from([0]), // filter r/#, requested QoS 0
        str('r/+'), Buffer.from([2]), // filter r/+, requested QoS 2
      ]);
      expect(await sub.send(0x82, body)).toBe('suback');
      await sub.waitFor(() => (got(sub.packets).length === 2 ? true : undefined), 'two retained copies');
      await sleep(200);
      expect(got(sub.packets).sort()).toEqual(['r/1 one q0', 'r/1 one q2']);
    });
  });
});
