// An MQTT 5 will with a Will Delay Interval on a session that ends with the connection
// (Session Expiry Interval 0): the spec has it sent at the close (the session's end comes
// first) [MQTT-3.1.3-9], mosquitto 2.0.11 sends it after the Will Delay Interval anyway.
// Either delivery is the will.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

const WILL = { topic: 'status/c', payload: 'offline', properties: { will_delay_interval: 5 } };

function setup() {
  const sc = new Scenario();
  const w = sc.client('w').login().sub(1, ['status/#']);
  const c = sc.client('c', { version: 5 }).login({ will: WILL });
  return { sc, w, c };
}

describe('will-published: Will Delay Interval with Session Expiry Interval 0', () => {
  it('the will comes after its Will Delay Interval (mosquitto 2.0.11), past the delivery window from the close', () => {
    const { sc, w, c } = setup();
    c.close('reset');
    sc.wait(5900);
    const d = w.deliver({ topic: 'status/c', payload: 'offline' });
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['will-published']);
    expect(f[0]!.frames).toContain(d.frame);
    expect(f[0]!.text).toContain('to w 5.9 s after the connection ended (Will Delay Interval 5 s): the client closed without a DISCONNECT');
  });

  it('the will comes at the close (the session ends then, as the spec has it)', () => {
    const { sc, w, c } = setup();
    c.close('reset');
    sc.wait(100);
    w.deliver({ topic: 'status/c', payload: 'offline' });
    expect(sc.end().map((x) => x.code)).toEqual(['will-published']);
  });

  it('a delivery after the Will Delay Interval and the window is not the will', () => {
    const { sc, w, c } = setup();
    c.close('reset');
    sc.wait(10_100);
    w.deliver({ topic: 'status/c', payload: 'offline' });
    expect(sc.end()).toEqual([]);
  });

  it('a Session Expiry Interval shorter than the delay is named too: the will goes when the session ends', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['status/#']);
    const c = sc.client('c', { version: 5 }).login({ will: WILL, properties: { session_expiry_interval: 2 } });
    c.close('reset');
    sc.wait(2900);
    w.deliver({ topic: 'status/c', payload: 'offline' });
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['will-published']);
    expect(f[0]!.text).toContain('to w 2.9 s after the connection ended (Will Delay Interval 5 s, Session Expiry Interval 2 s)');
  });
});
