// A session with a delayed will (MQTT 5 Will Delay Interval) taken over: the connection
// taking over is a new connection of the client id within the delay, so the will is not
// sent [MQTT-3.1.3-9]; mosquitto 2.0.11 sends none, whether the new connection resumes
// the session or starts a new one. A will the acl_file denies is then no drop, in either
// order of the old connection's close and the new one's CONNACK.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

// ug may write 'other' only: its will on 'wt' is denied. uw reads everything.
const ACL_TEXT = 'user ug\ntopic write other\n\nuser uw\ntopic read #\n';
const WILL = { topic: 'wt', payload: 'gone' };
const wills = (fs: { code: string; extra?: Record<string, unknown> }[]) => fs.filter((f) => f.code === 'will-published' || (f.code === 'undelivered-publish' && f.extra?.['will'] === true));

describe('take-over of a session with a delayed will', () => {
  for (const closeFirst of [false, true]) {
    it(`no will is awaited (the old close seen ${closeFirst ? 'before' : 'after'} the new CONNACK)`, () => {
      const sc = new Scenario({ brokerKind: 'mosquitto', acl: parseAclFile(ACL_TEXT, 'acl.txt') });
      sc.client('w', { version: 5 }).login({ username: 'uw' }).sub(1, ['wt']);
      const a = sc.client('a', { version: 5 }).login({ clientId: 'g', username: 'ug', will: { ...WILL, properties: { will_delay_interval: 2 } } });
      const b = sc.client('b', { version: 5 });
      b.connect({ clientId: 'g', username: 'ug' });
      if (closeFirst) { a.close('fin'); b.connack(0); } else { b.connack(0); a.close('fin'); }
      sc.wait(10_000);
      expect(wills(sc.end())).toEqual([]);
    });
  }

  it('with no Will Delay Interval the will is still due on take-over (the acl_file denies it: reported)', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto', acl: parseAclFile(ACL_TEXT, 'acl.txt') });
    sc.client('w', { version: 5 }).login({ username: 'uw' }).sub(1, ['wt']);
    const a = sc.client('a', { version: 5 }).login({ clientId: 'g', username: 'ug', will: WILL });
    const b = sc.client('b', { version: 5 });
    b.connect({ clientId: 'g', username: 'ug' });
    b.connack(0);
    a.close('fin');
    sc.wait(10_000);
    expect(wills(sc.end()).map((f) => f.code)).toEqual(['undelivered-publish']);
  });

  for (const clean of [false, true]) {
    it(`mosquitto 2.0.11 sends no will, and the analysis reports no drop (Clean Start ${clean ? 1 : 0})`, async () => {
      const tap = await Tap.start(ACL_TEXT, { deliveryWindowUs: 1_000_000 });
      const w = await tap.client('w', 'uw', 5);
      w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
      await w.waitFor('suback');
      const a = await tap.client('g', 'ug', 5, [], { sessionExpiryInterval: 30 }, true, { ...WILL, properties: { willDelayInterval: 2 } });
      await tap.client('g', 'ug', 5, [], { sessionExpiryInterval: 30 }, clean);
      await a.closedByBroker(); // fed after the new CONNACK
      await sleep(3500); // past the delay, and past mosquitto's once-a-second look at delayed wills
      expect(w.payloads()).toEqual([]);
      expect(wills(await tap.end(3000))).toEqual([]);
    }, 20000);
  }

  it('mosquitto 2.0.11, the acl_file allowing the will: it is not sent either', async () => {
    const tap = await Tap.start(null);
    const w = await tap.client('w', 'uw', 5);
    w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
    await w.waitFor('suback');
    const a = await tap.client('g', 'ug', 5, [], { sessionExpiryInterval: 30 }, true, { ...WILL, properties: { willDelayInterval: 2 } });
    await tap.client('g', 'ug', 5, [], { sessionExpiryInterval: 30 }, false);
    await a.closedByBroker();
    await sleep(3500);
    expect(w.payloads()).toEqual([]);
    expect(wills(await tap.end(3000))).toEqual([]);
  }, 20000);
});
