// explainTopicMatch (the reason `acl explain` prints for each rule) must give the same
// verdict as topicMatches, the matcher mosquitto's semantics are checked against: a
// rule shorter than the topic, without '#', does not match it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explainTopicMatch, topicMatches } from '../../src/acl/index.js';

describe('explainTopicMatch agrees with topicMatches', () => {
  it('a filter with fewer levels than the topic and no # does not match, and says why', () => {
    expect(explainTopicMatch('a/b', 'a/b/c')).toEqual({ matched: false, reason: 'it has 2 levels and a/b/c has 3' });
    expect(explainTopicMatch('+', 'a/b').matched).toBe(false);
  });

  it('a $ topic against a filter with no wildcard at level 1 says the first levels differ, not that wildcards skip $', () => {
    expect(explainTopicMatch('x/#', '$SYS/broker/uptime')).toEqual({ matched: false, reason: "level 1 is 'x' and $SYS/broker/uptime has '$SYS' there" });
    expect(explainTopicMatch('#', '$SYS/a')).toEqual({ matched: false, reason: "$SYS/a starts with '$' and wildcards at the first level never match '$' topics" });
    expect(explainTopicMatch('+/a', '$SYS/a').reason).toBe("$SYS/a starts with '$' and wildcards at the first level never match '$' topics");
  });

  it('on random filters and topics', () => {
    const level = fc.constantFrom('a', 'b', '', '$x');
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
    const filter = fc.tuple(fc.array(fc.constantFrom('a', 'b', '', '+', '$x'), { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([l, hash]) => (hash ? [...l, '#'] : l).join('/'));
    fc.assert(fc.property(filter, topic, (f, t) => {
      expect(explainTopicMatch(f, t).matched, `${f} vs ${t}`).toBe(topicMatches(f, t));
    }), { numRuns: 2000 });
  });
});
