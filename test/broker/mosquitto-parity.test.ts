// Security and routing cases where aedes on its own differs from mosquitto 2.0,
// each run against the bundled broker AND a real mosquitto 2.0 with the same
// files, with the same expectations (mosquitto missing = failure, never a skip).
import { rmSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { startBroker, type SecurityEvent } from '../../src/broker/index.js';
import { RawClient, str, type ConnectFields } from './raw-client.js';
import { BROKERS, files, online, sleep, withBroker } from './parity.js';

describe.each(BROKERS)('%s behaves like mosquitto 2.0', (_name, start) => {
  it('an empty username is anonymous: it logs in when anonymous clients may, whatever the password file holds', async () => {
    for (const allowAnonymous of [true, false]) {
      await withBroker(start, { passwd: 'u:p\n', allowAnonymous }, async (open) => {
        const code = async (c: Omit<ConnectFields, 'clientId'>): Promise<number | 'closed'> => (await open({ clientId: 'c', ...c })).connack();
        const anon = allowAnonymous ? 0 : 5;
        expect(await code({ username: '', password: 'p' })).toBe(anon);
        expect(await code({ username: '' })).toBe(anon);
        expect(await code({ username: '', password: '' })).toBe(anon);
        expect(await code({ username: 'u', password: '' })).toBe(5); // an empty password is no password
        expect(await code({ username: 'u', password: 'p' })).toBe(0);
      });
    }
  });

  it('an empty username gets the anonymous ACL rules, not %u patterns', async () => {
    await withBroker(start, { acl: 'topic readwrite anon/#\npattern readwrite pu/%u/#\n', allowAnonymous: true }, async (open) => {
      const esub = await online(open, { clientId: 'esub', username: '' });
      expect(await esub.subscribe(['#'])).toEqual([0]);
      const pub = await online(open, { clientId: 'epub', username: '' });
      await pub.publish('pu//x', 'empty-pu');
      await pub.publish('anon/1', 'empty-anon');
      await esub.waitFor(() => (esub.messages().length > 0 ? true : undefined), 'a message');
      await sleep(200);
      expect(esub.messages()).toEqual(['anon/1 empty-anon']);
    });
  });

  it('a password without a username closes the connection [MQTT-3.1.2-22]', async () => {
    await withBroker(start, { passwd: 'u:p\n', allowAnonymous: true }, async (open) => {
      expect(await (await open({ clientId: 'c', password: 'p' })).connack()).toBe('closed');
    });
  });

  it('an empty client id without CleanSession, or any in MQTT 3.1, is CONNACK 2 before the password is checked [MQTT-3.1.3-8]', async () => {
    await withBroker(start, { passwd: 'u:p\n', allowAnonymous: false }, async (open) => {
      const code = async (c: ConnectFields): Promise<number | 'closed'> => (await open(c)).connack();
      expect(await code({ clientId: '', username: 'u', password: 'p', clean: false })).toBe(2);
      expect(await code({ clientId: '', username: 'u', password: 'wrong', clean: false })).toBe(2);
      expect(await code({ clientId: '', clean: false })).toBe(2);
      expect(await code({ clientId: '', username: 'u', password: 'p', level: 3 })).toBe(2);
      expect(await code({ clientId: '', username: 'u', password: 'p' })).toBe(0);
      // MQTT 3.1 asks for at most 23 characters; mosquitto takes more (aedes alone: CONNACK 2).
      expect(await code({ clientId: 'abcdefghijklmnopqrstuvwxyz', username: 'u', password: 'p', level: 3 })).toBe(0);
    });
  });

  it('a will with QoS 3, an empty topic or a wildcard closes the connection without a CONNACK', async () => {
    await withBroker(start, { passwd: 'u:p\n', allowAnonymous: false }, async (open) => {
      const code = async (will: ConnectFields['will'], password = 'p'): Promise<number | 'closed'> =>
        (await open({ clientId: 'w', username: 'u', password, will })).connack();
      expect(await code({ topic: 'w/1', payload: 'x', qos: 3 })).toBe('closed');
      expect(await code({ topic: '', payload: 'x' })).toBe('closed');
      expect(await code({ topic: 'w/#', payload: 'x' })).toBe('closed');
      expect(await code({ topic: 'w/+/x', payload: 'x' }, 'wrong')).toBe('closed'); // before the password
      expect(await code({ topic: 'w/1', payload: 'x', qos: 2 })).toBe(0);
    });
  });

  // mosquitto_validate_utf8: control characters and non-characters are refused in every string it reads.
  const REFUSED = [['U+0000', '\u0000'], ['a tab', '\t'], ['U+007F', '\u007f'], ['U+0085', '\u0085'], ['U+FDD0', '\ufdd0'], ['U+FFFF', '\uffff'], ['U+10FFFE', '\u{10fffe}']];
  it.each(REFUSED)('%s in a topic, filter, client id, username or will topic closes the connection', async (_name, ch) => {
    await withBroker(start, { passwd: 'u:p\n', allowAnonymous: false }, async (open) => {
      const code = async (c: Omit<ConnectFields, 'password'>): Promise<number | 'closed'> => (await open({ password: 'p', ...c })).connack();
      expect(await code({ clientId: `c${ch}`, username: 'u' }), 'client id').toBe('closed');
      expect(await code({ clientId: 'c', username: `u${ch}` }), 'username').toBe('closed');
      expect(await code({ clientId: 'c', username: 'u', will: { topic: `w/${ch}`, payload: 'x' } }), 'will topic').toBe('closed');
      const pub = await online(open, { clientId: 'p', username: 'u', password: 'p' });
      expect(await pub.send(0x30, Buffer.concat([str(`t/${ch}`), Buffer.from('x')])), 'QoS 0 PUBLISH').toBe('closed');
      const sub = await online(open, { clientId: 's', username: 'u', password: 'p' });
      expect(await sub.subscribe([`t/${ch}`]), 'SUBSCRIBE').toBe('closed');
    });
  });

  it('characters mosquitto takes: é, U+FFFD and U+1F600 in the same places', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      for (const ch of ['é', '\ufffd', '\u{1f600}']) {
        const c = await online(open, { clientId: `c${ch}`, username: `u${ch}`, will: { topic: `w/${ch}`, payload: 'x' } });
        expect(await c.subscribe([`t/${ch}`])).toEqual([0]);
        expect(await c.send(0x32, Buffer.concat([str(`p/${ch}`), Buffer.from([0, 7]), Buffer.from('x')]))).toBe('puback');
      }
    });
  });

  it('packet identifier 0 (PUBLISH QoS 1, SUBSCRIBE, UNSUBSCRIBE) and an UNSUBSCRIBE without filters close the connection', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const answer = async (header: number, body: Buffer): Promise<string> => (await online(open, { clientId: 'z' })).send(header, body);
      expect(await answer(0x32, Buffer.concat([str('t'), Buffer.from([0, 0]), Buffer.from('x')])), 'PUBLISH').toBe('closed');
      expect(await answer(0x82, Buffer.concat([Buffer.from([0, 0]), str('t'), Buffer.from([0])])), 'SUBSCRIBE').toBe('closed');
      expect(await answer(0xa2, Buffer.concat([Buffer.from([0, 0]), str('t')])), 'UNSUBSCRIBE').toBe('closed');
      expect(await answer(0xa2, Buffer.from([0, 1])), 'UNSUBSCRIBE without filters').toBe('closed');
      expect(await answer(0xa2, Buffer.concat([Buffer.from([0, 1]), str('t')])), 'a valid UNSUBSCRIBE').toBe('unsuback');
    });
  });

  it.each(['a+', 'a/#/b', '#/x', '$share', '$share/g+/t'])('SUBSCRIBE to the invalid filter %s closes the connection', async (filter) => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'bad-sub' });
      expect(await c.subscribe([filter])).toBe('closed');
    });
  });

  it('$share: one member of a group gets each message, in turn; another group gets them all', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const a = await online(open, { clientId: 'a' });
      expect(await a.subscribe(['$share/g/t/#'])).toEqual([0]);
      const b = await online(open, { clientId: 'b' });
      expect(await b.subscribe(['$share/g/t/#'])).toEqual([0]);
      const h = await online(open, { clientId: 'h' });
      expect(await h.subscribe(['$share/h/t/+'])).toEqual([0]);
      const inert = await online(open, { clientId: 'inert' });
      expect(await inert.subscribe(['$share/g', '$share/g/'])).toEqual([0, 0]);
      const pub = await online(open, { clientId: 'p' });
      for (let i = 0; i < 4; i++) await pub.publish(`t/${i}`, `m${i}`);
      await pub.publish('$share/g/t/x', 'direct'); // a client may not publish to $share
      await h.waitFor(() => (h.messages().length === 4 ? true : undefined), 'group h to get all four');
      await sleep(300);
      expect(a.messages()).toEqual(['t/0 m0', 't/2 m2']);
      expect(b.messages()).toEqual(['t/1 m1', 't/3 m3']);
      expect(h.messages()).toEqual(['t/0 m0', 't/1 m1', 't/2 m2', 't/3 m3']);
      expect(inert.messages()).toEqual([]);
      // After an UNSUBSCRIBE, b is out of the group: a gets everything.
      await b.unsubscribe(['$share/g/t/#']);
      for (let i = 4; i < 6; i++) await pub.publish(`t/${i}`, `m${i}`);
      await a.waitFor(() => (a.messages().length === 4 ? true : undefined), 'a to get the rest');
      await sleep(200);
      expect(a.messages().slice(2)).toEqual(['t/4 m4', 't/5 m5']);
      expect(b.messages()).toHaveLength(2);
    });
  });

  it('$share: a SUBSCRIBE gets the retained messages its filter matches, each member its own copy, at the granted QoS', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const pub = await online(open, { clientId: 'p' });
      await pub.publish('ret/a', 'kept', 1, true);
      await pub.publish('other/b', 'not this', 1, true);
      const a = await online(open, { clientId: 'a' });
      expect(await a.subscribe(['$share/g/ret/#'], 0)).toEqual([0]);
      const b = await online(open, { clientId: 'b' });
      expect(await b.subscribe(['$share/g/ret/#'], 1)).toEqual([1]);
      for (const c of [a, b]) await c.waitFor(() => (c.messages().length === 1 ? true : undefined), `${c === a ? 'a' : 'b'} to get the retained message`);
      await sleep(200);
      for (const [c, qos] of [[a, 0], [b, 1]] as const) {
        expect(c.messages()).toEqual(['ret/a kept']);
        const got = c.packets.find((x) => x.cmd === 'publish') as { retain: boolean; qos: number };
        expect([got.retain, got.qos]).toEqual([true, qos]);
      }
    });
  });

  it('a QoS 2 publish reaches a wildcard subscription granted QoS 1 at QoS 1 [MQTT-3.8.4-7]', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const w = await online(open, { clientId: 'w' });
      expect(await w.subscribe(['dq/#'], 1)).toEqual([1]);
      const x = await online(open, { clientId: 'x' });
      expect(await x.subscribe(['dq/a'], 1)).toEqual([1]);
      const pub = await online(open, { clientId: 'p' });
      await pub.publish('dq/a', 'two', 2);
      for (const c of [w, x]) await c.waitFor(() => (c.messages().length === 1 ? true : undefined), 'the delivery');
      for (const c of [w, x]) expect((c.packets.find((p) => p.cmd === 'publish') as { qos: number }).qos).toBe(1);
    });
  });

  it('$share: an offline persistent member keeps its turn (QoS 1 queued, QoS 0 lost)', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const off = await online(open, { clientId: 'offm', clean: false });
      expect(await off.subscribe(['$share/g/t/#'], 1)).toEqual([1]);
      await off.disconnect();
      const on = await online(open, { clientId: 'onm' });
      expect(await on.subscribe(['$share/g/t/#'], 1)).toEqual([1]);
      const pub = await online(open, { clientId: 'p' });
      for (let i = 0; i < 4; i++) await pub.publish(`t/${i}`, `q1-${i}`, 1);
      for (let i = 0; i < 4; i++) await pub.publish(`t/q0/${i}`, `q0-${i}`, 0);
      await on.waitFor(() => (on.messages().length === 4 ? true : undefined), 'the online member');
      expect(on.messages()).toEqual(['t/1 q1-1', 't/3 q1-3', 't/q0/1 q0-1', 't/q0/3 q0-3']);
      on.ackAll();
      const back = await online(open, { clientId: 'offm', clean: false });
      await back.waitFor(() => (back.messages().length === 2 ? true : undefined), 'the queued messages');
      await sleep(200);
      expect(back.messages()).toEqual(['t/0 q1-0', 't/2 q1-2']);
    });
  });

  it('$share: a member that may not read the message uses its turn and the group loses it', async () => {
    const acl = 'user admin\ntopic readwrite #\nuser r1\ntopic read t/#\nuser r2\ntopic read t/ok\n';
    await withBroker(start, { passwd: 'admin:a\nr1:p\nr2:p\n', acl, allowAnonymous: false }, async (open) => {
      const r1 = await online(open, { clientId: 'r1', username: 'r1', password: 'p' });
      expect(await r1.subscribe(['$share/g/t/#'])).toEqual([0]);
      const r2 = await online(open, { clientId: 'r2', username: 'r2', password: 'p' });
      expect(await r2.subscribe(['$share/g/t/#'])).toEqual([0]);
      const pub = await online(open, { clientId: 'adm', username: 'admin', password: 'a' });
      for (const t of ['t/a', 't/b', 't/c', 't/d']) await pub.publish(t, t);
      await r1.waitFor(() => (r1.messages().length === 2 ? true : undefined), 'r1');
      await sleep(300);
      expect(r1.messages()).toEqual(['t/a t/a', 't/c t/c']);
      expect(r2.messages()).toEqual([]); // t/b and t/d were r2's turn: lost
    });
  });

  it('a message queued for an offline session is checked for read access as its last user (and again when sent)', async () => {
    // The QA scenario s13: u2 (read #) owns session pers2; u1 (read ok/#) logs in with
    // that client id and leaves; messages published now are queued only if u1 may read them.
    const acl = 'user admin\ntopic readwrite #\nuser u1\ntopic read ok/#\nuser u2\ntopic read #\n';
    await withBroker(start, { passwd: 'admin:a\nu1:p\nu2:q\n', acl, allowAnonymous: false }, async (open) => {
      const own = await online(open, { clientId: 'pers2', username: 'u2', password: 'q', clean: false });
      expect(await own.subscribe(['#'], 1)).toEqual([1]);
      await own.disconnect();
      const steal = await online(open, { clientId: 'pers2', username: 'u1', password: 'p', clean: false });
      await steal.disconnect();
      const adm = await online(open, { clientId: 'adm', username: 'admin', password: 'a' });
      await adm.publish('no/2', 'no2', 1);
      await adm.publish('ok/3', 'ok3', 1);
      await sleep(200);
      const back = await online(open, { clientId: 'pers2', username: 'u2', password: 'q', clean: false });
      await back.waitFor(() => (back.messages().length > 0 ? true : undefined), 'the queued message');
      await sleep(300);
      expect(back.messages()).toEqual(['ok/3 ok3']);
    });
  });

  it.each(['a+', 'a/+b', '#/x', '$share', '$share/g+/t'])('UNSUBSCRIBE of the invalid filter %s closes the connection without an UNSUBACK', async (filter) => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'bad-unsub' });
      expect(await c.unsubscribeOrClose([filter])).toBe('closed');
    });
  });

  it('UNSUBSCRIBE of valid filters that match nothing is acknowledged', async () => {
    await withBroker(start, { allowAnonymous: true }, async (open) => {
      const c = await online(open, { clientId: 'unsub' });
      for (const filter of ['+', 'a//b', '$share/g', '$share/', '$sharex', '$SYS/#']) {
        expect(await c.unsubscribeOrClose([filter]), filter).toBe('unsuback');
      }
    });
  });

  it('acl_file semantics: sections, anonymous rules, deny first, read-only, $SYS, leading / and empty levels, %u/%c patterns', async () => {
    const acl = [
      'topic read pub/#', // 1: anonymous clients only
      'topic anon/#', // 2: no access word = readwrite
      'user admin',
      'topic readwrite #',
      'topic read $SYS/#',
      'topic write $SYS/broker/connection/+/state',
      'user alice',
      'topic read a/#', // 8: read does not grant write
      'topic write a/w/#',
      'topic deny a/secret/#', // 10: written after the grant, checked first
      'topic /lead/+',
      'topic e//+',
      'topic p/alice/deny/ok', // 13: a user grant beats a pattern deny
      'pattern readwrite p/%u/#',
      'pattern deny p/%u/deny/#',
      'pattern readwrite c/%c/#',
      '',
    ].join('\n');
    const passwd = 'admin:a\nalice:p\na/b:p\nbob:p\n';
    await withBroker(start, { passwd, acl, allowAnonymous: true }, async (open) => {
      const admin = await online(open, { clientId: 'adm-sub', username: 'admin', password: 'a' });
      expect(await admin.subscribe(['#', '$SYS/#'])).toEqual([0, 0]);
      const alice = await online(open, { clientId: 'alice-sub', username: 'alice', password: 'p' });
      expect(await alice.subscribe(['#'])).toEqual([0]); // granted: mosquitto filters each message
      const anon = await online(open, { clientId: 'anon-sub' });
      expect(await anon.subscribe(['#'])).toEqual([0]);
      const as = async (c: { clientId: string; username?: string; password?: string }, topics: string[]): Promise<void> => {
        const pub = await online(open, c);
        for (const t of topics) await pub.publish(t, c.clientId, 1);
        await pub.disconnect();
      };
      await as({ clientId: 'adm-pub', username: 'admin', password: 'a' },
        ['a/1', 'a/secret/1', 'pub/1', 'b/1', '$SYS/broker/connection/x/state', '$SYS/x', '$SYSTEM/x']);
      await as({ clientId: 'al-pub', username: 'alice', password: 'p' },
        ['a/x', 'a/w/1', 'a/w/secret', 'a/secret/w', '/lead/x', '/lead', 'e//x', 'e/x/y', 'p/alice/1', 'p/alice/deny/ok', 'p/alice/deny/no', 'anon/al']);
      await as({ clientId: 'anon-pub' }, ['anon/1', 'pub/2', 'p//1']);
      await as({ clientId: 'ab-pub', username: 'a/b', password: 'p' }, ['p/a/b/1', 'p/a/b/deny/1', 'c/ab-pub/1']);
      await as({ clientId: 'bob+1', username: 'bob', password: 'p' }, ['p/bob/1']);
      await as({ clientId: 'bob/1', username: 'bob', password: 'p' }, ['c/bob/1/x', 'p/bob/2']);
      await as({ clientId: 'adm-end', username: 'admin', password: 'a' }, ['anon/end', 'a/end']);
      for (const [c, what] of [[admin, 'admin'], [alice, 'alice'], [anon, 'anon']] as const) {
        await c.waitFor(() => (c.messages().some((m) => m.endsWith('end adm-end')) ? true : undefined), `the end marker for ${what}`);
      }
      await sleep(200);
      // Each broker publishes its own $SYS statistics; only the bridge state topic is a client's.
      const got = (c: RawClient): string[] => c.messages().filter((m) => !m.startsWith('$SYS/') || m.startsWith('$SYS/broker/connection/'));
      expect(got(admin)).toEqual([
        'a/1 adm-pub', 'a/secret/1 adm-pub', 'pub/1 adm-pub', 'b/1 adm-pub', '$SYS/broker/connection/x/state adm-pub',
        'a/w/1 al-pub', 'a/w/secret al-pub', '/lead/x al-pub', 'e//x al-pub', 'p/alice/1 al-pub', 'p/alice/deny/ok al-pub',
        'anon/1 anon-pub',
        'p/a/b/1 ab-pub', 'c/ab-pub/1 ab-pub',
        'c/bob/1/x bob/1', 'p/bob/2 bob/1',
        'anon/end adm-end', 'a/end adm-end',
      ]);
      expect(got(alice)).toEqual(['a/1 adm-pub', 'a/w/1 al-pub', 'a/w/secret al-pub', '/lead/x al-pub', 'e//x al-pub', 'p/alice/1 al-pub', 'p/alice/deny/ok al-pub', 'a/end adm-end']);
      expect(got(anon)).toEqual(['pub/1 adm-pub', 'anon/1 anon-pub', 'anon/end adm-end']);
    });
  });

  it("a client's will is published only when its user may write the will topic", async () => {
    const acl = 'user admin\ntopic read #\nuser alice\ntopic write w/#\ntopic deny w/secret/#\n';
    await withBroker(start, { passwd: 'admin:a\nalice:p\n', acl, allowAnonymous: false }, async (open) => {
      const admin = await online(open, { clientId: 'watcher', username: 'admin', password: 'a' });
      expect(await admin.subscribe(['#'])).toEqual([0]);
      for (const topic of ['w/secret/1', 'x/1', 'w/1']) {
        const c = await online(open, { clientId: `will-${topic}`, username: 'alice', password: 'p', will: { topic, payload: 'gone' } });
        c.destroy(); // no DISCONNECT: the will is due
      }
      await admin.waitFor(() => (admin.messages().length > 0 ? true : undefined), 'the allowed will');
      await sleep(300);
      expect(admin.messages()).toEqual(['w/1 gone']);
    });
  });
});

