// max_queued_messages from a mosquitto.conf: read by the parser, applied by the
// bundled broker to offline persistent sessions, and written into the config of a
// managed mosquitto; both brokers hold the same messages (mosquitto missing = failure).
import { describe, expect, it } from 'vitest';
import { parseMosquittoConf, startBroker } from '../../src/broker/index.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { RawClient } from './raw-client.js';
import { sleep } from './parity.js';

describe('max_queued_messages in mosquitto.conf', () => {
  it.each([
    ['max_queued_messages 5', 5],
    ['max_queued_messages 0', 0],
    ['max_queued_messages -3', 0],
    ['max_queued_messages 12abc', 12],
    ['max_queued_messages abc', 0],
  ])('reads %j as %d, with no warning', (line, n) => {
    const cfg = parseMosquittoConf(`listener 1884\n${line}\n`, 'm.conf');
    expect(cfg.maxQueuedMessages).toBe(n);
    expect(cfg.warnings).toEqual([]);
  });

  it('is undefined when absent and an error when empty, as mosquitto says', () => {
    expect(parseMosquittoConf('listener 1884\n', 'm.conf').maxQueuedMessages).toBeUndefined();
    expect(() => parseMosquittoConf('listener 1884\nmax_queued_messages\n', 'm.conf')).toThrow("m.conf:2: 'max_queued_messages' needs a number");
  });

  it('reads max_inflight_messages without a warning (both engines apply it)', () => {
    const cfg = parseMosquittoConf('listener 1884\nmax_inflight_messages 5\n', 'm.conf');
    expect(cfg.maxInflightMessages).toBe(5);
    expect(cfg.warnings).toEqual([]);
  });
});

const BROKERS: Array<[string, (max: number) => Promise<{ port: number; close(): Promise<void> }>]> = [
  ['bundled broker (aedes)', (max) => startBroker({ port: 0, allowAnonymous: true, maxQueuedMessages: max })],
  ['mosquitto 2.0', (max) => startTestMosquitto({ allowAnonymous: true, maxQueuedMessages: max })],
];

describe.each(BROKERS)('%s with max_queued_messages 5', (_name, start) => {
  it('queues 5 QoS 1 messages for an offline persistent session and drops the rest', async () => {
    const broker = await start(5);
    const clients: RawClient[] = [];
    const online = async (clientId: string, clean: boolean): Promise<RawClient> => {
      const c = await RawClient.open(broker.port, { clientId, clean });
      clients.push(c);
      expect(await c.connack()).toBe(0);
      return c;
    };
    try {
      const s = await online('off', false);
      expect(await s.subscribe(['q/#'], 1)).toEqual([1]);
      await s.disconnect();
      const p = await online('p', true);
      for (let i = 0; i < 20; i++) await p.publish('q/n', `${i}`, 1);
      await sleep(300);
      const back = await online('off', false);
      await back.drain();
      expect(back.messages()).toEqual(Array.from({ length: 5 }, (_, i) => `q/n ${i}`));
    } finally {
      for (const c of clients) c.destroy();
      await broker.close();
    }
  });
});
