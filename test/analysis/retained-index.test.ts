// The retained messages a new subscription is owed are found through an index by topic
// level (TopicTracker.retainedCandidates), not by matching the filter against every
// retained topic: with 10,000 retained topics, each granted filter used to cost 10,000
// topicMatches() calls, and a SUBSCRIBE of 100 filters about 36 ms.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../src/analysis/topic.js';
import { RETAINED_INDEX_LEVELS, TopicTracker } from '../../src/analysis/topics.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { Harness } from './engine-harness.js';

/** Just what TopicTracker.packet reads of a client→broker retained PUBLISH. */
function retainedRec(topic: string, payload: string, frame: number): PacketRecord {
  const bytes = new TextEncoder().encode(payload);
  return {
    kind: 'packet', dir: 'c2s', topic, time: frame, frame, clientId: 'p', username: null,
    conn: { id: 'c1' }, bytes, size: bytes.length,
    summary: { type: 3, dup: false, retain: true, qos: 0, packetId: null, properties: null, topic, payloadOffset: 0, payloadLength: bytes.length },
  } as unknown as PacketRecord;
}

const deep = Array.from({ length: RETAINED_INDEX_LEVELS + 2 }, (_, i) => (i % 3 === 0 ? 'a' : 'b')).join('/');
const topicLevel = fc.constantFrom('a', 'b', '', '$SYS', '$x', 'a+', 'x#');
const topic = fc.oneof(
  fc.array(topicLevel, { minLength: 1, maxLength: 5 }).map((l) => l.join('/')),
  // Deeper than the index: the levels past it are left to topicMatches().
  fc.array(topicLevel, { minLength: 0, maxLength: 4 }).map((l) => [deep, ...l].join('/')),
);
const filterLevel = fc.constantFrom('a', 'b', '', '+', '#', '$SYS', '$x');
const filter = fc.oneof(
  fc.array(filterLevel, { minLength: 1, maxLength: 5 }).map((l) => l.join('/')),
  fc.array(filterLevel, { minLength: 0, maxLength: 4 }).map((l) => [deep, ...l].join('/')),
);

describe('retained messages by topic level', () => {
  it('yields every retained topic a filter matches, cleared ones excepted', () => {
    fc.assert(fc.property(fc.array(fc.tuple(topic, fc.boolean()), { maxLength: 30 }), fc.array(filter, { minLength: 1, maxLength: 10 }), (pubs, filters) => {
      const t = new TopicTracker();
      const retained = new Set<string>();
      pubs.forEach(([name, clear], i) => {
        t.packet(retainedRec(name, clear ? '' : `v${i}`, i + 1), i + 1);
        if (clear) retained.delete(name); else retained.add(name);
      });
      for (const f of filters) {
        const got = new Set([...t.retainedCandidates(f)].map((v) => v.topic).filter((name) => topicMatches(f, name)));
        expect(got).toEqual(new Set([...retained].filter((name) => topicMatches(f, name))));
      }
    }), { numRuns: 400 });
  });

  it('a topic of 1,000 levels or made only of slashes is indexed and cleared like any other', () => {
    const t = new TopicTracker();
    const long = Array.from({ length: 1000 }, () => 'l').join('/');
    const slashes = '/'.repeat(500);
    t.packet(retainedRec(long, 'x', 1), 1);
    t.packet(retainedRec(slashes, 'y', 2), 2);
    expect([...t.retainedCandidates('l/#')].map((v) => v.topic)).toEqual([long]);
    expect([...t.retainedCandidates(long)].map((v) => v.topic)).toEqual([long]);
    expect([...t.retainedCandidates(slashes)].map((v) => v.topic)).toEqual([slashes]);
    expect([...t.retainedCandidates('+/#')].map((v) => v.topic).sort()).toEqual([long, slashes].sort());
    t.packet(retainedRec(long, '', 3), 3);
    t.packet(retainedRec(slashes, '', 4), 4);
    expect([...t.retainedCandidates('#')]).toEqual([]);
  });

  it('the cost of a grant does not grow with the number of retained topics it does not match', () => {
    /** Time for `subscribers` clients each granted 50 filters, with `retained` retained topics. */
    function grants(retained: number): number {
      const h = new Harness({ brokerKind: 'mosquitto' });
      const pub = h.conn();
      pub.login('publisher', 'p');
      for (let i = 0; i < retained; i++) pub.publish({ topic: `r/${i}`, payload: 'v', retain: true });
      const filters = Array.from({ length: 50 }, (_, j) => ({ topic: `x/${j}/+`, qos: 0 }));
      const conns = Array.from({ length: 200 }, (_, k) => {
        const c = h.conn();
        c.login(`s${k}`, 's');
        return c;
      });
      const t0 = performance.now();
      conns.forEach((c, k) => {
        c.c({ cmd: 'subscribe', messageId: 1, subscriptions: filters.map((f) => ({ ...f, topic: `${f.topic}/${k}` })) });
        c.s({ cmd: 'suback', messageId: 1, granted: filters.map(() => 0) });
      });
      return performance.now() - t0;
    }
    grants(1000); // warm-up
    const small = Math.min(grants(1000), grants(1000));
    const large = Math.min(grants(10_000), grants(10_000));
    // Ten times the retained topics: about 10x before (every grant matched every topic),
    // about 1x now. 4x leaves room for a loaded machine.
    expect(large / small).toBeLessThan(4);
  }, 20_000);
});
