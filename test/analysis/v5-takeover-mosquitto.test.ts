// An MQTT 5 session taken over on a real mosquitto 2.0.11: the spec has the broker send
// the older connection DISCONNECT 0x8E (Session taken over) before closing it
// [MQTT-3.1.4-3]; mosquitto 2.0.11 closes it without one, and publishes its will (Will
// Delay Interval 0). The analysis reports the take-over and the will either way.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';
import { Tap, sleep } from './mosquitto-tap.js';

describe('MQTT 5 take-over (mosquitto 2.0.11)', () => {
  it('the older connection gets no DISCONNECT 0x8E; session-takeover, and will-published caused by the take-over', async () => {
    const tap = await Tap.start(null);
    const a = await tap.client('g', 'ug', 5, [], undefined, true, { topic: 'w', payload: 'gone' });
    const w = await tap.client('w', 'uw', 5);
    w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'w', qos: 0 }] });
    await w.waitFor('suback');
    const b = await tap.client('g', 'ug', 5);
    await a.closedByBroker();
    await sleep(200);
    expect(a.got.map((x) => x.cmd)).toEqual(['connack']); // closed without a DISCONNECT
    expect(w.payloads()).toEqual(['gone']);
    const f = await tap.end(6000);
    expect(f.map((x) => x.code).sort()).toEqual(['session-takeover', 'will-published']);
    expect(f.find((x) => x.code === 'session-takeover')).toMatchObject({ conn: b.meta.id, extra: { previous_conn: a.meta.id } });
    expect(f.find((x) => x.code === 'will-published')!.extra).toMatchObject({ will_topic: 'w', cause: `was taken over by ${b.meta.id}` });
  }, 20000);

  it('the older connection seen closing before the CONNACK of the one taking over: the will is still put down to the take-over', () => {
    const h = new Harness();
    const a = h.conn(5);
    a.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'g', keepalive: 60, will: { topic: 'w', payload: Buffer.from('gone'), qos: 0, retain: false } });
    a.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
    const w = h.conn(5).login('w', undefined).sub(1, 'w');
    const b = h.conn(5);
    b.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'g', keepalive: 60 });
    a.close('fin', 's2c'); // the broker closes the older connection,
    w.deliver({ topic: 'w', payload: 'gone' }); // publishes its will,
    b.s({ cmd: 'connack', sessionPresent: false, reasonCode: 0 }); // then answers the new CONNECT
    const f = h.end().find((x) => x.code === 'will-published');
    expect(f?.extra).toMatchObject({ cause: `was taken over by ${b.meta.id}` });
    expect(f!.text).toContain(`the client was taken over by ${b.meta.id}`);
  });
});
