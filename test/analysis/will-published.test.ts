import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

const WILL = { topic: 'status/c', payload: 'offline' };

describe('will-published', () => {
  it('the connection dies without DISCONNECT and the broker delivers the will', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['status/#']);
    const c = sc.client('c');
    const con = c.connect({ will: WILL });
    c.connack(0);
    sc.wait(10);
    c.close('reset');
    sc.wait(1);
    const d = w.deliver({ topic: 'status/c', payload: 'offline' });
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'will-published', severity: 'info', conn: c.meta.id, clientId: 'c', topic: 'status/c', frames: [con.frame, d.frame] });
    expect(f!.text).toContain("The broker published the will of c on 'status/c' (7 byte(s)) to w");
    expect(d.findings).toEqual(['will-published']);
  });

  it('the will is delivered just before the close is seen (keep-alive expiry)', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['status/#']);
    const c = sc.client('c').login({ will: WILL, keepAlive: 2 });
    sc.wait(3100);
    w.pingreq();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    c.close();
    expect(sc.end().map((f) => f.code)).toEqual(['keepalive-timeout', 'will-published']);
    expect(sc.findings[1]!.text).toContain('went silent past its keep-alive');
  });

  it('MQTT 5 DISCONNECT 0x04 publishes the will', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    const c = sc.client('c', { version: 5 }).login({ will: WILL });
    c.disconnect(0x04);
    c.close();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    expect(sc.end().map((f) => f.code)).toEqual(['will-published']);
  });

  it('MQTT 5 DISCONNECT with an error code (0x80) leaves the will to the broker: its delivery is the will', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    const c = sc.client('c', { version: 5 }).login({ will: WILL });
    c.disconnect(0x80);
    c.close();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    const f = sc.end();
    expect(f.map((x) => x.code)).toEqual(['will-published']);
    expect(f[0]!.text).toContain('sent DISCONNECT 0x80 (Unspecified error)');
  });

  it('MQTT 5 DISCONNECT 0x00 discards the will', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    const c = sc.client('c', { version: 5 }).login({ will: WILL });
    c.disconnect(0x00);
    c.close();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    expect(sc.end()).toEqual([]);
  });

  it('a normal DISCONNECT discards the will: a matching delivery is not the will', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    const c = sc.client('c').login({ will: WILL });
    c.disconnect();
    c.close();
    w.deliver({ topic: 'status/c', payload: 'offline' });
    expect(sc.end()).toEqual([]);
  });

  it('a client publishing the same topic and payload is not the will', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['#']);
    const c = sc.client('c').login({ will: WILL });
    c.close('reset');
    sc.client('p').login().publish({ topic: 'status/c', payload: 'offline' });
    w.deliver({ topic: 'status/c', payload: 'offline' });
    expect(sc.end()).toEqual([]);
  });

  it('a delivery after the close gives the delay since the close, in the text and delay_us', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['status/#']);
    const c = sc.client('c').login({ will: WILL });
    c.close('reset');
    sc.wait(1500);
    w.deliver({ topic: 'status/c', payload: 'offline' });
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f!.text).toContain('to w 1.5 s after the connection ended: the client closed without a DISCONNECT');
    expect(f!.extra).toMatchObject({ delay_us: 1_500_000 });
  });

  it('a delivery seen before the close (a broker answering the FIN with the will) says so, with no delay', () => {
    const sc = new Scenario();
    const w = sc.client('w').login().sub(1, ['status/#']);
    const c = sc.client('c').login({ will: WILL });
    sc.wait(10);
    const d = w.deliver({ topic: 'status/c', payload: 'offline' });
    sc.wait(2);
    c.close('fin');
    const [f, ...rest] = sc.end();
    expect(rest).toEqual([]);
    expect(f!.frames).toContain(d.frame);
    expect(f!.text).toContain('to w as the connection ended, before its close was complete: the client closed without a DISCONNECT');
    expect(f!.text).not.toContain('after the connection ended');
    expect(f!.extra).toMatchObject({ delay_us: null });
  });
});
