// A captured connection that began mid-connection (no CONNECT) cannot be replayed
// faithfully: the report says why next to the differences, instead of leaving the
// reader to guess why the broker reset the connection.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker/broker.js';
import { formatReport, openCapture, replay } from '../../src/replay/index.js';
import { ROOT } from '../read/run.js';

const MIDSTREAM = resolve(ROOT, 'test/fixtures/capture-variants/tcp-midstream.pcap');
const WHOLE = resolve(ROOT, 'captures/will.pcap');

describe('replaying a connection captured without its CONNECT', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  beforeAll(async () => { broker = await startBroker({ host: '127.0.0.1', port: 0 }); });
  afterAll(async () => { await broker.close(); });

  it('the report notes the missing CONNECT under that connection', async () => {
    const res = await replay(openCapture(MIDSTREAM), { host: broker.host, port: broker.port, speed: 'max' });
    const text = formatReport(res, `${broker.host}:${broker.port}`);
    expect(text).toMatch(/DIFFERENT[^\n]*\n  note: the capture has no CONNECT on this connection \(it began mid-connection, first packet PINGREQ in capture frame 2\); a broker closes a connection whose first packet is not a CONNECT \[MQTT-3\.1\.0-1\]/);
  });
  it('connections with their CONNECT get no such note', async () => {
    const res = await replay(openCapture(WHOLE), { host: broker.host, port: broker.port, speed: 'max' });
    expect(formatReport(res, 'x')).not.toContain('no CONNECT');
  });
});
