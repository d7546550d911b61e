// More acl_file / retained / will / $-topic cases run against the bundled broker
// AND a real mosquitto 2.0 with the same files, with the same expectations
// (mosquitto missing = failure, never a skip).
import { describe, it, expect } from 'vitest';
import { startBroker, type SecurityEvent } from '../../src/broker/index.js';
import { frame, RawClient, str, type ConnectFields } from './raw-client.js';
import { BROKERS, online, sleep, withBroker, type Open } from './parity.js';

/** Messages (retain flag shown as [r]) a fresh subscriber to `filter` gets within a short time. */
async function retainedFor(open: Open, c: ConnectFields, filter: string): Promise<string[]> {
  const s = await online(open, c);
  expect(await s.subscribe([filter], 1)).toEqual([1]);
  await sleep(400);
  const out = s.packets.filter((p) => p.cmd === 'publish').map((p) => {
    const pub = p as { topic: string; payload: Buffer; retain: boolean };
    return `${pub.topic} ${pub.payload.toString()}${pub.retain ? ' [r]' : ''}`;
  });
  await s.disconnect();
  return out;
}

describe.each(BROKERS)('%s behaves like mosquitto 2.0 (more)', (_name, start) => {
  it('a denied retained PUBLISH neither replaces nor clears the retained message', async () => {
    const acl = 'user admin\ntopic readwrite #\nuser eve\ntopic read #\n';
    await withBroker(start, { passwd: 'admin:a\neve:e\n', acl, allowAnonymous: false }, async (open) => {
      const adm = await online(open, { clientId: 'adm', username: 'admin', password: 'a' });
      await adm.publish('r/1', 'kept', 1, true);
      await adm.publish('r/2', 'kept2', 1, true);
      const eve = await online(open, { clientId: 'eve', username: 'eve', password: 'e' });
      await eve.publish('r/1', 'evil', 1, true);
      await eve.publish('r/2', '', 2, true);
      await eve.publish('r/3', 'new', 0, true);
      expect(await retainedFor(open, { clientId: 'late', username: 'admin', password: 'a' }, 'r/#')).toEqual(['r/1 kept [r]', 'r/2 kept2 [r]']);
    });
  });

  it('a retained will is kept only when its user may write the topic', async () => {
    const acl = 'user admin\ntopic readwrite #\nuser alice\ntopic write w/ok\n';
    await withBroker(start, { passwd: 'admin:a\nalice:p\n', acl, allowAnonymous: false }, async (open) => {
      for (const topic of ['w/ok', 'w/no']) {
        const c = await online(open, { clientId: `will-${topic}`, username: 'alice', password: 'p', will: { topic, payload: 'gone', retain: true, qos: 1 } });
        c.destroy();
      }
      await sleep(300);
      expect(await retainedFor(open, { clientId: 'late', username: 'admin', password: 'a' }, 'w/#')).toEqual(['w/ok gone [r]']);
    });
  });

  it('$-topics other than $SYS: # does not grant them, a $ rule does; # subscribers do not get them', async () => {
    const acl = 'user all\ntopic readwrite #\nuser dol\ntopic readwrite $foo/#\ntopic readwrite #\n';
    await withBroker(start, { passwd: 'all:p\ndol:p\n', acl, allowAnonymous: false }, async (open) => {
      const allSub = await online(open, { clientId: 'all-sub', username: 'all', password: 'p' });
      expect(await allSub.subscribe(['#', '$foo/#', '+/x'])).toEqual([0, 0, 0]);
      const dolSub = await online(open, { clientId: 'dol-sub', username: 'dol', password: 'p' });
      expect(await dolSub.subscribe(['#', '$foo/#', '+/x'])).toEqual([0, 0, 0]);
      const all = await online(open, { clientId: 'all-pub', username: 'all', password: 'p' });
      await all.publish('$foo/x', 'from-all', 1);
      const dol = await online(open, { clientId: 'dol-pub', username: 'dol', password: 'p' });
      await dol.publish('$foo/x', 'from-dol', 1);
      await dol.publish('$sharex/y', 'sharex', 1);
      await dol.publish('$SYSx/y', 'sysx', 1);
      await dol.publish('end', 'end', 1);
      for (const c of [allSub, dolSub]) await c.waitFor(() => (c.messages().includes('end end') ? true : undefined), 'end');
      await sleep(200);
      const got = (c: RawClient): string[] => c.messages().filter((m) => !m.startsWith('$SYS/'));
      expect(got(allSub)).toEqual(['end end']);
      expect(got(dolSub)).toEqual(['$foo/x from-dol', 'end end']);
    });
  });

  it('+ or # in a username or client id: own rules still apply, patterns deny', async () => {
    const acl = 'user a+b\ntopic readwrite own/#\nuser admin\ntopic readwrite #\npattern readwrite p/%c/#\npattern readwrite any/#\n';
    await withBroker(start, { passwd: 'a+b:p\nadmin:a\nc#d:p\n', acl, allowAnonymous: false }, async (open) => {
      const adm = await online(open, { clientId: 'adm', username: 'admin', password: 'a' });
      expect(await adm.subscribe(['#'])).toEqual([0]);
      const ab = await online(open, { clientId: 'ab', username: 'a+b', password: 'p' });
      await ab.publish('own/1', 'ab-own');
      await ab.publish('any/1', 'ab-any');
      await ab.publish('p/ab/1', 'ab-p');
      const cd = await online(open, { clientId: 'c#d', username: 'c#d', password: 'p' });
      await cd.publish('any/2', 'cd-any');
      const cid = await online(open, { clientId: 'x+y', username: 'admin', password: 'a' });
      await cid.publish('any/3', 'xy-admin');
      const cid2 = await online(open, { clientId: 'x#y', username: 'c#d', password: 'p' });
      await cid2.publish('any/4', 'xy-cd');
      await adm.publish('end', 'end');
      await adm.waitFor(() => (adm.messages().includes('end end') ? true : undefined), 'end');
      await sleep(200);
      expect(adm.messages().filter((m) => !m.startsWith('$SYS/'))).toEqual(['own/1 ab-own', 'any/3 xy-admin', 'end end']);
    });
  });

  it('a wildcard or an empty topic in PUBLISH closes the connection', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      for (const t of ['a/+', 'a/#', '#', '']) {
        const c = await online(open, { clientId: 'wp' });
        expect(await c.send(0x30, Buffer.concat([str(t), Buffer.from('x')])), t).toBe('closed');
      }
    });
  });

  // [MQTT-4.7.2-1]; aedes alone sent retained '$foo/x' to a new '#' subscriber.
  it('retained $-topics are not sent to # or +/x subscribers', async () => {
    const acl = 'user dol\ntopic readwrite $foo/#\ntopic readwrite #\n';
    await withBroker(start, { passwd: 'dol:p\n', acl, allowAnonymous: false }, async (open) => {
      const dol = await online(open, { clientId: 'dol-pub', username: 'dol', password: 'p' });
      await dol.publish('$foo/x', 'ret', 1, true);
      await dol.publish('a/x', 'ret', 1, true);
      const c = { clientId: 'late', username: 'dol', password: 'p' };
      expect(await retainedFor(open, c, '#')).toEqual(['a/x ret [r]']);
      expect(await retainedFor(open, c, '+/x')).toEqual(['a/x ret [r]']);
      expect(await retainedFor(open, c, '+/#')).toEqual(['a/x ret [r]']);
      expect(await retainedFor(open, c, '$foo/+')).toEqual(['$foo/x ret [r]']);
      expect(await retainedFor(open, c, '$SYS/broker/nothing/#')).toEqual([]);
    });
  });

  it('# subscribers of a long-lived connection get no $SYS messages', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 'sysw' });
      expect(await s.subscribe(['#', '+/#', '+'])).toEqual([0, 0, 0]);
      await online(open, { clientId: 'another' }); // aedes announces it under $SYS
      await sleep(500);
      expect(s.messages().filter((m) => m.startsWith('$'))).toEqual([]);
    });
  });

  it('overlapping subscriptions of one client get one copy of each message', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 'ov' });
      expect(await s.subscribe(['o/#', 'o/+', 'o/1'])).toEqual([0, 0, 0]);
      const p = await online(open, { clientId: 'p' });
      await p.publish('o/1', 'x');
      await p.publish('end', 'e');
      await sleep(400);
      expect(s.messages()).toEqual(['o/1 x']);
    });
  });

  it('%u and %c are replaced anywhere in a pattern, also inside a level; a topic line keeps %u literally', async () => {
    const acl = 'user bob\ntopic readwrite lit/%u\npattern readwrite in/x%uy\npattern readwrite in2/%u%c\npattern readwrite in3/%%u\nuser admin\ntopic readwrite #\n';
    await withBroker(start, { passwd: 'bob:p\nadmin:a\n%c:p\n', acl, allowAnonymous: false }, async (open) => {
      const adm = await online(open, { clientId: 'adm', username: 'admin', password: 'a' });
      expect(await adm.subscribe(['#'])).toEqual([0]);
      const bob = await online(open, { clientId: 'cb', username: 'bob', password: 'p' });
      for (const t of ['lit/%u', 'lit/bob', 'in/xboby', 'in/x%uy', 'in2/bobcb', 'in3/%bob', 'in3/%%u']) await bob.publish(t, t, 1);
      // The username '%c' is put in as it is: in2/%u%c becomes in2/%cpc for client pc.
      const pc = await online(open, { clientId: 'pc', username: '%c', password: 'p' });
      for (const t of ['in2/pcpc', 'in2/%cpc', 'in/xpcy', 'in/x%cy']) await pc.publish(t, t, 1);
      const adm2 = await online(open, { clientId: 'adm2', username: 'admin', password: 'a' });
      await adm2.publish('end', 'end');
      await adm.waitFor(() => (adm.messages().includes('end end') ? true : undefined), 'end');
      expect(adm.messages().filter((m) => m !== 'end end')).toEqual(['lit/%u lit/%u', 'in/xboby in/xboby', 'in2/bobcb in2/bobcb', 'in3/%bob in3/%bob', 'in2/%cpc in2/%cpc', 'in/x%cy in/x%cy']);
    });
  });

  it('a QoS 2 message is routed at the PUBREL, once, even when the PUBLISH is sent again (DUP) before it', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 's' });
      expect(await s.subscribe(['q/#'], 2)).toEqual([2]);
      const p = await online(open, { clientId: 'p' });
      const body = Buffer.concat([str('q/1'), Buffer.from([0, 9]), Buffer.from('x')]);
      expect(await p.send(0x34, body)).toBe('pubrec');
      expect(await p.send(0x3c, body)).toBe('pubrec');
      await sleep(300);
      const before = s.messages().length;
      expect(await p.send(0x62, Buffer.from([0, 9]))).toBe('pubcomp');
      await sleep(300);
      await s.waitFor(() => (s.messages().length > 0 ? true : undefined), 'the delivery');
      await sleep(200);
      expect([before, s.messages()]).toEqual([0, ['q/1 x']]);
    });
  });

  it('a QoS 2 message whose PUBREL never comes is not routed nor retained; a persistent session releases it after reconnecting', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 's' });
      expect(await s.subscribe(['q/#'], 2)).toEqual([2]);
      const pub = (topic: string, id: number, retain = false): Buffer =>
        Buffer.concat([str(topic), Buffer.from([0, id]), Buffer.from(topic)]);
      const gone = await online(open, { clientId: 'gone' });
      expect(await gone.send(0x35, pub('q/gone', 3, true))).toBe('pubrec'); // retained, QoS 2
      gone.destroy();
      const pers = await online(open, { clientId: 'pers', clean: false });
      expect(await pers.send(0x35, pub('q/pers', 4, true))).toBe('pubrec');
      pers.destroy();
      await sleep(300);
      expect(s.messages()).toEqual([]);
      expect(await retainedFor(open, { clientId: 'r1' }, 'q/#')).toEqual([]);
      const back = await online(open, { clientId: 'pers', clean: false });
      // A stored session, although it has no subscriptions (aedes alone said 0) [MQTT-3.2.2-2].
      expect(back.packets.find((p) => p.cmd === 'connack')).toMatchObject({ sessionPresent: true });
      expect(await back.send(0x62, Buffer.from([0, 4]))).toBe('pubcomp');
      await s.waitFor(() => (s.messages().length > 0 ? true : undefined), 'the released message');
      await sleep(200);
      expect(s.messages()).toEqual(['q/pers q/pers']);
      expect(await retainedFor(open, { clientId: 'r2' }, 'q/#')).toEqual(['q/pers q/pers [r]']);
      // A CleanSession 1 CONNECT with that id ends the session: a late PUBREL releases nothing.
      const again = await online(open, { clientId: 'gone2', clean: false });
      expect(await again.send(0x34, pub('q/again', 5))).toBe('pubrec');
      again.destroy();
      const fresh = await online(open, { clientId: 'gone2' });
      expect(await fresh.send(0x62, Buffer.from([0, 5]))).toBe('pubcomp');
      await sleep(300);
      expect(s.messages()).toEqual(['q/pers q/pers']);
    });
  });
  it('Session Present: 1 for a stored session with or without subscriptions, 0 after a CleanSession 1 CONNECT or a refused one [MQTT-3.2.2-2]', async () => {
    await withBroker(start, { passwd: 'u:p\n', allowAnonymous: false }, async (open) => {
      const present = async (clean: boolean, password = 'p'): Promise<boolean | number | 'closed'> => {
        const c = await open({ clientId: 'sp', username: 'u', password, clean });
        const rc = await c.connack();
        const connack = c.packets.find((x) => x.cmd === 'connack') as { sessionPresent?: boolean } | undefined;
        await c.disconnect();
        return rc === 0 ? !!connack?.sessionPresent : rc;
      };
      expect(await present(false, 'wrong')).toBe(5);
      expect(await present(false)).toBe(false); // nothing stored yet
      expect(await present(false)).toBe(true); // no subscriptions, still a session
      expect(await present(true)).toBe(false); // ends it
      expect(await present(false)).toBe(false);
      expect(await present(false, 'wrong')).toBe(5);
      const held = await online(open, { clientId: 'sp', username: 'u', password: 'p', clean: false });
      const taker = await online(open, { clientId: 'sp', username: 'u', password: 'p', clean: false }); // takes the connection over
      expect((taker.packets.find((x) => x.cmd === 'connack') as { sessionPresent?: boolean }).sessionPresent).toBe(true);
      held.destroy();
    });
  });
  it('a will is published when the connection is taken over or closed for a protocol error, except a second CONNECT', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const w = await online(open, { clientId: 'watch' });
      expect(await w.subscribe(['will/#'])).toEqual([0]);
      const a = await online(open, { clientId: 'tk', will: { topic: 'will/takeover', payload: 'a' } });
      await online(open, { clientId: 'tk' });
      await sleep(200);
      const b = await online(open, { clientId: 'bad1', will: { topic: 'will/badsub', payload: 'b' } });
      expect(await b.subscribe(['a+'])).toBe('closed');
      const c = await online(open, { clientId: 'bad2', will: { topic: 'will/badunsub', payload: 'c' } });
      expect(await c.unsubscribeOrClose(['a+'])).toBe('closed');
      const d = await online(open, { clientId: 'bad3', will: { topic: 'will/badpub', payload: 'd' } });
      expect(await d.send(0x30, Buffer.concat([str('x/\u0001'), Buffer.from('x')]))).toBe('closed');
      const e = await online(open, { clientId: 'bad4', will: { topic: 'will/wildpub', payload: 'e' } });
      expect(await e.send(0x30, Buffer.concat([str('x/#'), Buffer.from('x')]))).toBe('closed');
      // A second CONNECT closes the connection too, but mosquitto drops the will then.
      const f = await online(open, { clientId: 'bad5', will: { topic: 'will/conn2', payload: 'f' } });
      expect(await f.send(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str('x')]))).toBe('closed');
      const g = await online(open, { clientId: 'bad6', will: { topic: 'will/pid0', payload: 'g' } });
      expect(await g.send(0x32, Buffer.concat([str('t'), Buffer.from([0, 0]), Buffer.from('x')]))).toBe('closed');
      await w.waitFor(() => (w.messages().length === 6 ? true : undefined), 'six wills');
      await sleep(200);
      expect(w.messages()).toEqual(['will/takeover a', 'will/badsub b', 'will/badunsub c', 'will/badpub d', 'will/wildpub e', 'will/pid0 g']);
      a.destroy();
    });
  });
  it('an offline persistent session is queued QoS 1 messages up to 1000 (max_queued_messages), QoS 0 ones not at all', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const s = await online(open, { clientId: 'off', clean: false });
      expect(await s.subscribe(['q1/#'], 1)).toEqual([1]);
      expect(await s.subscribe(['q0/#'], 0)).toEqual([0]);
      await s.disconnect();
      const p = await online(open, { clientId: 'p' });
      await p.publish('q1/a', 'qos0-to-sub1', 0);
      await p.publish('q0/a', 'qos1-to-sub0', 1);
      await p.publish('q1/b', 'qos1-to-sub1', 1);
      for (let i = 0; i < 1100; i++) await p.publish('q1/n', `${i}`, 1);
      await sleep(300);
      const back = await online(open, { clientId: 'off', clean: false });
      await back.drain();
      // q1/b, then q1/n 0 to 998: the rest was dropped while the session was away.
      expect(back.messages()).toEqual(['q1/b qos1-to-sub1', ...Array.from({ length: 999 }, (_, i) => `q1/n ${i}`)]);
    });
  });
  it('retained messages reach a new subscription at no more than its granted QoS, also through a wildcard [MQTT-3.8.4-7]', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const p = await online(open, { clientId: 'p' });
      await p.publish('r/q1', 'one', 1, true);
      await p.publish('r/q2', 'two', 2, true);
      const out: string[] = [];
      for (const [filter, qos] of [['r/#', 0], ['r/#', 1], ['r/+', 1], ['r/q2', 0], ['r/q2', 1], ['#', 2]] as const) {
        const c = await online(open, { clientId: `c${out.length}` });
        expect(await c.subscribe([filter], qos)).toEqual([qos]);
        await c.waitFor(() => (c.messages().length >= (filter === 'r/q2' ? 1 : 2) ? true : undefined), 'retained');
        await sleep(100);
        out.push(`${filter}@${qos}: ` + c.packets.filter((x) => x.cmd === 'publish').map((x) => `${(x as { topic: string }).topic}=${x.qos}`).sort().join(','));
        c.ackAll();
      }
      // aedes alone sent r/# granted QoS 0 the retained messages at QoS 1 and 2.
      expect(out).toEqual(['r/#@0: r/q1=0,r/q2=0', 'r/#@1: r/q1=1,r/q2=1', 'r/+@1: r/q1=1,r/q2=1', 'r/q2@0: r/q2=0', 'r/q2@1: r/q2=1', '#@2: r/q1=1,r/q2=2']);
    });
  });
  it('malformed SUBSCRIBE, UNSUBSCRIBE, PUBLISH, PUBREL and DISCONNECT close the connection', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const out: string[] = [];
      const cases: Array<[string, number, Buffer]> = [
        ['sub qos3', 0x82, Buffer.concat([Buffer.from([0, 1]), str('t'), Buffer.from([3])])],
        ['sub reserved bits', 0x82, Buffer.concat([Buffer.from([0, 1]), str('t'), Buffer.from([0x04])])],
        ['sub header 0x80', 0x80, Buffer.concat([Buffer.from([0, 1]), str('t'), Buffer.from([0])])],
        ['unsub header 0xa0', 0xa0, Buffer.concat([Buffer.from([0, 1]), str('t')])],
        ['pub qos3', 0x36, Buffer.concat([str('t'), Buffer.from([0, 1]), Buffer.from('x')])],
        ['sub no filters', 0x82, Buffer.from([0, 1])],
        ['pubrel header 0x60', 0x60, Buffer.from([0, 1])],
        ['pingreq', 0xc0, Buffer.alloc(0)],
        ['disconnect flags', 0xe1, Buffer.alloc(0)],
        ['pub qos0 dup', 0x38, Buffer.concat([str('t'), Buffer.from('x')])],
      ];
      for (const [name, h, body] of cases) {
        const c = await online(open, { clientId: 'm' });
        out.push(`${name}: ${await c.send(h, body)}`);
      }
      expect(out).toEqual([
        'sub qos3: closed', 'sub reserved bits: closed', 'sub header 0x80: closed', 'unsub header 0xa0: closed', 'pub qos3: closed',
        'sub no filters: closed', 'pubrel header 0x60: closed', 'pingreq: pingresp', 'disconnect flags: closed', 'pub qos0 dup: none',
      ]);
    });
  });
});

