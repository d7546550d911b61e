// MQTT 5 session persistence on a real mosquitto 2.0.11: the session outlives the
// connection when its Session Expiry Interval is above 0 [MQTT-3.1.2-23], whatever
// Clean Start says; a client DISCONNECT may change the interval, except from 0 to more
// (a protocol error: mosquitto answers DISCONNECT 0x82 and ends the session).
import { describe, expect, it } from 'vitest';
import { Tap, type TapClient, sleep } from './mosquitto-tap.js';

const qos2 = { cmd: 'publish', topic: 't', payload: Buffer.from('m'), qos: 2, messageId: 5, retain: false, dup: false };
const incomplete = (fs: { code: string; clientId?: string | null }[]) => fs.filter((f) => f.code === 'qos-flow-incomplete' && f.clientId === 'pub');

/** 'pub' connects (`connect` properties, Clean Start `clean`), publishes QoS 2 id 5 to 't' and gets PUBREC. */
async function cutAfterPubrec(tap: Tap, clean: boolean, properties?: Record<string, unknown>): Promise<TapClient> {
  const p = await tap.client('pub', 'up', 5, [], properties, clean);
  p.send(qos2);
  await p.waitFor('pubrec');
  return p;
}

describe('MQTT 5 Session Expiry Interval (mosquitto 2.0.11)', () => {
  it('Clean Start 1 with a Session Expiry Interval keeps the session: its QoS 2 message is judged when the resume releases it', async () => {
    const tap = await Tap.start('user up\ntopic readwrite t\n\nuser us\ntopic read t\n\nuser ud\ntopic read other\n');
    const s = await tap.client('s', 'us', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 1 }] });
    await s.waitFor('suback');
    const d = await tap.client('d', 'ud', 5);
    d.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 1 }] });
    await d.waitFor('suback');
    const p = await cutAfterPubrec(tap, true, { sessionExpiryInterval: 100 });
    p.close(); // no DISCONNECT: the flow is cut awaiting PUBREL
    await sleep(100);
    const p2 = await tap.client('pub', 'up', 5, [], { sessionExpiryInterval: 100 }, false);
    expect((p2.got[0] as { sessionPresent?: boolean }).sessionPresent).toBe(true); // mosquitto kept the session
    p2.send({ cmd: 'pubrel', messageId: 5 });
    await p2.waitFor('pubcomp');
    await sleep(400); // past the settle time (250 ms): a subscriber that leaves sooner is excused
    expect(s.payloads()).toEqual(['m']);
    expect(d.payloads()).toEqual([]);
    const f = await tap.end(6000);
    const cut = incomplete(f);
    expect(cut).toHaveLength(1);
    expect(cut[0]!.text).toContain('The session is persistent (Session Expiry Interval 100 s), so the flows should resume when the client reconnects.');
    const w = f.filter((x) => x.code === 'withheld-delivery' && x.extra?.['at_subscribe'] !== true);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ clientId: 'd', topic: 't', extra: { acl_confirmed: true } });
    expect(w[0]!.text).toContain('released by the PUBREL re-sent when the session resumed');
    expect(f.filter((x) => x.code === 'protocol-violation')).toEqual([]);
  }, 20000);

  it('Clean Start 0 with no Session Expiry Interval: the session ends with the connection', async () => {
    const tap = await Tap.start(null);
    const p = await cutAfterPubrec(tap, false);
    p.close();
    await sleep(100);
    const p2 = await tap.client('pub', 'up', 5, [], undefined, false);
    expect((p2.got[0] as { sessionPresent?: boolean }).sessionPresent).toBe(false);
    const cut = incomplete(await tap.end(6000));
    expect(cut).toHaveLength(1);
    expect(cut[0]!.text).toContain('The session ends with the connection (Session Expiry Interval 0), so they are lost.');
    expect(cut[0]!.text).not.toContain('persistent');
  }, 20000);

  it('a DISCONNECT that raises the interval from 0 is refused (0x82): the session still ends', async () => {
    const tap = await Tap.start(null);
    const p = await cutAfterPubrec(tap, false);
    p.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 100 } });
    await p.waitFor('disconnect'); // mosquitto: 0x82 Protocol Error
    expect((p.got.find((x) => x.cmd === 'disconnect') as { reasonCode?: number }).reasonCode).toBe(0x82);
    await p.closedByBroker();
    await sleep(100);
    const p2 = await tap.client('pub', 'up', 5, [], undefined, false);
    expect((p2.got[0] as { sessionPresent?: boolean }).sessionPresent).toBe(false);
    const f = await tap.end(6000);
    expect(f.filter((x) => x.code === 'protocol-violation').map((x) => x.extra?.['violation'])).toEqual(['session-expiry-raised']);
    const cut = incomplete(f);
    expect(cut).toHaveLength(1);
    expect(cut[0]!.text).toContain('The session ends with the connection (Session Expiry Interval 0)');
  }, 20000);

  it('a DISCONNECT that lowers the interval to 0 ends a session the CONNECT meant to keep', async () => {
    const tap = await Tap.start(null);
    const p = await cutAfterPubrec(tap, false, { sessionExpiryInterval: 100 });
    p.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await p.closedByBroker();
    await sleep(100);
    const p2 = await tap.client('pub', 'up', 5, [], { sessionExpiryInterval: 100 }, false);
    expect((p2.got[0] as { sessionPresent?: boolean }).sessionPresent).toBe(false);
    const cut = incomplete(await tap.end(6000));
    expect(cut).toHaveLength(1);
    expect(cut[0]!.text).toContain('The session ends with the connection (Session Expiry Interval 0)');
  }, 20000);
});
