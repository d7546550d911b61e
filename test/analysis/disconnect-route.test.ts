// After a DISCONNECT (from either side) the broker sends nothing more on the
// connection, however late its close is seen (a client that keeps its half of the
// socket open, a proxy that reports the close when both sides are done). Such a
// subscriber is not owed a message published after it, nor one published just before
// (within the settle time), as for a close.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

const drops = (sc: Scenario) => sc.findings.filter((f) => f.code === 'withheld-delivery' || f.code === 'undelivered-publish');

describe('a subscriber that sent DISCONNECT', () => {
  it('is not expected for a publish after its DISCONNECT, its close seen a second later', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    const b = sc.client('b').login().sub(1, ['t']);
    const p = sc.client('p').login();
    b.disconnect();
    sc.wait(10);
    p.publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    sc.wait(1000);
    b.close();
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('nor for one published within the settle time before it; still for one published long before', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a').login().sub(1, ['t']);
    const b = sc.client('b').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'early' });
    a.deliver({ topic: 't', payload: 'early' });
    sc.wait(1000);
    p.publish({ topic: 't', payload: 'late' });
    a.deliver({ topic: 't', payload: 'late' });
    sc.wait(5);
    b.disconnect();
    sc.wait(2000);
    b.close();
    sc.end();
    expect(drops(sc).map((f) => [f.code, (f as { conn: string }).conn, f.frames.length > 0])).toEqual([['withheld-delivery', b.meta.id, true]]);
    expect(drops(sc)[0]!.text).toContain("'t'");
  });

  it('a server DISCONNECT (MQTT 5) ends the route too', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a', { version: 5 }).login().sub(1, ['t']);
    const b = sc.client('b', { version: 5 }).login().sub(1, ['t']);
    const p = sc.client('p', { version: 5 }).login();
    b.disconnect(0x8d, 's2c');
    p.publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    sc.wait(3000);
    b.close();
    sc.end();
    expect(drops(sc)).toEqual([]);
  });
});

describe('a second DISCONNECT on the same connection', () => {
  it('does not move the first: a subscriber that sent DISCONNECT within the settle time stays excused', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const a = sc.client('a', { version: 5 }).login().sub(1, ['t']);
    const b = sc.client('b', { version: 5 }).login().sub(1, ['t']);
    const p = sc.client('p', { version: 5 }).login();
    p.publish({ topic: 't', payload: 'x' });
    a.deliver({ topic: 't', payload: 'x' });
    sc.wait(5);
    b.disconnect(); // ends the connection, 5 ms after the publish
    sc.wait(1000);
    b.disconnect(0x8b, 's2c'); // a stray second one, a second later
    sc.wait(1000);
    b.close();
    sc.end();
    expect(drops(sc)).toEqual([]);
    const info = sc.analyzer.snapshot().sessions.find((s) => s.conn === b.meta.id);
    expect(info?.disconnect).toMatchObject({ by: 'client', reasonCode: 0 });
  });

  it('a normal DISCONNECT discarded the will: a DISCONNECT 0x04 after it does not bring it back', () => {
    const sc = new Scenario();
    const w = sc.client('w', { version: 5 }).login().sub(1, ['#']);
    const c = sc.client('c', { version: 5 }).login({ will: { topic: 'status/c', payload: 'offline' } });
    c.disconnect();
    c.disconnect(0x04);
    c.close();
    w.deliver({ topic: 'status/c', payload: 'offline' }); // another client's, not the will
    expect(sc.end().map((f) => f.code)).toEqual([]);
  });
});

describe('a new subscription owed a retained message', () => {
  it('is excused when its DISCONNECT comes within the settle time, its close seen later', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const p = sc.client('p').login();
    p.publish({ topic: 'r', payload: 'kept', retain: true });
    const w = sc.client('w').login().sub(1, ['r']);
    w.deliver({ topic: 'r', payload: 'kept', retain: true }); // the broker holds it
    const n = sc.client('n').login().sub(1, ['r']);
    sc.wait(5);
    n.disconnect();
    sc.wait(3000);
    n.close();
    sc.end();
    expect(drops(sc)).toEqual([]);
  });
});

describe('a publish after its own DISCONNECT', () => {
  it('is not processed by the broker: no undelivered-publish', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.disconnect();
    p.publish({ topic: 't', payload: 'too late' });
    sc.wait(1000);
    p.close();
    sc.end();
    expect(drops(sc)).toEqual([]);
  });
});

describe('a PUBREL after its own DISCONNECT', () => {
  it('does not release the QoS 2 message: the broker reads nothing after the DISCONNECT, no undelivered-publish', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'q2', qos: 2, id: 3 });
    p.ack('PUBREC', 3, 's2c');
    p.disconnect();
    p.ack('PUBREL', 3, 'c2s'); // too late: mosquitto closed the connection at the DISCONNECT
    sc.wait(3000);
    p.close();
    sc.end();
    expect(drops(sc)).toEqual([]);
  });

  it('one before it does: the message was owed', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    sc.client('a').login().sub(1, ['t']);
    const p = sc.client('p').login();
    p.publish({ topic: 't', payload: 'q2', qos: 2, id: 3 });
    p.ack('PUBREC', 3, 's2c');
    p.ack('PUBREL', 3, 'c2s');
    p.disconnect();
    sc.wait(3000);
    p.close();
    sc.end();
    expect(drops(sc).map((f) => [f.code, (f as { conn: string }).conn])).toEqual([['undelivered-publish', p.meta.id]]);
  });
});
