// Through the proxy, against a real mosquitto: a CONNECT whose client id has a
// control character is closed on without a CONNACK. The Link tells the engine the
// broker closed first, and the analysis reports connect-refused with no reason code.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import type { Finding, OutputRecord } from '../../src/model/packet.js';
import { startProxy, type ProxyHandle } from '../../src/proxy/index.js';
import { startTestMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

/** A 3.1.1 CONNECT with client id `id` (raw bytes, so any character goes in). */
function connect(id: string): Buffer {
  const cid = Buffer.from(id, 'utf8');
  const vh = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]); // "MQTT", level 4, clean session, keep-alive 60
  const payload = Buffer.concat([Buffer.from([cid.length >> 8, cid.length & 0xff]), cid]);
  return Buffer.concat([Buffer.from([0x10, vh.length + payload.length]), vh, payload]);
}

/** Send bytes, resolve with what came back once the connection closed. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    s.on('data', (c: Buffer) => got.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
  });
}

let broker: RunningMosquitto;
let proxy: ProxyHandle;
const findings: Finding[] = [];

beforeAll(async () => {
  broker = await startTestMosquitto();
  const onRecord = (r: OutputRecord): void => { if (r.kind === 'finding') findings.push(r); };
  const analyzer = new Analyzer(onRecord);
  proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 }, upstream: { host: '127.0.0.1', port: broker.port },
    onRecord, engineOpts: { observers: [analyzer] }, log: () => {},
  });
});
afterAll(async () => {
  await proxy?.close();
  await broker?.close();
});

async function settle(): Promise<void> {
  // The Link reports the close once both sides are closed.
  for (let i = 0; i < 50 && proxy.connections().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('proxy + mosquitto: a CONNECT closed on without a CONNACK', () => {
  it('is connect-refused with no reason code, closed by the broker', async () => {
    findings.length = 0;
    const reply = await exchange(proxy.port, connect('bad\u0001id'));
    expect(reply.length).toBe(0); // mosquitto answered nothing
    await settle();
    const refused = findings.filter((f) => f.code === 'connect-refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ clientId: 'bad\u0001id', extra: { no_connack: true, closed_by: 'broker' } });
    expect(refused[0]!.text).toContain('without sending a CONNACK');
  });

  it('a CONNECT mosquitto accepts gives no such finding', async () => {
    findings.length = 0;
    const reply = await exchange(proxy.port, Buffer.concat([connect('good-id'), Buffer.from([0xe0, 0x00])]));
    expect([...reply.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]); // CONNACK 0
    await settle();
    expect(findings.filter((f) => f.code === 'connect-refused')).toEqual([]);
  });
});