describe('bundled broker: offline queue limit', () => {
  it('reports the first message dropped for a full offline queue, and counts again after a reconnect', async () => {
    const events: SecurityEvent[] = [];
    const b = await startBroker({ port: 0, allowAnonymous: true, onEvent: (e) => events.push(e) });
    try {
      const s = await RawClient.open(b.port, { clientId: 'off', username: 'u', clean: false });
      expect(await s.connack()).toBe(0);
      expect(await s.subscribe(['t/#'], 1)).toEqual([1]);
      await s.disconnect();
      const p = await RawClient.open(b.port, { clientId: 'p' });
      expect(await p.connack()).toBe(0);
      for (let i = 0; i < 1002; i++) await p.publish(`t/${i}`, 'x', 1);
      expect(events).toEqual([{ kind: 'queue-full', clientId: 'off', username: 'u', topic: 't/1000', limit: 1000 }]);
      const back = await RawClient.open(b.port, { clientId: 'off', username: 'u', clean: false });
      expect(await back.connack()).toBe(0);
      // Acknowledged as they come: past 20 unacknowledged, the rest wait (max_inflight_messages).
      await back.waitFor(() => { back.ackAll(); return back.messages().length === 1000 ? true : undefined; }, 'the queued messages');
      await back.disconnect();
      await p.publish('t/again', 'x', 1);
      const again = await RawClient.open(b.port, { clientId: 'off', username: 'u', clean: false });
      expect(await again.connack()).toBe(0);
      await again.waitFor(() => (again.messages().length === 1 ? true : undefined), 'the new message');
      expect(again.messages()).toEqual(['t/again x']);
      expect(events).toHaveLength(1);
      for (const c of [again, p]) c.destroy();
    } finally {
      await b.close();
    }
  });
});

