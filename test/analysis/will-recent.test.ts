// The will may be delivered before the close is seen: unmatched deliveries are
// remembered (the last 1000, within the window) and matched when the will is armed.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

const WILL = { topic: 'status/c', payload: 'offline' };

function setup() {
  const sc = new Scenario();
  const w = sc.client('w').login().sub(1, ['#']);
  const c = sc.client('c').login({ will: WILL });
  return { sc, w, c };
}

describe('will-published: deliveries seen before the close', () => {
  it('finds the will among the last 1000 unmatched deliveries, after the ring has wrapped', () => {
    const { sc, w, c } = setup();
    for (let i = 0; i < 1500; i++) w.deliver({ topic: 'noise', payload: `n${i}` });
    const d = w.deliver({ topic: 'status/c', payload: 'offline' });
    for (let i = 0; i < 999; i++) w.deliver({ topic: 'noise', payload: `m${i}` });
    c.close('reset');
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['will-published']);
    expect(f[0]!.frames).toContain(d.frame);
  });

  it('forgets a delivery pushed out by 1000 later ones', () => {
    const { sc, w, c } = setup();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    for (let i = 0; i < 1000; i++) w.deliver({ topic: 'noise', payload: `m${i}` });
    c.close('reset');
    expect(sc.end()).toEqual([]);
  });

  it('forgets a delivery older than the window, and needs the same payload', () => {
    const { sc, w, c } = setup();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    sc.wait(6000);
    w.deliver({ topic: 'status/c', payload: 'offlinE' });
    w.pingreq();
    c.close('reset');
    expect(sc.end()).toEqual([]);
  });
});
