import { describe, it, expect } from 'vitest';
import { topicMatches, explainTopicMatch } from '../../src/acl/index.js';

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
