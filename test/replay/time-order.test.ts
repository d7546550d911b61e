// A capture whose clock steps back (frame 10 of time-backwards.pcap is stamped
// 600 s before the frames around it) still replays each connection's packets in
// the order they were captured: the old global sort by time sent that PUBLISH
// before the CONNECT, and the broker closed the connection.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { ROOT } from '../read/run.js';

const BACKWARDS = resolve(ROOT, 'test/fixtures/capture-variants/time-backwards.pcap');

describe('replay of a capture whose clock steps back', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  beforeAll(async () => { broker = await startBroker({ host: '127.0.0.1', port: 0 }); });
  afterAll(async () => { await broker.close(); });

  it('sends the connection in captured order and gets the same answers', async () => {
    const res = await replay(openCapture(BACKWARDS), { host: broker.host, port: broker.port, speed: 'max' });
    expect(formatReport(res, 'x')).toBe(
      "#1 10.0.0.1:40000-10.0.0.2:1883 client 'clock': same answers (7 packet(s) sent, 2 answer(s) in the capture, 2 now)\n"
      + '1 connection(s) replayed against x: the broker answered exactly as in the capture\n',
    );
  });

  it('at speed 1 the step back does not add its 600 s to the replay', async () => {
    const t0 = Date.now();
    const res = await replay(openCapture(BACKWARDS), { host: broker.host, port: broker.port, speed: 1 });
    expect(res.identical).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