describe('bundled broker events for these cases', () => {
  it('logs the closed connections and what an offline session was not queued', async () => {
    const events: SecurityEvent[] = [];
    const f = files({ acl: 'topic write #\nuser u1\ntopic read ok/#\n', allowAnonymous: true });
    const b = await startBroker({ port: 0, acl: f.acl!, allowAnonymous: true, onEvent: (e) => events.push(e) });
    try {
      const c = await RawClient.open(b.port, { clientId: 'bad', password: 'x' });
      expect(await c.connack()).toBe('closed');
      const s = await RawClient.open(b.port, { clientId: 'sess', username: 'u1', clean: false });
      expect(await s.connack()).toBe(0);
      expect(await s.subscribe(['#'], 1)).toEqual([1]);
      expect(await s.subscribe(['x+'])).toBe('closed');
      const p = await RawClient.open(b.port, { clientId: 'p' });
      expect(await p.connack()).toBe(0);
      await p.publish('no/1', 'n', 1);
      await p.publish('ok/1', 'o', 1);
      p.destroy();
      expect(events).toEqual([
        { kind: 'connection-closed', clientId: 'bad', username: null, reason: 'password flag set without the username flag [MQTT-3.1.2-22]' },
        { kind: 'connection-closed', clientId: 'sess', username: 'u1', reason: "invalid SUBSCRIBE filter 'x+': '+' must be a whole level" },
        { kind: 'delivery-withheld', clientId: 'sess', username: 'u1', topic: 'no/1', offline: true },
      ]);
    } finally {
      await b.close();
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});
