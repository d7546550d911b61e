// An undelivered-publish lists at most 20 subscribers in its extra fields (subscribers,
// acl_reads, acl_explanation), as its text does, and counts the rest: one dropped publish
// to thousands of subscribers made an NDJSON line of megabytes.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Scenario } from './helpers.js';

describe('undelivered-publish to many subscribers', () => {
  it('subscribers lists the first 20; subscriber_count gives how many missed it', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    for (let k = 0; k < 30; k++) sc.client(`s${k}`).login().sub(1, ['m/#']);
    sc.client('p').login().publish({ topic: 'm/x', payload: 'v' });
    const [f] = sc.end();
    expect(f!.code).toBe('undelivered-publish');
    const subs = f!.extra['subscribers'] as { client_id: string }[];
    expect(subs.map((x) => x.client_id)).toEqual(Array.from({ length: 20 }, (_, k) => `s${k}`));
    expect(f!.extra['subscriber_count']).toBe(30);
  });

  it('20 or fewer: listed in full, no count', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    for (let k = 0; k < 20; k++) sc.client(`s${k}`).login().sub(1, ['m/#']);
    sc.client('p').login().publish({ topic: 'm/x', payload: 'v' });
    const [f] = sc.end();
    expect(f!.extra['subscribers']).toHaveLength(20);
    expect(f!.extra['subscriber_count']).toBeUndefined();
  });

  it('with --acl: acl_reads lists 20, the denied ones first, with the counts; the line stays small', () => {
    // Everyone may write and read m/#, except user bad, who may read nothing there.
    const acl = parseAclFile('pattern readwrite m/#\n\nuser bad\ntopic deny m/#\n', 'big.acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    for (let k = 0; k < 1000; k++) sc.client(`s${k}`).login({ username: `u${k}` }).sub(1, ['m/#']);
    sc.client('bad1').login({ username: 'bad' }).sub(1, ['m/#']);
    sc.client('bad2').login({ username: 'bad' }).sub(1, ['m/#']);
    sc.client('p').login({ username: 'w' }).publish({ topic: 'm/x', payload: 'v' });
    const [f] = sc.end().filter((x) => x.code === 'undelivered-publish'); // bad's SUBACKs are withheld-delivery at_subscribe
    expect(f!.code).toBe('undelivered-publish');
    const reads = f!.extra['acl_reads'] as { subscriber: string; acl_allowed: boolean }[];
    expect(reads).toHaveLength(20);
    expect(reads.slice(0, 2).map((r) => [r.subscriber, r.acl_allowed])).toEqual([['bad1', false], ['bad2', false]]);
    expect(reads.slice(2).every((r) => r.acl_allowed)).toBe(true);
    expect(f!.extra).toMatchObject({ acl_reads_count: 1002, acl_reads_denied: 2, subscriber_count: 1002, acl_confirmed: false });
    expect(f!.extra['subscribers']).toHaveLength(20);
    const explanation = f!.extra['acl_explanation'] as string;
    expect(explanation).toContain("(982 more subscribers' read verdicts not listed: 2 of the 1002 reads asked are denied.)");
    // About 1,000 subscribers' worth of JSON before (over 300 KB); now a few kilobytes.
    expect(JSON.stringify(f).length).toBeLessThan(40_000);
  });

  it('30 subscribers held back by flow control: 5 explained in the text, 20 in held_back, the count', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    const subs = Array.from({ length: 30 }, (_, k) => sc.client(`h${k}`, { version: 5 }).login({ properties: { receive_maximum: 1 } }).sub(1, [{ filter: 'r/#', qos: 1 }]));
    const p = sc.client('p', { version: 5 }).login();
    p.publish({ topic: 'r/0', payload: 'm0', qos: 1, id: 1 });
    p.puback(1);
    for (const c of subs) c.deliver({ topic: 'r/0', payload: 'm0', qos: 1, id: 1 }); // none acknowledged
    sc.wait(10);
    p.publish({ topic: 'r/1', payload: 'm1', qos: 1, id: 2 });
    p.puback(2);
    const [f] = sc.end().filter((x) => x.code === 'undelivered-publish');
    expect(f!.topic).toBe('r/1');
    expect(f!.extra['held_back']).toHaveLength(20);
    expect(f!.extra['held_back_count']).toBe(30);
    expect(f!.text.split('This is flow control, not a denial').length - 1).toBe(5);
    expect(f!.text).toContain('The other 25 subscribers that missed it were held back the same way (held_back).');
    expect(f!.text.length).toBeLessThan(5_000);
  });

  it('a shared group of 30 members lists the first 20 of them and counts the rest', () => {
    const sc = new Scenario({ brokerKind: 'mosquitto' });
    for (let k = 0; k < 30; k++) sc.client(`g${k}`).login().sub(1, ['$share/g/m/#']);
    sc.client('p').login().publish({ topic: 'm/x', payload: 'v' });
    const [f] = sc.end();
    expect(f!.code).toBe('undelivered-publish');
    const [group] = f!.extra['subscribers'] as { share_group: string; members: string[]; member_count?: number }[];
    expect(group!.share_group).toBe('g');
    expect(group!.members).toEqual(Array.from({ length: 20 }, (_, k) => `g${k}`));
    expect(group!.member_count).toBe(30);
  });

  it('with --acl and the write denied: only the reads it lists are asked', () => {
    const acl = parseAclFile('pattern readwrite m/%u/#\n\nuser admin\ntopic readwrite #\n', 'big.acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    for (let k = 0; k < 2000; k++) sc.client(`s${k}`).login({ username: 'admin' }).sub(1, ['m/#']);
    sc.client('p').login({ username: 'w' }).publish({ topic: 'm/x', payload: 'v' });
    const [f] = sc.end().filter((x) => x.code === 'undelivered-publish');
    expect(f!.extra).toMatchObject({ acl_confirmed: true, acl_write_allowed: false, subscriber_count: 2000 });
    expect(f!.extra['acl_reads']).toBeUndefined();
    const explanation = (f!.extra['acl_explanation'] as string).split('\n\n');
    expect(explanation).toHaveLength(1 + 20 + 1); // the write, 20 reads, the count
    expect(explanation[21]).toBe('(The reads of the other 1980 subscribers were not asked: the denied write explains the loss.)');
  });

  it('a will the acl_file denies, due to 30 subscribers: 20 listed in text and extra, the rest counted', () => {
    const acl = parseAclFile('user admin\ntopic readwrite #\n\nuser sensor\ntopic write sensors/#\n', 'site.acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    for (let k = 0; k < 30; k++) sc.client(`a${k}`).login({ username: 'admin' }).sub(1, ['status/#']);
    const c = sc.client('sensor');
    c.connect({ username: 'sensor', will: { topic: 'status/sensor', payload: 'offline' } });
    c.connack(0);
    sc.wait(10);
    c.close('reset');
    const f = sc.end().filter((x) => x.code === 'undelivered-publish');
    expect(f).toHaveLength(1);
    expect(f[0]!.extra['subscribers']).toHaveLength(20);
    expect(f[0]!.extra['subscriber_count']).toBe(30);
    expect(f[0]!.text).toContain("none of the 30 subscriber(s) whose filters match (a0: 'status/#'; ");
    expect(f[0]!.text).toContain("a19: 'status/#' and 10 more)");
    expect(f[0]!.text).not.toContain('a20:');
  });
});
