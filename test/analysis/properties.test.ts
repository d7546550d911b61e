// Property tests: topic matching agrees with the acl module's, and delivery
// correlation reports a drop exactly when a matching subscriber missed a message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicMatches as aclMatches } from '../../src/acl/index.js';
import { topicMatches } from '../../src/analysis/index.js';
import { Scenario } from './helpers.js';

const level = fc.constantFrom('a', 'b', 'c', '$SYS', '');
const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
const filter = fc.array(fc.constantFrom('a', 'b', '+', '$SYS', ''), { minLength: 1, maxLength: 4 })
  .chain((l) => fc.boolean().map((hash) => (hash ? [...l.slice(0, -1), '#'] : l).join('/')));

describe('properties', () => {
  it('topicMatches agrees with the acl module', () => {
    fc.assert(fc.property(filter, topic, (f, t) => {
      expect(topicMatches(f, t)).toBe(aclMatches(f, t));
    }), { numRuns: 2000 });
  });

  it('every matching subscriber served: no finding; one delivery dropped: exactly one drop finding', () => {
    const arb = fc.record({
      subs: fc.array(fc.array(filter.filter((f) => !f.startsWith('$')), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
      pubs: fc.array(fc.record({ topic: topic.filter((t) => t !== '' && !t.includes('$')), qos: fc.constantFrom(0, 1) }), { minLength: 1, maxLength: 6 }),
      drop: fc.nat(),
    });
    fc.assert(fc.property(arb, ({ subs, pubs, drop }) => {
      for (const dropOne of [false, true]) {
        const sc = new Scenario();
        const clients = subs.map((fs, i) => sc.client(`s${i}`).login().sub(1, [...new Set(fs)]));
        const p = sc.client('pub').login();
        const deliveries: { c: typeof clients[number]; topic: string; payload: string }[] = [];
        pubs.forEach((m, i) => {
          p.publish({ topic: m.topic, payload: `m${i}`, qos: m.qos, id: i + 1 });
          if (m.qos) p.puback(i + 1);
          for (const c of clients) {
            const filters = subs[clients.indexOf(c)]!;
            if (filters.some((f) => topicMatches(f, m.topic))) deliveries.push({ c, topic: m.topic, payload: `m${i}` });
          }
        });
        const skip = dropOne && deliveries.length ? drop % deliveries.length : -1;
        deliveries.forEach((d, i) => { if (i !== skip) d.c.deliver({ topic: d.topic, payload: d.payload }); });
        const drops = sc.end().filter((f) => f.code === 'undelivered-publish' || f.code === 'withheld-delivery');
        expect(drops).toHaveLength(skip >= 0 ? 1 : 0);
        expect(sc.findings).toHaveLength(drops.length);
      }
    }), { numRuns: 200 });
  });
});
