// One publish routed to thousands of subscribers: each delivery finds the expectation
// it meets through an index (Pending.esIndex), not by walking all of them, and knows the
// publish is fully delivered from a count. Before, every delivery walked the list of
// expectations (one per subscriber) twice, so a publish cost the square of its
// subscribers: 10,000 subscribers took about 110 ms per publish.
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';

/** µs per delivery with `n` subscribers of `fan/#`, each publish delivered to all but `skip` of them. */
function perDelivery(n: number, publishes: number, skip = -1): { us: number; h: Harness; ids: string[] } {
  const h = new Harness({ brokerKind: 'mosquitto' });
  const subs = Array.from({ length: n }, (_, k) => {
    const c = h.conn();
    c.login(`fan${k}`, 'u');
    c.sub(1, 'fan/#');
    return c;
  });
  const pub = h.conn();
  pub.login('publisher', 'p');
  // The deliveries' bytes made once and fed to the engine directly: the harness's own cost
  // per packet (encoding, checks) would hide the analysis's.
  const copies = Array.from({ length: publishes }, (_, i) => new Uint8Array(mqtt.generate({ cmd: 'publish', topic: 'fan/x', payload: Buffer.from(`m${i}`), qos: 0, retain: false, dup: false })));
  const t0 = performance.now();
  for (let i = 0; i < publishes; i++) {
    pub.publish({ topic: 'fan/x', payload: `m${i}` });
    subs.forEach((c, k) => { if (k !== skip) h.engine.data(c.meta.id, 's2c', copies[i]!, h.time, ++h.frame); });
  }
  const us = ((performance.now() - t0) * 1000) / (publishes * n);
  return { us, h, ids: subs.map((c) => c.meta.id) };
}

describe('a publish with thousands of subscribers', () => {
  it('looks at a handful of expectations per delivery, with 500 subscribers as with 10,000', () => {
    for (const n of [500, 10_000]) {
      const { h } = perDelivery(n, 3);
      const work = (h.analyzer as unknown as { delivery: { expectationWork: number } }).delivery.expectationWork;
      // One expectation per delivery now; n / 2 on average before (a walk of the list).
      expect(work).toBeLessThan(2 * 3 * n);
    }
  }, 20_000);

  it('still names the one subscriber of 8,000 that missed the message', () => {
    const { h, ids } = perDelivery(8000, 1, 4321);
    const f = h.end();
    const withheld = f.filter((x) => x.code === 'withheld-delivery');
    expect(withheld).toHaveLength(1);
    expect(withheld[0]!.conn).toBe(ids[4321]);
    expect(withheld[0]!.clientId).toBe('fan4321');
    expect(withheld[0]!.topic).toBe('fan/x');
    expect(f.filter((x) => x.code === 'undelivered-publish')).toHaveLength(0);
  }, 20_000);

  it('with enough subscribers for the index: shared groups, and a delivery on a later connection of the client id', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    // 20 plain subscribers, 10 shared groups of 2 members: 30 expectations.
    const plain = Array.from({ length: 20 }, (_, k) => {
      const c = h.conn();
      c.login(`plain${k}`, 'u');
      c.sub(1, 'idx/#');
      return c;
    });
    const members = Array.from({ length: 20 }, (_, k) => {
      const c = h.conn();
      c.login(`member${k}`, 'u');
      c.sub(1, `$share/g${k % 10}/idx/#`);
      return c;
    });
    const pub = h.conn();
    pub.login('publisher', 'p');
    pub.publish({ topic: 'idx/a', payload: 'one' });
    // plain0 reconnects and gets its copy on the new connection (persistent sessions).
    plain[0]!.close();
    const again = h.conn();
    again.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, clientId: 'plain0', keepalive: 60, username: 'u', password: Buffer.from('pw') });
    again.s({ cmd: 'connack', sessionPresent: true, returnCode: 0 });
    again.deliver({ topic: 'idx/a', payload: 'one' });
    for (const c of plain.slice(1)) c.deliver({ topic: 'idx/a', payload: 'one' });
    // One member of each group but g3: members 0..9 are in g0..g9, 10..19 again in g0..g9.
    for (let g = 0; g < 10; g++) if (g !== 3) members[g % 2 === 0 ? g : g + 10]!.deliver({ topic: 'idx/a', payload: 'one' });
    const f = h.end().filter((x) => x.code === 'withheld-delivery' || x.code === 'undelivered-publish');
    expect(f).toHaveLength(1);
    expect(f[0]!.code).toBe('withheld-delivery');
    expect((f[0]!.extra?.['subscriber'] as { share_group: string }).share_group).toBe('g3');
    expect(f[0]!.extra?.['delivered_count']).toBe(29);
  });

  it('looks at a handful of expectations per delivery with 2,000 shared groups of one member each', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const n = 2000;
    const subs = Array.from({ length: n }, (_, k) => {
      const c = h.conn();
      c.login(`grp${k}`, 'u');
      c.sub(1, `$share/g${k}/grp/#`);
      return c;
    });
    const pub = h.conn();
    pub.login('publisher', 'p');
    const copy = new Uint8Array(mqtt.generate({ cmd: 'publish', topic: 'grp/x', payload: Buffer.from('g'), qos: 0, retain: false, dup: false }));
    pub.publish({ topic: 'grp/x', payload: 'g' });
    // Every group but the last gets its copy.
    subs.slice(0, n - 1).forEach((c) => h.engine.data(c.meta.id, 's2c', copy, h.time, ++h.frame));
    const work = (h.analyzer as unknown as { delivery: { expectationWork: number } }).delivery.expectationWork;
    // One or two per delivery now; every group's expectation (2,000) per delivery before.
    expect(work).toBeLessThan(3 * n);
    const f = h.end().filter((x) => x.code === 'withheld-delivery');
    expect(f).toHaveLength(1);
    expect((f[0]!.extra?.['subscriber'] as { share_group: string }).share_group).toBe(`g${n - 1}`);
  });
});
