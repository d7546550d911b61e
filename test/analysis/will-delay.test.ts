// An MQTT 5 will with a Will Delay Interval on a real mosquitto 2.0.11: when a new
// connection of the same client id comes before the delay ends, the will is not sent
// [MQTT-3.1.3-9] (mosquitto sends it neither on a resumed session nor on a Clean Start 1
// one). The analysis then awaits it no more: a will the acl_file denies is no drop.
import { describe, expect, it } from 'vitest';
import { Tap, sleep } from './mosquitto-tap.js';

// uw may write 'other' only: its will on 'wt' is denied.
const ACL = 'user uw\ntopic write other\n\nuser us\ntopic read #\n';
const will = { topic: 'wt', payload: 'bye', properties: { willDelayInterval: 1 } };
const wills = (fs: { code: string; extra?: Record<string, unknown> }[]) => fs.filter((f) => f.code === 'will-published' || (f.code === 'undelivered-publish' && f.extra?.['will'] === true));

async function start(acl: string | null) {
  const tap = await Tap.start(acl);
  const s = await tap.client('s', 'us', 5);
  s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
  await s.waitFor('suback');
  const w = await tap.client('w', 'uw', 5, [], { sessionExpiryInterval: 30 }, false, will);
  w.reset(); // no DISCONNECT: the will is owed, after its 1 s delay
  return { tap, s };
}

describe('Will Delay Interval (mosquitto 2.0.11)', () => {
  for (const clean of [false, true]) {
    it(`the client is back within the delay (Clean Start ${clean ? 1 : 0}): no will, and a will the acl_file denies is no drop`, async () => {
      const { tap, s } = await start(ACL);
      await sleep(200);
      const w2 = await tap.client('w', 'uw', 5, [], { sessionExpiryInterval: 30 }, clean);
      expect((w2.got[0] as { sessionPresent?: boolean }).sessionPresent).toBe(!clean);
      await sleep(2500); // past the delay, and past mosquitto's once-a-second look at delayed wills
      expect(s.payloads()).toEqual([]);
      expect(wills(await tap.end(8000))).toEqual([]);
    }, 20000);
  }

  it('the client is not back: the will the acl_file denies is still reported once its delay has run', async () => {
    const { tap, s } = await start(ACL);
    await sleep(1500);
    expect(s.payloads()).toEqual([]);
    const f = wills(await tap.end(8000));
    expect(f.map((x) => [x.code, x.clientId])).toEqual([['undelivered-publish', 'w']]);
  }, 20000);

  it('the client is back after the delay: mosquitto sent the will, will-published', async () => {
    const { tap, s } = await start(null);
    await sleep(1000);
    await s.waitFor('publish'); // mosquitto looks at delayed wills about once a second
    await tap.client('w', 'uw', 5, [], { sessionExpiryInterval: 30 }, false);
    expect(s.payloads()).toEqual(['bye']);
    const f = wills(await tap.end(8000));
    expect(f.map((x) => [x.code, x.clientId])).toEqual([['will-published', 'w']]);
  }, 20000);

  it('Session Expiry Interval 0: mosquitto still waits for the Will Delay Interval, and that late delivery is the will', async () => {
    // A 1 s delivery window, shorter than the 2 s delay: the will is awaited for its delay.
    const tap = await Tap.start(null, { deliveryWindowUs: 1_000_000 });
    const s = await tap.client('s', 'us', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
    await s.waitFor('suback');
    const w = await tap.client('w', 'uw', 5, [], undefined, true, { ...will, properties: { willDelayInterval: 2 } });
    const t0 = Date.now();
    w.reset();
    for (let i = 0; i < 40 && s.payloads().length === 0; i++) await sleep(100);
    expect(s.payloads()).toEqual(['bye']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900); // not at the close, where the session ended
    const f = wills(await tap.end(3000));
    expect(f.map((x) => [x.code, x.clientId])).toEqual([['will-published', 'w']]);
  }, 20000);

  it('Session Expiry Interval 0, the client is back within the delay: no will, and a will the acl_file denies is no drop', async () => {
    const tap = await Tap.start(ACL, { deliveryWindowUs: 1_000_000 });
    const s = await tap.client('s', 'us', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
    await s.waitFor('suback');
    const w = await tap.client('w', 'uw', 5, [], undefined, true, { ...will, properties: { willDelayInterval: 2 } });
    w.reset();
    await sleep(300);
    await tap.client('w', 'uw', 5);
    await sleep(3000); // past the delay, and past mosquitto's once-a-second look at delayed wills
    expect(s.payloads()).toEqual([]);
    expect(wills(await tap.end(3000))).toEqual([]);
  }, 20000);
});
