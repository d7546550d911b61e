// The will of a connection taken over, on mosquitto 2.0.11: it is published when the new
// connection starts a new session, and not when it resumes the old one (CONNACK session
// present: MQTT 3.1.1 Clean Session 0 after Clean Session 0, MQTT 5 Clean Start 0 on a
// session with a Session Expiry Interval). A will the acl_file denies is then no drop.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

// ug may write 'other' only: its will on 'w' is denied. uw reads everything.
const ACL_TEXT = 'user ug\ntopic write other\n\nuser uw\ntopic read #\n';
const WILL = { topic: 'w', payload: 'gone' };
const wills = (fs: { code: string; extra?: Record<string, unknown> }[]) => fs.filter((f) => f.code === 'will-published' || (f.code === 'undelivered-publish' && f.extra?.['will'] === true));

async function takeover(acl: string | null, version: 4 | 5, oldClean: boolean, newClean: boolean, sei: number) {
  const tap = await Tap.start(acl);
  const props = version === 5 ? { sessionExpiryInterval: sei } : undefined;
  const a = await tap.client('g', 'ug', version, [], props, oldClean, WILL);
  const w = await tap.client('w', 'uw', 4);
  w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'w', qos: 0 }] });
  await w.waitFor('suback');
  const b = await tap.client('g', 'ug', version, [], props, newClean);
  await a.closedByBroker(); // fed after the new CONNACK
  await sleep(300);
  return { w, present: (b.got[0] as { sessionPresent?: boolean }).sessionPresent, f: wills(await tap.end(6000)) };
}

describe('take-over and the old will (mosquitto 2.0.11)', () => {
  const cases = [
    { version: 4, oldClean: false, newClean: false, sei: 0, resumed: true },
    { version: 5, oldClean: false, newClean: false, sei: 30, resumed: true },
    { version: 4, oldClean: false, newClean: true, sei: 0, resumed: false },
    { version: 5, oldClean: false, newClean: true, sei: 30, resumed: false },
  ] as const;
  for (const k of cases) {
    const label = `MQTT ${k.version === 4 ? '3.1.1' : '5'}, Clean ${k.oldClean ? 1 : 0} then ${k.newClean ? 1 : 0}${k.sei ? `, Session Expiry ${k.sei} s` : ''}`;
    it(`${label}: ${k.resumed ? 'resumed, no will and no drop' : 'a new session, the will is sent'}`, async () => {
      const open = await takeover(null, k.version, k.oldClean, k.newClean, k.sei);
      expect(open.present).toBe(k.resumed);
      expect(open.w.payloads()).toEqual(k.resumed ? [] : ['gone']);
      expect(open.f.map((x) => x.code)).toEqual(k.resumed ? [] : ['will-published']);
      const denied = await takeover(ACL_TEXT, k.version, k.oldClean, k.newClean, k.sei);
      expect(denied.w.payloads()).toEqual([]);
      expect(denied.f.map((x) => x.code)).toEqual(k.resumed ? [] : ['undelivered-publish']);
    }, 30000);
  }

  for (const closeFirst of [false, true]) {
    it(`the analysis alone: a resumed take-over arms no will (old close seen ${closeFirst ? 'before' : 'after'} the CONNACK)`, () => {
      const sc = new Scenario({ brokerKind: 'mosquitto', acl: parseAclFile(ACL_TEXT, 'acl.txt') });
      sc.client('w').login({ username: 'uw' }).sub(1, ['w']);
      const a = sc.client('a').login({ clientId: 'g', username: 'ug', clean: false, will: WILL });
      const b = sc.client('b');
      b.connect({ clientId: 'g', username: 'ug', clean: false });
      if (closeFirst) { a.close('fin'); b.connack(0, { sessionPresent: true }); } else { b.connack(0, { sessionPresent: true }); a.close('fin'); }
      sc.wait(10_000);
      expect(wills(sc.end())).toEqual([]);
    });
  }
});
