// CONNECT protocol name and level, run against the bundled broker AND a real
// mosquitto 2.0.11 with the same expectations (mosquitto missing = failure, never a skip).
// mosquitto pairs the name with the level: "MQIsdp" (MQTT 3.1) only with level 3,
// "MQTT" only with 4 or 5; any other pair is CONNACK 1 and a closed connection,
// before the will, the client id or the password are looked at.
import { connect as tcpConnect } from 'node:net';
import { describe, it, expect } from 'vitest';
import { startBroker, type SecurityEvent } from '../../src/broker/index.js';
import { frame, str } from './raw-client.js';
import { BROKERS, online, sleep, withBroker, type Start } from './parity.js';

/** Send one CONNECT with this protocol name, level byte and flags; the bytes answered and whether the broker closed. */
async function rawConnect(port: number, name: string, level: number, flags: number, payload: Buffer): Promise<{ answer: string; closed: boolean }> {
  const sock = tcpConnect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const chunks: Buffer[] = [];
  let closed = false;
  sock.on('data', (d) => chunks.push(d));
  sock.on('close', () => { closed = true; });
  sock.on('error', () => { /* 'close' follows */ });
  const variableHeader = Buffer.concat([
    str(name), // protocol name
    Buffer.from([level]), // protocol level
    Buffer.from([flags]), // connect flags
    Buffer.from([0, 60]), // keep alive: 60 s
  ]);
  sock.write(frame(0x10, Buffer.concat([variableHeader, payload])));
  // Until the broker closes, or a little after its answer (it keeps an accepted connection open).
  let end = Date.now() + 1500;
  let answered = false;
  while (!closed && Date.now() < end) {
    if (!answered && chunks.length > 0) { answered = true; end = Math.min(end, Date.now() + 200); }
    await sleep(20);
  }
  sock.destroy();
  return { answer: Buffer.concat(chunks).toString('hex'), closed };
}

/** The broker's port, kept by a Start wrapper. */
function remember(start: Start): { start: Start; port: () => number } {
  let port = 0;
  return { start: async (s) => { const p = await start(s); port = p.port; return p; }, port: () => port };
}

const CONNACK_1 = '20020001'; // CONNACK, remaining length 2, no Session Present, return code 1
const CONNACK_0 = '20020000'; // CONNACK, remaining length 2, no Session Present, return code 0

describe.each(BROKERS)('%s: protocol name and level as mosquitto 2.0.11 pairs them', (_name, start) => {
  it('MQIsdp with level 4 (or 4 with the bridge bit), and MQTT with level 3: CONNACK 1 and the connection closed', async () => {
    const b = remember(start);
    await withBroker(b.start, { allowAnonymous: true }, async () => {
      const clean = 0x02; // CleanSession 1
      expect(await rawConnect(b.port(), 'MQIsdp', 4, clean, str('v31-level4'))).toEqual({ answer: CONNACK_1, closed: true });
      expect(await rawConnect(b.port(), 'MQIsdp', 0x84, clean, str('v31-bridge4'))).toEqual({ answer: CONNACK_1, closed: true });
      expect(await rawConnect(b.port(), 'MQTT', 3, clean, str('v311-level3'))).toEqual({ answer: CONNACK_1, closed: true });
      // The pairs mosquitto takes, for contrast.
      expect(await rawConnect(b.port(), 'MQIsdp', 3, clean, str('v31-ok'))).toEqual({ answer: CONNACK_0, closed: false });
      expect(await rawConnect(b.port(), 'MQIsdp', 0x83, clean, str('v31-bridge-ok'))).toEqual({ answer: CONNACK_0, closed: false });
      expect(await rawConnect(b.port(), 'MQTT', 4, clean, str('v311-ok'))).toEqual({ answer: CONNACK_0, closed: false });
    });
  });

  it('the protocol is checked first: a bad password, an empty MQTT 3.1 client id or a QoS 3 will still get CONNACK 1', async () => {
    const b = remember(start);
    await withBroker(b.start, { passwd: 'u:p\n', allowAnonymous: false }, async () => {
      const userAndPassword = Buffer.concat([str('c1'), str('u'), str('wrong')]);
      expect(await rawConnect(b.port(), 'MQIsdp', 4, 0xc2, userAndPassword)).toEqual({ answer: CONNACK_1, closed: true });
      // An empty client id (CONNACK 2 in MQTT 3.1 with level 3), CleanSession 0.
      expect(await rawConnect(b.port(), 'MQTT', 3, 0x00, str(''))).toEqual({ answer: CONNACK_1, closed: true });
      // Will flag with will QoS 3 (closed without a CONNACK when the pair is right).
      const will = Buffer.concat([str('c3'), str('w/t'), str('bye')]);
      expect(await rawConnect(b.port(), 'MQIsdp', 4, 0x02 | 0x04 | 0x18, will)).toEqual({ answer: CONNACK_1, closed: true });
    });
  });

  it('a CONNECT refused with CONNACK 1 leaves the stored session of its client id alone', async () => {
    const b = remember(start);
    await withBroker(b.start, { allowAnonymous: true }, async (open) => {
      const first = await online(open, { clientId: 'keep', clean: false });
      await first.disconnect();
      // CleanSession 1 would end the stored session, had the CONNECT been taken.
      expect(await rawConnect(b.port(), 'MQIsdp', 4, 0x02, str('keep'))).toEqual({ answer: CONNACK_1, closed: true });
      const back = await online(open, { clientId: 'keep', clean: false });
      expect(back.packets.find((p) => p.cmd === 'connack')).toMatchObject({ sessionPresent: true });
    });
  });
});

describe('bundled broker: CONNACK 1 is reported', () => {
  it('as a refused CONNECT with return code 1 and the reason', async () => {
    const events: SecurityEvent[] = [];
    const broker = await startBroker({ port: 0, onEvent: (e) => events.push(e) });
    try {
      expect(await rawConnect(broker.port, 'MQIsdp', 4, 0x02, str('old-lib'))).toEqual({ answer: CONNACK_1, closed: true });
    } finally {
      await broker.close();
    }
    expect(events).toEqual([{
      kind: 'connect-refused', clientId: 'old-lib', username: null, returnCode: 1,
      reason: 'unacceptable protocol version: protocol name MQIsdp (MQTT 3.1) with level 4 (MQIsdp needs level 3)',
    }]);
  });
});
