// One subscriber may hold thousands of filters that match one topic (`+` in any of a deep
// topic's levels). An undelivered-publish listed every one in its text and in
// `subscribers[].filters`, a line of megabytes; both now list 20, with `filter_count`.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('undelivered-publish: a subscriber with many matching filters', () => {
  it('lists the first 20 filters, counts them all, and says how many more in the text', () => {
    const sc = new Scenario();
    const pub = sc.client('pub').login();
    // 30 distinct filters matching a/b/c/d/e: each level either itself or '+'.
    const levels = ['a', 'b', 'c', 'd', 'e'];
    const filters: string[] = [];
    for (let m = 0; m < 30; m++) filters.push(levels.map((l, i) => ((m >> i) & 1 ? '+' : l)).join('/'));
    sc.client('s').login().sub(1, filters);
    pub.publish({ topic: 'a/b/c/d/e', payload: 'x' });
    const [f] = sc.end();
    expect(f!.code).toBe('undelivered-publish');
    const [s] = f!.extra['subscribers'] as Array<Record<string, unknown>>;
    expect(s!['filters']).toEqual(filters.slice(0, 20));
    expect(s!['filter_count']).toBe(30);
    expect(f!.text).toContain(`s: ${filters.slice(0, 20).map((x) => `'${x}'`).join(', ')} and 10 more filter(s)`);
  });

  it('20 filters or fewer: no count and nothing left out', () => {
    const sc = new Scenario();
    const pub = sc.client('pub').login();
    sc.client('s').login().sub(1, ['a/+', 'a/#']);
    pub.publish({ topic: 'a/b', payload: 'x' });
    const [f] = sc.end();
    const [s] = f!.extra['subscribers'] as Array<Record<string, unknown>>;
    expect(s).not.toHaveProperty('filter_count');
    expect(f!.text).not.toContain('more filter(s)');
  });
});
