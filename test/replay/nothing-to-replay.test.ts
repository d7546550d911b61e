// A capture with no MQTT client connection the reader can find: replay says so,
// with the notes that explain it (TLS on the MQTT-over-TLS port), and does not
// exit 0 as if the broker had answered the same.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACK, PSH, SYN, pcapFile, tcpFrame } from '../capture/builders.js';
import { freePort } from '../helpers/peers.js';
import { runCli } from './helpers.js';

describe('replay: nothing to replay', () => {
  const dirs: string[] = [];
  /** A new directory in the system temp dir, removed after the tests. */
  const tempDir = async (prefix: string): Promise<string> => { const d = await mkdtemp(join(tmpdir(), prefix)); dirs.push(d); return d; };
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('a TLS conversation on port 8883: the TLS note, a hint, exit 1', async () => {
    const file = join(await tempDir('replay-none-'), 'tls-port.pcap');
    const c = { host: '127.0.0.1', port: 50000 }, s = { host: '127.0.0.1', port: 8883 };
    const t = 1_700_000_000_000_000;
    await writeFile(file, pcapFile([
      { timeUs: t, data: tcpFrame(c, s, { seq: 100, ack: 0, flags: SYN }) },
      { timeUs: t + 1, data: tcpFrame(s, c, { seq: 500, ack: 101, flags: SYN | ACK }) },
      { timeUs: t + 2, data: tcpFrame(c, s, { seq: 101, ack: 501, flags: ACK }) },
      // A TLS handshake record (content type 0x16, TLS 1.0 record version): a ClientHello's start.
      { timeUs: t + 3, data: tcpFrame(c, s, { seq: 101, ack: 501, flags: PSH | ACK, payload: Buffer.from('160301002a010000260303', 'hex') }) },
    ]));
    const r = await runCli(['replay', file, '--to', `127.0.0.1:${await freePort()}`, '--speed', 'max']);
    expect(r.stdout).toMatch(/^no MQTT client connections in the capture: nothing was replayed \(MQTT is found on port 1883, on each --port N/);
    expect(r.stderr).toMatch(/frame \d+: connection 127\.0\.0\.1:50000-127\.0\.0\.1:8883 is on the MQTT-over-TLS port 8883/);
    expect(r.code).toBe(1);
  });
});
