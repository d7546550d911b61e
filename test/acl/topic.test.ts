import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { topicMatches, explainTopicMatch } from '../../src/acl/index.js';
import { filterCovers, filtersOverlap } from '../../src/acl/topic.js';

describe('topicMatches', () => {
  it.each([
    ['#', 'a/b', true], ['a/#', 'a', true], ['a/#', 'a/b/c', true], ['+/+', 'a/b', true],
    ['+/+/+/%u', 'a/b/c', false], ['a/+', 'a', false], ['a/+', 'a/', true], ['+', '', true],
    ['#', '$SYS/broker/uptime', false], ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true], ['a/b', 'a/b/c', false], ['/#', '/x', true],
  ])('%s vs %s → %s', (f, t, r) => {
    expect(topicMatches(f, t)).toBe(r);
  });

  it('says why not', () => {
    expect(explainTopicMatch('+/+/+/user1', 'panama/colon/user1').reason).toBe('it has 4 levels and panama/colon/user1 has 3');
    expect(explainTopicMatch('a/b', 'a/c').reason).toBe("level 2 is 'b' and a/c has 'c' there");
  });
});

describe('filtersOverlap and filterCovers (what a SUBSCRIBE filter can receive under a rule)', () => {
  it.each([
    ['#', 'a/b', true, true], ['a/#', 'a', true, true], ['a/#', 'a/b/#', true, true], ['+/+/+/u', 'sensors/+/temp', false, false],
    ['a/+', 'a/#', true, false], ['#', '$SYS/#', false, false], ['$SYS/#', '$SYS/broker/+', true, true], ['+/x', '+/x', true, true],
    ['e//+', 'e/+/x', true, false], ['/lead/+', '#', true, false], ['a/b', 'a/b/c', false, false], ['+/#', 'a', true, true],
  ])('%s vs %s: overlap %s, covers %s', (rule, filter, overlap, covers) => {
    expect(filtersOverlap(rule, filter)).toBe(overlap);
    expect(filterCovers(rule, filter)).toBe(covers);
  });

  // A topic matches both filters iff they overlap; every topic matching filter matches cover if it covers.
  const level = fc.constantFrom('a', 'b', '', '$x');
  const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/')).filter((t) => t !== '');
  const filter = fc.tuple(fc.array(fc.constantFrom('a', 'b', '', '$x', '+'), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([l, hash]) => (hash ? [...l.slice(0, -1), '#'] : l).join('/')).filter((f) => f !== '');
  it('agrees with topicMatches on every small topic', () => {
    const topics = fc.sample(topic, 400);
    fc.assert(fc.property(filter, filter, (x, y) => {
      const both = topics.filter((t) => topicMatches(x, t) && topicMatches(y, t));
      if (both.length > 0) expect(filtersOverlap(x, y)).toBe(true);
      if (filterCovers(x, y)) for (const t of topics) if (topicMatches(y, t)) expect(topicMatches(x, t)).toBe(true);
    }), { numRuns: 2000 });
  });
});
