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