describe('bundled broker: QoS 2 release', () => {
  it('a PUBLISH and its PUBREL in one read are routed once each, in order', async () => {
    const b = await startBroker({ port: 0, allowAnonymous: true });
    try {
      const s = await RawClient.open(b.port, { clientId: 's' });
      expect(await s.connack()).toBe(0);
      expect(await s.subscribe(['q/#'], 2)).toEqual([2]);
      const p = await RawClient.open(b.port, { clientId: 'p' });
      expect(await p.connack()).toBe(0);
      const both: Buffer[] = [];
      for (let id = 1; id <= 20; id++) {
        both.push(frame(0x34, Buffer.concat([str(`q/${id}`), Buffer.from([0, id]), Buffer.from('x')])));
        both.push(frame(0x62, Buffer.from([0, id])));
      }
      p.write(Buffer.concat(both));
      await p.waitFor(() => (p.packets.filter((x) => x.cmd === 'pubcomp').length === 20 ? true : undefined), 'twenty PUBCOMPs');
      await s.waitFor(() => (s.messages().length === 20 ? true : undefined), 'twenty deliveries');
      await sleep(200);
      expect(s.messages()).toEqual(Array.from({ length: 20 }, (_, i) => `q/${i + 1} x`));
      p.destroy();
      s.destroy();
    } finally {
      await b.close();
    }
  });
});
