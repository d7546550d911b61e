// A connection the capture leaves open (a subscriber still connected when the
// capture was copied) keeps receiving from a live broker: replay must still end.
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket } from '../capture/builders.js';
import { runCli, startBundledBroker, type Peer } from './helpers.js';

const SUBSCRIBE = Buffer.from([0x82, 0x09, 0x00, 0x01, 0x00, 0x04, 0x62, 0x67, 0x2f, 0x23, 0x00]); // SUBSCRIBE id 1, "bg/#" QoS 0
const SUBACK = Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00]); // SUBACK id 1, granted QoS 0

describe('replay of a connection left open at the end of the capture', () => {
  let broker: Peer;
  let file: string;
  beforeAll(async () => {
    broker = await startBundledBroker();
    const recs = conversation([
      { dir: 'c2s', bytes: connectPacket('still-here') }, { dir: 's2c', bytes: CONNACK },
      { dir: 'c2s', bytes: SUBSCRIBE }, { dir: 's2c', bytes: SUBACK },
    ], { fin: false });
    file = join(await mkdtemp(join(tmpdir(), 'replay-open-')), 'open.pcap');
    await writeFile(file, pcapFile(recs));
  });
  afterAll(async () => {
    await broker?.stop();
    if (file) await rm(dirname(file), { recursive: true, force: true });
  });

  it('ends (reporting the live deliveries as extra) while the broker keeps publishing to it', async () => {
    // Another client publishes on bg/x every 100 ms for as long as the test runs.
    const pub = connect(broker.port, '127.0.0.1');
    pub.on('error', () => {});
    pub.write(connectPacket('bg-pub'));
    const timer = setInterval(() => pub.write(publishPacket('bg/x', Buffer.from('x'))), 100);
    try {
      const t0 = Date.now();
      const r = await runCli(['replay', file, '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--timeout', '1000']);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.stdout).toContain("client 'still-here'");
      expect(r.stdout).toMatch(/\+ extra/);
    } finally {
      clearInterval(timer);
      pub.destroy();
    }
  }, 30_000);
});
