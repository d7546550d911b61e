// A client may send PUBLISHes right after CONNECT without waiting for CONNACK.
// aedes' default queueLimit (42) drops such a client while its CONNECT is being
// authenticated; the bundled broker must take the burst, as mosquitto does.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker/index.js';

let broker: RunningBroker;
beforeAll(async () => { broker = await startBroker({ port: 0, allowAnonymous: true }); });
afterAll(async () => { await broker.close(); });

describe('bundled broker under a burst before CONNACK', () => {
  it('answers CONNACK and keeps the connection after CONNECT + 2,000 PUBLISHes in one write', async () => {
    const connect = mqttPacket.generate({ cmd: 'connect', clientId: 'burst', protocolVersion: 4, keepalive: 60, clean: true });
    const pub = mqttPacket.generate({ cmd: 'publish', topic: 'load/t', payload: Buffer.alloc(64, 97), qos: 0, retain: false, dup: false });
    const ping = mqttPacket.generate({ cmd: 'pingreq' });
    const sock = net.connect(broker.port, '127.0.0.1');
    const types: string[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: { cmd: string }) => types.push(p.cmd));
    sock.on('data', (d) => parser.parse(d));
    const closed = new Promise<string>((resolve) => {
      sock.on('error', (e) => resolve(`error ${e.message}`));
      sock.on('close', () => resolve('closed'));
    });
    sock.write(Buffer.concat([connect, ...Array.from({ length: 2000 }, () => pub), ping]));
    const deadline = Date.now() + 10_000;
    while (!types.includes('pingresp') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sock.end();
    await closed;
    expect(types[0]).toBe('connack');
    expect(types).toContain('pingresp');
  });
});
