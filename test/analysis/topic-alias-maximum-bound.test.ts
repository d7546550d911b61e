// A client Topic Alias equal to the broker's Topic Alias Maximum is allowed
// ([MQTT-3.3.2-9]: 1 up to and including the maximum); only one above it is refused.
// A message sent with alias == maximum and not delivered is a drop, and no protocol
// violation is reported for it.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';

const violations = (h: Harness) => h.byCode('protocol-violation').map((f) => f.extra?.['violation']);

describe('client Topic Alias at the Topic Alias Maximum', () => {
  it('alias == maximum is routed (a missed delivery is reported), alias == maximum + 1 is not', () => {
    const h = new Harness();
    const s = h.conn(5).login('s', undefined).sub(1, 'a/#');
    const p = h.conn(5).login('p', undefined, 0, { topicAliasMaximum: 10 });
    p.publish({ topic: 'a/1', payload: 'm', properties: { topicAlias: 10 } });
    h.end();
    expect(violations(h)).toEqual([]);
    expect(h.byCode('undelivered-publish').map((f) => f.topic)).toEqual(['a/1']);
    void s;

    const h2 = new Harness();
    h2.conn(5).login('s', undefined).sub(1, 'a/#');
    const p2 = h2.conn(5).login('p', undefined, 0, { topicAliasMaximum: 10 });
    p2.publish({ topic: 'a/1', payload: 'm', properties: { topicAlias: 11 } });
    h2.end();
    expect(violations(h2)).toEqual(['topic-alias-exceeds-maximum']);
    expect(h2.byCode('undelivered-publish')).toEqual([]);
  });
});
