// The subscription index gives the same subscriptions as matching the topic against
// every subscription with topicMatches() (what route() did before), for any filters
// (invalid ones too: '#' not last, 'a+', '+x', empty levels), topics ('$' ones too) and
// any order of additions and removals; and it leaves no empty nodes behind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubscriptionIndex } from '../../src/analysis/sub-index.js';
import type { Session, Subscription } from '../../src/analysis/sessions.js';
import { topicMatches } from '../../src/analysis/topic.js';

const LEVELS = ['a', 'b', '', '+', '#', '$SYS', '$x', 'a+', '+x', '#x', 'x#'];
const level = fc.constantFrom(...LEVELS);
const filter = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
// Topics have no wildcards, but '+' and '#' are compared literally in a filter level like 'a+'.
const topic = fc.array(fc.constantFrom('a', 'b', '', '$SYS', '$x', 'a+', '+x', '#x', 'x#'), { minLength: 1, maxLength: 6 }).map((l) => l.join('/'));

function sub(topicFilter: string, n: number): Subscription {
  return {
    filter: topicFilter, topicFilter, shareGroup: null, requestedQos: 0, grantedQos: 0, noLocal: false, retainAsPublished: false,
    retainHandling: 0, subscribeFrame: n, subackFrame: n, grantedAt: 0, inherited: false, order: n,
  };
}

function matches(ix: SubscriptionIndex, t: string): Subscription[] {
  const out: Subscription[] = [];
  ix.match(t, (_s, x) => out.push(x));
  return out.sort((x, y) => x.order - y.order);
}

function nodes(ix: SubscriptionIndex): number {
  // Count the trie's nodes (a walk over its private structure, for the leak check).
  type N = { children: Map<string, N> | null; plus: N | null };
  const root = (ix as unknown as { root: N }).root;
  let n = 0;
  const stack: N[] = [root];
  while (stack.length > 0) {
    const x = stack.pop()!;
    n++;
    if (x.children) for (const c of x.children.values()) stack.push(c);
    if (x.plus) stack.push(x.plus);
  }
  return n;
}

describe('SubscriptionIndex', () => {
  it('matches what topicMatches says for every subscription, through additions and removals', () => {
    const session = {} as Session;
    fc.assert(fc.property(
      fc.array(fc.record({ add: fc.boolean(), filter, pick: fc.nat() }), { maxLength: 40 }),
      fc.array(topic, { minLength: 1, maxLength: 8 }),
      (ops, topics) => {
        const ix = new SubscriptionIndex();
        const live: Subscription[] = [];
        let n = 0;
        for (const op of ops) {
          if (op.add || live.length === 0) {
            const x = sub(op.filter, ++n);
            live.push(x);
            ix.add(session, x);
          } else {
            const [x] = live.splice(op.pick % live.length, 1);
            ix.remove(x!);
          }
          for (const t of topics) {
            const want = live.filter((x) => topicMatches(x.topicFilter, t)).sort((x, y) => x.order - y.order);
            expect(matches(ix, t)).toEqual(want);
          }
        }
        // Everything removed: only the root is left.
        for (const x of live) ix.remove(x);
        expect(nodes(ix)).toBe(1);
        for (const t of topics) expect(matches(ix, t)).toEqual([]);
      },
    ), { numRuns: 300 });
  });

  it('edge cases spelled out', () => {
    const ix = new SubscriptionIndex();
    const s = {} as Session;
    const all = ['#', '+', 'a/#', '+/#', 'a/+', '$SYS/#', '#/a', 'a+', '', '/', 'a//b', '+/+'].map((f, i) => sub(f, i));
    for (const x of all) ix.add(s, x);
    const got = (t: string): string[] => matches(ix, t).map((x) => x.topicFilter);
    expect(got('a')).toEqual(['#', '+', 'a/#', '+/#']); // 'a/#' and '+/#' match the parent level
    expect(got('a/b')).toEqual(['#', 'a/#', '+/#', 'a/+', '+/+']);
    expect(got('$SYS/x')).toEqual(['$SYS/#']); // no wildcard-first filter matches a '$' topic [MQTT-4.7.2-1]
    expect(got('')).toEqual(['#', '+', '+/#', '']);
    expect(got('a+')).toEqual(['#', '+', '+/#', 'a+']);
    expect(got('/')).toEqual(['#', '+/#', '/', '+/+']);
    expect(got('a//b')).toEqual(['#', 'a/#', '+/#', 'a//b']);
    for (const t of ['a', 'a/b', '$SYS/x', '', 'a+', '/', 'a//b', 'x/a']) {
      expect(got(t)).toEqual(all.filter((x) => topicMatches(x.topicFilter, t)).map((x) => x.topicFilter));
    }
  });

  it('a topic and a filter of 30,000 empty levels: no stack overflow', () => {
    const ix = new SubscriptionIndex();
    const deep = '/'.repeat(30_000);
    const x = sub(deep, 1);
    ix.add({} as Session, x);
    ix.add({} as Session, sub(`${'+/'.repeat(15_000)}#`, 2));
    expect(matches(ix, deep).map((y) => y.order)).toEqual([1, 2]);
    ix.remove(x);
    expect(matches(ix, deep).map((y) => y.order)).toEqual([2]);
  });
});
