// Flow control on a real mosquitto 2.0.11: a subscriber that leaves QoS 1/2 publishes
// unacknowledged gets no more of them once it has as many in flight as it may (its MQTT 5
// Receive Maximum, else max_inflight_messages, 20 by default); mosquitto queues the rest.
// A message held back that way is reported as flow control, not as a denied read or write.
import { describe, expect, it } from 'vitest';
import { Tap } from './mosquitto-tap.js';
import { sleep } from './mosquitto-tap.js';

const pub = (topic: string, payload: string, messageId: number) => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId, retain: false, dup: false });
const drops = (fs: { code: string; severity: string }[]) => fs.filter((f) => f.code === 'withheld-delivery' || f.code === 'undelivered-publish');

describe('flow control (mosquitto 2.0.11)', () => {
  it('a subscriber at its Receive Maximum is held back, not denied a read (withheld-delivery)', async () => {
    const tap = await Tap.start('user admin\ntopic readwrite #\n\nuser us\ntopic read r/#\n');
    const s = await tap.client('s', 'us', 5, [], { receiveMaximum: 1 });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 1 }] });
    await s.waitFor('suback');
    const w = await tap.client('w', 'admin', 5);
    w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 1 }] });
    await w.waitFor('suback');
    const p = await tap.client('p', 'admin', 5);
    p.send(pub('r/1', 'm0', 20));
    p.send(pub('r/2', 'm1', 21));
    await sleep(300);
    expect(s.payloads()).toEqual(['m0']); // mosquitto sent s one, and holds m1 until s acknowledges m0
    expect(w.payloads()).toEqual(['m0', 'm1']);
    const f = drops(await tap.end(6000));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'withheld-delivery', clientId: 's', topic: 'r/2', extra: { acl_confirmed: false, held_back: { client_id: 's', unacknowledged: 1, limit: 1, receive_maximum: 1 } } });
    expect(f[0]!.text).toContain('The acl_file allows this read');
    expect(f[0]!.text).toMatch(/This is flow control, not a denial: s had 1 QoS 1\/2 publish from the broker unacknowledged \(the oldest frame \d+\), as many as its Receive Maximum \(1\) allows, and the broker sends no more QoS 1\/2 publishes until it acknowledges one \[MQTT-3\.3\.4-9\]/);
  }, 20000);

  it('the only subscriber held back: undelivered-publish says flow control, not a denied write', async () => {
    const tap = await Tap.start(null);
    const s = await tap.client('s', 'us', 5, [], { receiveMaximum: 2 });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 2 }] });
    await s.waitFor('suback');
    const p = await tap.client('p', 'up', 5);
    for (let i = 0; i < 3; i++) p.send(pub(`r/${i}`, `m${i}`, 20 + i));
    await sleep(300);
    expect(s.payloads()).toEqual(['m0', 'm1']);
    const f = drops(await tap.end(6000));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'undelivered-publish', clientId: 'p', topic: 'r/2', extra: { held_back: [{ client_id: 's', unacknowledged: 2, receive_maximum: 2 }] } });
    expect(f[0]!.text).not.toContain('denied write');
    expect(f[0]!.text).toContain('This is flow control, not a denial: s had 2 QoS 1/2 publishes from the broker unacknowledged');
  }, 20000);

  it('MQTT 3.1.1: past max_inflight_messages (20) unacknowledged, most likely flow control', async () => {
    const tap = await Tap.start(null);
    const s = await tap.client('s', 'us', 4);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 1 }] });
    await s.waitFor('suback');
    const p = await tap.client('p', 'up', 4);
    for (let i = 0; i < 22; i++) p.send(pub(`r/${i}`, `m${i}`, 20 + i));
    await sleep(300);
    expect(s.payloads()).toHaveLength(20);
    const f = drops(await tap.end(6000));
    expect(f.map((x) => x.topic)).toEqual(['r/20', 'r/21']);
    for (const x of f) {
      expect(x).toMatchObject({ code: 'undelivered-publish', extra: { held_back: [{ unacknowledged: 20, limit: 20, receive_maximum: null }] } });
      expect(x.text).toContain('This is most likely flow control, not a denial: s had 20 QoS 1/2 publishes from the broker unacknowledged');
      expect(x.text).toContain('max_inflight_messages (20 by default)');
    }
  }, 20000);

  it('QoS 0 copies are sent whatever is in flight: a missed one is not put down to flow control', async () => {
    const tap = await Tap.start(null);
    const s = await tap.client('s', 'us', 5, [], { receiveMaximum: 1 });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 0 }] });
    await s.waitFor('suback');
    const p = await tap.client('p', 'up', 5);
    for (let i = 0; i < 3; i++) p.send(pub(`r/${i}`, `m${i}`, 20 + i));
    await sleep(300);
    expect(s.payloads()).toEqual(['m0', 'm1', 'm2']);
    expect(drops(await tap.end(6000))).toEqual([]);
  }, 20000);
});
