// A publish that half of many subscribers got: one withheld-delivery per
// subscriber that missed it, each naming those that got it. Listing them all
// was quadratic per publish (1,000 subscribers, 500 missing each of 100
// publishes: 25 million delivered_to entries and 6 s of analysis, in the
// proxy's event loop); each finding now names the first 20 and counts the rest.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/packet.js';
import { connack, connect, publish, Rig, suback, subscribe } from '../soak/wire.js';

/** `n` subscribers to '#' and a publisher, connected; the withheld-delivery findings collected. */
function subscribed(n: number): { rig: Rig; findings: Finding[]; subs: string[]; pub: string; msg: Uint8Array } {
  const rig = new Rig({ deliveryWindowUs: 1_000_000 });
  const findings: Finding[] = [];
  rig.tap = (r) => { if (r.kind === 'finding' && r.code === 'withheld-delivery') findings.push(r); };
  const subs: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = rig.open();
    rig.c(id, connect(`s${i}`));
    rig.s(id, connack());
    rig.c(id, subscribe(1, '#'));
    rig.s(id, suback(1));
    subs.push(id);
  }
  const pub = rig.open();
  rig.c(pub, connect('pub'));
  rig.s(pub, connack());
  return { rig, findings, subs, pub, msg: publish('t/x', 'hello') };
}

describe('withheld-delivery with many subscribers on each side', () => {
  it('400 subscribers, 200 of them get the message: 200 findings, each naming 20 that got it and counting the rest', () => {
    const { rig, findings, subs, pub, msg } = subscribed(400);
    rig.time += 1000;
    rig.c(pub, msg);
    for (let i = 0; i < 200; i++) rig.s(subs[i]!, msg);
    for (let k = 0; k < 3; k++) rig.advance(1_000_000);
    expect(findings).toHaveLength(200);
    const f = findings[0]!;
    const extra = f.extra as { delivered_to: { client_id: string }[]; delivered_count?: number };
    expect(extra.delivered_to.map((d) => d.client_id)).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`));
    expect(extra.delivered_count).toBe(200);
    expect(f.text).toBe("The broker delivered this QoS 0 publish from client 'pub' on 't/x' to "
      + Array.from({ length: 20 }, (_, i) => `s${i}`).join(', ')
      + " and 180 more but not to s200 (filter '#'); with a mosquitto acl_file this is a denied read.");
    expect(findings.reduce((n, x) => n + (x.extra as { delivered_to: unknown[] }).delivered_to.length, 0)).toBe(200 * 20);
  });

  it('with 20 or fewer that got it, all are listed and no count is added', () => {
    const { rig, findings, subs, pub, msg } = subscribed(21);
    rig.c(pub, msg);
    for (let i = 0; i < 20; i++) rig.s(subs[i]!, msg);
    for (let k = 0; k < 3; k++) rig.advance(1_000_000);
    expect(findings).toHaveLength(1);
    expect((findings[0]!.extra as { delivered_to: unknown[] }).delivered_to).toHaveLength(20);
    expect('delivered_count' in findings[0]!.extra).toBe(false);
    expect(findings[0]!.text).not.toContain('more but not to');
  });
});
