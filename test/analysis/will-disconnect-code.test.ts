// An MQTT 5 DISCONNECT with an error code: the spec discards the will only on 0x00
// [MQTT-3.14.4-3], but mosquitto 2.0.11 discards it on every code but 0x04 (Disconnect
// with Will Message). So a will the acl_file denies was not dropped for the acl_file's
// sake after such a DISCONNECT: mosquitto never meant to send it, and no drop is reported.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario, summary } from './helpers.js';
import { sleep, Tap } from './mosquitto-tap.js';

// uw may write 'other' only: its will on 'wt' is denied. us reads everything.
const ACL_TEXT = 'user uw\ntopic write other\n\nuser us\ntopic read #\n';
const WILL = { topic: 'wt', payload: 'bye' };
const wills = (fs: { code: string; extra?: Record<string, unknown> }[]) => fs.filter((f) => f.code === 'will-published' || (f.code === 'undelivered-publish' && f.extra?.['will'] === true));

async function run(acl: string | null, code: number) {
  const tap = await Tap.start(acl, { deliveryWindowUs: 1_000_000 });
  const s = await tap.client('s', 'us', 5);
  s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
  await s.waitFor('suback');
  const w = await tap.client('w', 'uw', 5, [], undefined, true, WILL);
  w.send({ cmd: 'disconnect', reasonCode: code });
  w.close();
  await sleep(1500);
  return { s, f: wills(await tap.end(3000)) };
}

describe('a will after an MQTT 5 DISCONNECT with an error code (mosquitto 2.0.11)', () => {
  it('0x80 with the acl_file allowing the will: mosquitto sends no will', async () => {
    const { s, f } = await run(null, 0x80);
    expect(s.payloads()).toEqual([]);
    expect(f).toEqual([]);
  }, 20000);

  it('0x80 with the acl_file denying the will: no drop is put down to the acl_file', async () => {
    const { s, f } = await run(ACL_TEXT, 0x80);
    expect(s.payloads()).toEqual([]);
    expect(f).toEqual([]);
  }, 20000);

  it('0x04 with the acl_file denying the will: the drop is reported', async () => {
    const { s, f } = await run(ACL_TEXT, 0x04);
    expect(s.payloads()).toEqual([]);
    expect(f.map((x) => x.code)).toEqual(['undelivered-publish']);
    expect(f[0]!.text).toContain('was due when the client sent DISCONNECT 0x04 (Disconnect with Will Message)');
  }, 20000);

  it('0x04 with the acl_file allowing the will: will-published', async () => {
    const { s, f } = await run(null, 0x04);
    expect(s.payloads()).toEqual(['bye']);
    expect(f.map((x) => x.code)).toEqual(['will-published']);
  }, 20000);

  it('the same with the analysis alone: 0x80 and a denied will give no drop; a matching delivery is still the will', () => {
    const acl = parseAclFile(ACL_TEXT, 'acl.txt');
    const quiet = new Scenario({ brokerKind: 'mosquitto', acl });
    quiet.client('s', { version: 5 }).login({ username: 'us' }).sub(1, ['wt']);
    const a = quiet.client('w', { version: 5 }).login({ username: 'uw', will: WILL });
    a.disconnect(0x80);
    a.close();
    quiet.wait(10_000);
    expect(wills(quiet.end())).toEqual([]);

    const sent = new Scenario({ brokerKind: 'mosquitto', acl });
    const s = sent.client('s', { version: 5 }).login({ username: 'us' }).sub(1, ['wt']);
    const b = sent.client('w', { version: 5 }).login({ username: 'uw', will: WILL });
    b.disconnect(0x80);
    b.close();
    s.deliver({ topic: 'wt', payload: 'bye' });
    expect(wills(sent.end()).map((f) => f.code)).toEqual(['will-published']);
  });

  it('a DISCONNECT 0x00 that raises the Session Expiry Interval from 0 is refused (0x82) and does not discard the will: mosquitto publishes it', async () => {
    const tap = await Tap.start(null);
    const s = await tap.client('s', 'us', 5);
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wt', qos: 0 }] });
    await s.waitFor('suback');
    const w = await tap.client('w', 'uw', 5, [], undefined, true, WILL);
    w.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 100 } });
    await w.waitFor('disconnect'); // 0x82 Protocol Error
    await w.closedByBroker();
    await sleep(500);
    expect(s.payloads()).toEqual(['bye']);
    const all = await tap.end(6000);
    const f = wills(all);
    expect(f.map((x) => x.code)).toEqual(['will-published']);
    expect(f[0]!.text).toContain('sent DISCONNECT 0x00 (Normal disconnection), which the broker refused as a protocol error (it raised the Session Expiry Interval from 0), so the will was not discarded');
    const v = all.find((x) => x.code === 'protocol-violation')!;
    expect(v.text).toContain("and publishes the will on 'wt': this DISCONNECT does not discard it");
  }, 20000);

  it('the same with the analysis alone: the refused DISCONNECT 0x00 leaves the will armed', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const s = sc.client('s', { version: 5 }).login({ username: 'us' }).sub(1, ['wt']);
    const w = sc.client('w', { version: 5 }).login({ username: 'uw', will: WILL });
    // DISCONNECT: reason code 0x00 (Success), Session Expiry Interval 100 s (the CONNECT had none)
    sc.feed(w, 'c2s', summary(14, { reasonCodes: [0x00], properties: { session_expiry_interval: 100 } }));
    w.disconnect(0x82, 's2c');
    w.close();
    s.deliver({ topic: 'wt', payload: 'bye' });
    expect(wills(sc.end()).map((f) => f.code)).toEqual(['will-published']);
  });
});
