// A retained message whose publisher's CONNECT is not in the capture: its username
// is unknown, so the acl_file is not asked about the write (the anonymous verdict
// would stand in for it). Such a message is owed to a new subscriber only once a
// routed copy shows the broker kept it. Real bytes through the Engine and the Analyzer.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Harness } from './engine-harness.js';

// No rules for anonymous clients: the anonymous verdict denies every write.
const SITE = parseAclFile('user admin\ntopic readwrite #\n\nuser alice\ntopic read b/pub/#\n', 'site.acl');

/** p (CONNECT not captured) retains b/ret; admin may get a copy; alice (reads only b/pub/#) subscribes b/#. */
function scenario(o: { adminGetsCopy: boolean }) {
  const h = new Harness({ brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000, acl: SITE });
  const adminSub = h.conn().login('admin-sub', 'admin').sub(1, 'b/#');
  const p = h.conn(); // its CONNECT is not in the capture
  const ret = p.publish({ topic: 'b/ret', payload: 'kept', retain: true });
  if (o.adminGetsCopy) adminSub.deliver({ topic: 'b/ret', payload: 'kept' });
  h.wait(50);
  const alice = h.conn().login('alice-sub', 'alice');
  alice.subscribe(1, 'b/#');
  alice.suback(1);
  h.wait(2000);
  h.tick();
  return { h, ret, alice };
}

describe('a retained message from a client whose CONNECT was not captured', () => {
  it('routed to a subscriber, so kept by the broker: a denied read of a new subscriber is reported', () => {
    const { h, ret, alice } = scenario({ adminGetsCopy: true });
    const w = h.end().filter((f) => f.code === 'withheld-delivery' && f.extra['retained'] === true);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ conn: alice.meta.id, topic: 'b/ret', extra: { retained: true, filter: 'b/#' } });
    expect(w[0]!.frames).toContain(ret.frame);
  });

  it('never routed: not known to be retained, so nothing is owed (the write was not asked, not taken as denied)', () => {
    const { h } = scenario({ adminGetsCopy: false });
    expect(h.end().filter((f) => f.code === 'withheld-delivery' && f.extra['retained'] === true)).toEqual([]);
  });
});
